"""Inviting people: the admin fills in the form, the invitee's mail arrives in a real SMTP
server, its link sets the password once; used, expired, replaced and foreign links fail
with a clear page and change nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from commissary import Context, hookimpl
from commissary.db import utcnow
from commissary.identity.models import User, UserInvite
from commissary.jobs.models import OutboxEvent
from commissary.testing import Shop, csrf_of
from tests.helpers import user
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import drain, enable

LINK = re.compile(r"http://testserver(/t/acme/invite/[A-Za-z0-9_\-]+)")
NEW_PASSWORD = "a-brand-new-password"


class Listener:
    def __init__(self) -> None:
        self.invited: list[dict[str, Any]] = []

    @hookimpl
    def on_user_invited(self, ctx: Context, event: dict[str, Any]) -> None:
        self.invited.append(dict(event))


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def commissary_plugins(listener: Listener) -> list[tuple[str, object]]:
    return [("listener", listener)]


def invite_by_page(shop: Shop, **fields: Any) -> Any:
    admin = shop.browser(user(shop, "admin@acme.test"))
    admin.get("/t/acme/admin/")
    data = {"csrf_token": csrf_of(admin), "role": ["buyer"], **fields}
    return admin.post("/t/acme/admin/invites", data=data)


def link_in(sink: SmtpSink, to: str) -> str:
    [mail] = [m.message for m in sink.messages if m.rcpt == [to]]
    text = mail.get_body(("plain",)).get_content()
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def set_password(client: TestClient, path: str, password: str, confirm: str | None = None) -> Any:
    client.get(path)  # the page sets the CSRF cookie
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_of(client),
        },
    )


def login(shop: Shop, email: str, password: str) -> int:
    r = shop.portal.client.post(
        f"/t/{shop.slug}/api/v1/auth/token", json={"email": email, "password": password}
    )
    return r.status_code


def password_hash(shop: Shop, email: str) -> str | None:
    with shop.portal.db.session(shop.tenant.id) as s:
        return s.scalar(select(User.password_hash).where(User.email == email))


def test_an_invitation_mail_sets_the_password_once(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], listener: Listener
) -> None:
    _, _, sink = smtp
    enable(mailing_shop, "listener")
    north = mailing_shop.locations["N1"]
    r = invite_by_page(
        mailing_shop,
        email="New.Person@Acme.test",
        name="New Person",
        role=["buyer", "approver"],
        location_id=str(north.id),
        language="",
    )
    assert r.status_code == 303, r.text
    assert "invitation is on its way to new.person@acme.test" in unquote(r.headers["set-cookie"])
    newbie = user(mailing_shop, "new.person@acme.test")
    assert (newbie.password_hash, newbie.roles, newbie.location_id) == (
        None,
        ["approver", "buyer"],
        north.id,
    )
    assert login(mailing_shop, "new.person@acme.test", "") == 422  # no usable password yet
    drain(mailing_shop)
    [mail] = [m for m in sink.messages if m.rcpt == ["new.person@acme.test"]]
    assert mail.message["Subject"] == "Admin invited you to Acme"
    path = link_in(sink, "new.person@acme.test")
    secret = path.rsplit("/", 1)[1]

    # Plugins hear of the invitation, never of its secret.
    [event] = listener.invited
    assert event["user_id"] == newbie.id and event["roles"] == ["approver", "buyer"]
    assert secret not in json.dumps(event)

    visitor = TestClient(
        mailing_shop.portal.app, base_url="http://testserver", follow_redirects=False
    )
    page = visitor.get(path)
    assert page.status_code == 200 and "Choose a password for" in page.text

    # Mistyped confirmation, too short: 422, nothing set, the link still works.
    r = set_password(visitor, path, NEW_PASSWORD, "something-else-entirely")
    assert r.status_code == 422 and "the two passwords differ" in r.text.lower()
    r = set_password(visitor, path, "short")
    assert r.status_code == 422 and "at least 10 characters" in r.text
    assert password_hash(mailing_shop, "new.person@acme.test") is None

    r = set_password(visitor, path, NEW_PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/t/acme/login"
    assert login(mailing_shop, "new.person@acme.test", NEW_PASSWORD) == 200

    # The link worked once: a second use is refused with a clear page and changes nothing.
    stored = password_hash(mailing_shop, "new.person@acme.test")
    again = visitor.get(path)
    assert again.status_code == 410 and "This link was already used" in again.text
    r = set_password(visitor, path, "another-password-123")
    assert r.status_code == 410
    assert password_hash(mailing_shop, "new.person@acme.test") == stored
    assert login(mailing_shop, "new.person@acme.test", "another-password-123") == 422


def test_an_expired_link_fails_and_a_new_invitation_replaces_the_old(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    assert invite_by_page(mailing_shop, email="late@acme.test", name="Late").status_code == 303
    drain(mailing_shop)
    first = link_in(sink, "late@acme.test")
    with mailing_shop.portal.db.transaction(mailing_shop.tenant.id) as s:
        s.execute(update(UserInvite).values(expires_at=utcnow() - timedelta(minutes=1)))
    visitor = TestClient(
        mailing_shop.portal.app, base_url="http://testserver", follow_redirects=False
    )
    page = visitor.get(first)
    assert page.status_code == 410 and "This link has expired" in page.text
    assert set_password(visitor, first, NEW_PASSWORD).status_code == 410
    assert password_hash(mailing_shop, "late@acme.test") is None

    # The admin sends a new one from the person's page; the old link is replaced.
    late = user(mailing_shop, "late@acme.test")
    admin = mailing_shop.browser(user(mailing_shop, "admin@acme.test"))
    page = admin.get(f"/t/acme/admin/users/{late.id}")
    assert page.status_code == 200 and "Send a new invitation" in page.text
    r = admin.post(f"/t/acme/admin/users/{late.id}/invite", data={"csrf_token": csrf_of(admin)})
    assert r.status_code == 303
    sink.messages.clear()
    drain(mailing_shop)
    second = link_in(sink, "late@acme.test")
    assert second != first
    assert visitor.get(first).status_code == 410
    assert set_password(visitor, second, NEW_PASSWORD).status_code == 303
    assert login(mailing_shop, "late@acme.test", NEW_PASSWORD) == 200
    # Someone with a password is not invited again.
    r = admin.post(f"/t/acme/admin/users/{late.id}/invite", data={"csrf_token": csrf_of(admin)})
    assert r.status_code == 409


def test_another_tenants_invite_link_is_not_found(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    other = mailing_shop.portal.tenant("other")
    assert invite_by_page(mailing_shop, email="x@acme.test", name="X").status_code == 303
    drain(mailing_shop)
    secret = link_in(sink, "x@acme.test").rsplit("/", 1)[1]
    visitor = TestClient(
        mailing_shop.portal.app, base_url="http://testserver", follow_redirects=False
    )
    foreign = f"/t/{other.slug}/invite/{secret}"
    page = visitor.get(foreign)
    assert page.status_code == 404 and "This link is not valid" in page.text
    assert set_password(visitor, foreign, NEW_PASSWORD).status_code == 404
    assert visitor.get("/t/acme/invite/not-a-real-secret").status_code == 404
    assert password_hash(mailing_shop, "x@acme.test") is None


def test_the_invitation_is_written_in_the_invitees_language(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    r = admin.put(
        "/notifications/template",
        json={
            "kind": "user_invited",
            "language": "de",
            "subject": "Einladung zu {{ tenant.name }}",
            "body": "Hallo {{ user.name }}, hier ist Ihr Link: {{ invite.url }}",
        },
    )
    assert r.status_code == 200, r.text
    r = admin.post(
        "/users/invite",
        json={"email": "anna@acme.test", "name": "Anna", "roles": ["buyer"], "language": "de"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["mailed"] is True and body["invite_url"] is None  # the link went by mail only
    assert body["user"]["language"] == "de" and body["user"]["invited"] is True
    drain(mailing_shop)
    [mail] = [m.message for m in sink.messages if m.rcpt == ["anna@acme.test"]]
    assert mail["Subject"] == "Einladung zu Acme"
    assert link_in(sink, "anna@acme.test").startswith("/t/acme/invite/")


def test_bad_invitations_change_nothing(mailing_shop: Shop) -> None:
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    buyer = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))

    def counts() -> tuple[int, int, int]:
        with mailing_shop.portal.db.session(mailing_shop.tenant.id) as s:
            return (
                s.scalar(select(func.count()).select_from(User)) or 0,
                s.scalar(select(func.count()).select_from(UserInvite)) or 0,
                s.scalar(select(func.count()).select_from(OutboxEvent)) or 0,
            )

    before = counts()
    good = {"email": "z@acme.test", "name": "Z", "roles": ["buyer"]}
    for status, body in [
        (409, {**good, "email": "buyer@acme.test"}),  # already has an account
        (422, {**good, "roles": ["wizard"]}),
        (422, {**good, "roles": []}),
        (422, {**good, "email": "not-an-address"}),
        (422, {**good, "language": "xx"}),
        (422, {**good, "password": "sneaky-password"}),  # unknown field
        (404, {**good, "location_id": 999_999}),
    ]:
        r = admin.post("/users/invite", json=body)
        assert r.status_code == status, (body, r.text)
    assert buyer.post("/users/invite", json=good).status_code == 403
    assert counts() == before
    # The page form: an unknown location is refused too.
    r = invite_by_page(mailing_shop, email="z@acme.test", name="Z", location_id="abc")
    assert r.status_code == 422
    assert counts() == before
