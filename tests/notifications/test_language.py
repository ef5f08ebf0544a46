"""People's language: chosen by themselves (page, API) or by an admin; messages use the
tenant's template in that language, else in the tenant's default language, else the
shipped default."""

from __future__ import annotations

from sqlalchemy import select

from commissary.identity.models import User
from commissary.jobs.models import OutboxEvent
from commissary.jobs.outbox import emit
from commissary.testing import Shop, csrf_of
from tests.helpers import user
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import drain


def template(shop: Shop, language: str, subject: str) -> None:
    admin = shop.api(user(shop, "admin@acme.test"))
    r = admin.put(
        "/notifications/template",
        json={
            "kind": "points_granted",
            "language": language,
            "subject": subject,
            "body": "{{ points }}",
        },
    )
    assert r.status_code == 200, r.text


def set_language(shop: Shop, email: str, language: str | None) -> None:
    admin = shop.api(user(shop, "admin@acme.test"))
    r = admin.patch(f"/users/{user(shop, email).id}", json={"language": language})
    assert r.status_code == 200, r.text


def granted_subjects(shop: Shop, sink: SmtpSink, emails: list[str]) -> dict[str, str]:
    sink.messages.clear()
    tid = shop.tenant.id
    with shop.portal.db.transaction(tid) as s:
        for email in emails:
            emit(s, tid, "points_granted", {"user_id": user(shop, email).id, "points": 5})
    drain(shop)
    return {m.rcpt[0]: str(m.message["Subject"]) for m in sink.messages}


def test_messages_fall_back_from_the_persons_language_to_the_tenants_to_the_default(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    for email in ("de@acme.test", "it@acme.test", "none@acme.test"):
        mailing_shop.user(email)
    set_language(mailing_shop, "de@acme.test", "de")
    set_language(mailing_shop, "it@acme.test", "it")
    people = ["de@acme.test", "it@acme.test", "none@acme.test"]

    # No templates of the tenant's own: everyone gets the shipped default.
    assert set(granted_subjects(mailing_shop, sink, people).values()) == {"You received 5 points"}
    template(mailing_shop, "de", "Sie haben {{ points }} Punkte")
    template(mailing_shop, "fr", "Vous avez {{ points }} points")
    assert granted_subjects(mailing_shop, sink, people) == {
        "de@acme.test": "Sie haben 5 Punkte",
        "it@acme.test": "You received 5 points",  # no Italian template, tenant default en
        "none@acme.test": "You received 5 points",
    }
    # The tenant's default language becomes French: people without a language of their
    # own, and Italians without an Italian template, get the French template.
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    settings = admin.get("/notifications/settings").json()
    r = admin.put("/notifications/settings", json={**settings, "default_language": "fr"})
    assert r.status_code == 200, r.text
    assert granted_subjects(mailing_shop, sink, people) == {
        "de@acme.test": "Sie haben 5 Punkte",
        "it@acme.test": "Vous avez 5 points",
        "none@acme.test": "Vous avez 5 points",
    }
    # Channels learn the person's language with each message.
    with mailing_shop.portal.db.session() as s:
        sent = s.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == "notification").order_by(OutboxEvent.id)
        ).all()
    assert {(e.payload["email"], e.payload["language"]) for e in sent[-3:]} == {
        ("de@acme.test", "de"),
        ("it@acme.test", "it"),
        ("none@acme.test", "fr"),
    }


def test_people_choose_their_language_on_the_page_and_through_the_api(
    mailing_shop: Shop,
) -> None:
    buyer = user(mailing_shop, "buyer@acme.test")
    api = mailing_shop.api(buyer)
    assert api.get("/me").json()["language"] is None
    r = api.patch("/me", json={"language": "nl"})
    assert r.status_code == 200 and r.json()["language"] == "nl"
    for bad in ({"language": "klingon"}, {"language": "de", "roles": ["tenant_admin"]}, {}):
        assert api.patch("/me", json=bad).status_code == 422, bad
    assert api.get("/me").json()["language"] == "nl"
    assert api.get("/me").json()["roles"] == ["buyer"]

    browser = mailing_shop.browser(buyer)
    page = browser.get("/t/acme/notifications/preferences")
    assert '<option value="nl" selected>' in page.text
    r = browser.post(
        "/t/acme/notifications/language", data={"csrf_token": csrf_of(browser), "language": "es"}
    )
    assert r.status_code == 303
    assert api.get("/me").json()["language"] == "es"
    r = browser.post(
        "/t/acme/notifications/language", data={"csrf_token": csrf_of(browser), "language": "zz"}
    )
    assert r.status_code == 422
    r = browser.post(
        "/t/acme/notifications/language", data={"csrf_token": csrf_of(browser), "language": ""}
    )
    assert r.status_code == 303
    assert api.get("/me").json()["language"] is None  # back to the portal's language


def test_admins_set_a_persons_language_and_foreign_people_are_not_found(
    mailing_shop: Shop,
) -> None:
    other = mailing_shop.portal.tenant("other")
    stranger = other.user("stranger@other.test")
    buyer = user(mailing_shop, "buyer@acme.test")
    admin_user = user(mailing_shop, "admin@acme.test")
    admin = mailing_shop.api(admin_user)
    assert admin.patch(f"/users/{stranger.id}", json={"language": "de"}).status_code == 404
    assert admin.patch(f"/users/{buyer.id}", json={"language": "xx"}).status_code == 422
    manager = mailing_shop.api(user(mailing_shop, "manager@acme.test"))
    assert manager.patch(f"/users/{buyer.id}", json={"language": "de"}).status_code == 403

    browser = mailing_shop.browser(admin_user)
    page = browser.get(f"/t/acme/admin/users/{buyer.id}")
    assert page.status_code == 200 and "Messages are written in" in page.text
    assert browser.get(f"/t/acme/admin/users/{stranger.id}").status_code == 404
    r = browser.post(
        f"/t/acme/admin/users/{buyer.id}/language",
        data={"csrf_token": csrf_of(browser), "language": "it"},
    )
    assert r.status_code == 303
    r = browser.post(
        f"/t/acme/admin/users/{stranger.id}/language",
        data={"csrf_token": csrf_of(browser), "language": "it"},
    )
    assert r.status_code == 404
    with mailing_shop.portal.db.session() as s:
        languages = dict(s.execute(select(User.email, User.language)).all())
    assert languages["buyer@acme.test"] == "it"
    assert languages["stranger@other.test"] is None
