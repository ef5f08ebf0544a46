"""Tenant-editable templates: defaults, overrides, refusal with the error line, preview,
test-send, the sandbox, and the fall-back to the default when an override breaks."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from commissary.notifications.models import NotificationTemplate
from commissary.notifications.rendering import TemplateProblem, check
from commissary.testing import Portal, Shop, csrf_of
from tests.helpers import user
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import checkout, drain


def admin_api(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.api(user(shop, "admin@acme.test"))


def test_every_kind_has_a_default_that_renders_with_its_sample(mailing_shop: Shop) -> None:
    listed = admin_api(mailing_shop).get("/notifications/templates").json()
    kinds = {t["kind"] for t in listed}
    assert {"order_submitted", "approval_requested", "order_decided", "points_granted"} <= kinds
    assert {"approval_reminder", "points_expiring", "budget_threshold"} <= kinds
    assert not any(t["customised"] for t in listed)
    api = admin_api(mailing_shop)
    for t in listed:
        r = api.post(
            "/notifications/template/preview",
            json={"kind": t["kind"], "subject": t["subject"], "body": t["body"]},
        )
        assert r.status_code == 200, (t["kind"], r.text)


def test_an_admin_override_is_used_for_delivery(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    api = admin_api(mailing_shop)
    r = api.put(
        "/notifications/template",
        json={
            "kind": "order_submitted",
            "language": "en",
            "subject": "Thanks, {{ user.name }}: {{ order.number }}",
            "body": "Total {{ order.total_points }} at {{ tenant.name }} <3",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["customised"] is True
    order = checkout(mailing_shop, "POLO-S", 1, "k1")
    drain(mailing_shop)
    [mail] = sink.messages
    assert mail.message["Subject"] == f"Thanks, Buyer: SO-{order['id']:06d}"
    plain, html = mail.message.get_body(("plain",)), mail.message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == "Total 40 at Acme <3"
    assert "Total 40 at Acme &lt;3" in html.get_content()
    # Back to the default.
    r = api.delete("/notifications/template", params={"kind": "order_submitted"})
    assert r.status_code == 200 and r.json()["customised"] is False


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("Hello\n\n{% if %}yes{% endif %}", 3, "Expected an expression"),
        ("Hello\n\n{{ order.numbr }}", 3, "has no attribute 'numbr'"),
        ("Hi\n{{ user.__class__.__mro__ }}", 2, "unsafe"),
        ("{% include '/etc/passwd' %}", 1, "cannot include"),
        ("{{ ''.__class__.__subclasses__() }}", 1, "unsafe"),
    ],
)
def test_a_broken_or_unsafe_template_is_refused_with_its_line(
    mailing_shop: Shop, body: str, line: int, words: str
) -> None:
    r = admin_api(mailing_shop).put(
        "/notifications/template", json={"kind": "order_submitted", "subject": "s", "body": body}
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["detail"] == {"field": "body", "line": line}
    assert words in error["message"]
    listed = (
        admin_api(mailing_shop)
        .get("/notifications/template", params={"kind": "order_submitted", "language": "en"})
        .json()
    )
    assert listed["customised"] is False  # nothing changed


def test_bad_input_and_unknown_names(mailing_shop: Shop) -> None:
    api = admin_api(mailing_shop)
    assert api.get("/notifications/template", params={"kind": "nope"}).status_code == 404
    r = api.get("/notifications/template", params={"kind": "order_submitted", "language": "xx"})
    assert r.status_code == 404
    assert api.get("/notifications/template").status_code == 422  # no kind
    r = api.put(
        "/notifications/template", json={"kind": "order_submitted", "subject": "", "body": "b"}
    )
    assert r.status_code == 422
    r = api.put(
        "/notifications/template",
        json={"kind": "order_submitted", "subject": "s", "body": "b", "extra": 1},
    )
    assert r.status_code == 422
    buyer = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))
    assert buyer.get("/notifications/templates").status_code == 403


def test_a_template_broken_later_falls_back_to_the_default(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    api = admin_api(mailing_shop)
    api.put(
        "/notifications/template",
        json={"kind": "order_submitted", "subject": "Custom {{ order.number }}", "body": "custom"},
    )
    # A row that stopped rendering (say a variable was renamed in an upgrade).
    with mailing_shop.portal.db.transaction(mailing_shop.tenant.id) as s:
        s.execute(update(NotificationTemplate).values(subject="{{ order.gone.away }}"))
    order = checkout(mailing_shop, "POLO-S", 1, "k1")
    drain(mailing_shop)
    [mail] = sink.messages
    assert mail.message["Subject"] == f"Your order SO-{order['id']:06d} was received"


def test_preview_and_test_send(mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]) -> None:
    _, _, sink = smtp
    api = admin_api(mailing_shop)
    src = {
        "kind": "order_submitted",
        "subject": "Hi {{ user.name }}",
        "body": "Order {{ order.number }}",
    }
    preview = api.post("/notifications/template/preview", json=src).json()
    assert preview["subject"] == "Hi Dana Buyer"
    assert preview["text"] == "Order SO-000042\n"
    r = api.post("/notifications/template/test", json=src)
    assert r.status_code == 202, r.text
    drain(mailing_shop)
    [mail] = sink.messages
    assert mail.rcpt == ["admin@acme.test"]
    assert mail.message["Subject"] == "[test] Hi Dana Buyer"


def test_another_tenants_templates_are_not_visible(portal: Portal, mailing_shop: Shop) -> None:
    admin_api(mailing_shop).put(
        "/notifications/template",
        json={"kind": "order_submitted", "subject": "acme", "body": "acme"},
    )
    other = portal.tenant("globex", plugins={})
    boss = other.user("boss@globex.test", roles=["tenant_admin"])
    seen = other.api(boss).get("/notifications/template", params={"kind": "order_submitted"})
    seen = seen.json()
    assert seen["customised"] is False and seen["subject"] != "acme"


def test_the_editor_page_shows_the_error_line_and_saves(mailing_shop: Shop) -> None:
    browser = mailing_shop.browser(user(mailing_shop, "admin@acme.test"))
    page = browser.get("/t/acme/notifications/templates")
    assert page.status_code == 200 and "Order received" in page.text
    url = "/t/acme/notifications/templates/order_submitted/en"
    page = browser.get(url)
    assert page.status_code == 200 and "Preview with sample data" in page.text
    form = {"csrf_token": csrf_of(browser), "subject": "S", "body": "a\n{{ order.nope }}"}
    r = browser.post(url, data={**form, "action": "save"})
    assert r.status_code == 422
    assert "body, line 2:" in r.text
    r = browser.post(url, data={**form, "body": "Fine {{ order.number }}", "action": "preview"})
    assert r.status_code == 200 and "Fine SO-000042" in r.text
    r = browser.post(url, data={**form, "body": "Fine {{ order.number }}", "action": "save"})
    assert r.status_code == 303
    assert "(own)" in browser.get("/t/acme/notifications/templates").text
    buyer = mailing_shop.browser(user(mailing_shop, "buyer@acme.test"))
    assert buyer.get(url).status_code == 403


def test_preferences_page(mailing_shop: Shop) -> None:
    browser = mailing_shop.browser(user(mailing_shop, "buyer@acme.test"))
    assert browser.get("/t/acme/notifications/preferences").status_code == 200
    r = browser.post(
        "/t/acme/notifications/preferences",
        data={"csrf_token": csrf_of(browser), "receive": ["points_granted"]},
    )
    assert r.status_code == 303
    api = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))
    muted = {p["kind"] for p in api.get("/notifications/preferences").json() if p["muted"]}
    assert "order_submitted" in muted and "points_granted" not in muted
    assert "order_decided" not in muted


def test_sandbox_has_no_file_or_internal_access() -> None:
    variables = {"user": {"name": "x"}}
    for source in [
        "{{ self.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{% import 'x.html' as x %}",
        "{% extends 'base.html' %}",
    ]:
        with pytest.raises(TemplateProblem):
            check("s", source, variables)
