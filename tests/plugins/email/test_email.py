"""The e-mail channel against a real SMTP server: STARTTLS with auth, implicit TLS,
plain relays, refusals retried, and settings checked before they are stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from commissary.errors import Invalid
from commissary.jobs.models import OutboxAttempt, OutboxEvent
from commissary.jobs.outbox import deliver_pending, emit
from commissary.tenants.service import set_plugin_enabled
from commissary.testing import Portal, Shop
from commissary_email import sender
from commissary_email.settings import EmailSettings
from tests.notifications.peers import SmtpSink, free_port, self_signed, start_smtp


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the test certificate the only trusted authority (OpenSSL reads SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


def notification(n: int = 1, email: str = "dana@acme.test") -> dict[str, Any]:
    return {
        "id": f"n{n}",
        "kind": "points_granted",
        "language": "en",
        "user_id": 1,
        "email": email,
        "name": "Dana Ä. Buyer",
        "subject": "You received 50 points — enjoy",
        "text": "Hello Dana,\n\n50 points.\n",
        "html": "<p>Hello Dana,</p>\n<p>50 points.</p>\n",
        "source": "points_granted",
    }


def shop_with(portal: Portal, settings: dict[str, Any]) -> Shop:
    return portal.tenant("acme", plugins={"email": settings})


def deliver(shop: Shop, *events: dict[str, Any]) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        for event in events:
            emit(s, shop.tenant.id, "notification", event)
    while deliver_pending(shop.portal.db, shop.portal.host, timeout=10):
        pass


def test_starttls_with_auth_delivers_text_and_html(
    portal: Portal, certificate: tuple[Path, Path], trust: None
) -> None:
    sink = SmtpSink()
    controller = start_smtp(sink, auth=("portal", "s3cret"), tls=certificate)
    try:
        shop = shop_with(
            portal,
            {
                "smtp_host": "127.0.0.1",
                "smtp_port": controller.port,
                "security": "starttls",
                "username": "portal",
                "password": "s3cret",
                "from_address": "orders@acme.test",
                "from_name": "Acme Portal",
                "reply_to": "help@acme.test",
            },
        )
        deliver(shop, notification())
    finally:
        controller.stop()
    [mail] = sink.messages
    assert mail.mail_from == "orders@acme.test" and mail.rcpt == ["dana@acme.test"]
    m = mail.message
    assert m["Subject"] == "You received 50 points — enjoy"
    assert m["From"] == "Acme Portal <orders@acme.test>"
    [to] = m["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Dana Ä. Buyer", "dana@acme.test")
    assert m["Reply-To"] == "help@acme.test"
    assert m["Message-ID"] == "<n1.acme@acme.test>"
    assert m["X-Commissary-Kind"] == "points_granted"
    assert m.get_content_type() == "multipart/alternative"
    plain, html = m.get_body(("plain",)), m.get_body(("html",))
    assert plain is not None and "50 points." in plain.get_content()
    assert html is not None and "<p>50 points.</p>" in html.get_content()


def test_a_wrong_password_is_recorded_and_retried(
    portal: Portal, certificate: tuple[Path, Path], trust: None
) -> None:
    sink = SmtpSink()
    controller = start_smtp(sink, auth=("portal", "s3cret"), tls=certificate)
    try:
        shop = shop_with(
            portal,
            {
                "smtp_host": "127.0.0.1",
                "smtp_port": controller.port,
                "username": "portal",
                "password": "wrong",
                "from_address": "orders@acme.test",
            },
        )
        deliver(shop, notification())
    finally:
        controller.stop()
    assert sink.messages == []
    with portal.db.session() as s:
        [attempt] = s.scalars(select(OutboxAttempt)).all()
        event = s.scalar(select(OutboxEvent))
    assert attempt.handler == "email" and not attempt.ok
    assert "SMTPAuthenticationError" in attempt.error
    assert (
        event is not None and event.delivered_at is None and event.available_at > event.created_at
    )


def test_an_untrusted_certificate_is_refused(
    portal: Portal, certificate: tuple[Path, Path]
) -> None:
    sink = SmtpSink()
    controller = start_smtp(sink, tls=certificate)
    try:
        shop = shop_with(
            portal,
            {"smtp_host": "127.0.0.1", "smtp_port": controller.port, "from_address": "o@a.test"},
        )
        deliver(shop, notification())
    finally:
        controller.stop()
    assert sink.messages == []
    with portal.db.session() as s:
        [error] = s.scalars(select(OutboxAttempt.error)).all()
    assert "CERTIFICATE_VERIFY_FAILED" in error


def test_implicit_tls(portal: Portal, certificate: tuple[Path, Path], trust: None) -> None:
    import ssl

    sink = SmtpSink()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), ssl_context=context)
    controller.start()
    try:
        shop = shop_with(
            portal,
            {
                "smtp_host": "127.0.0.1",
                "smtp_port": controller.port,
                "security": "tls",
                "from_address": "orders@acme.test",
            },
        )
        deliver(shop, notification())
    finally:
        controller.stop()
    assert [m.rcpt for m in sink.messages] == [["dana@acme.test"]]


def test_a_refused_message_is_retried_and_later_sent_once(portal: Portal) -> None:
    sink = SmtpSink(refuse=True)
    controller = start_smtp(sink)
    try:
        shop = shop_with(
            portal,
            {"smtp_host": "127.0.0.1", "smtp_port": controller.port, "security": "none"},
        )
        deliver(shop, notification(1), notification(2, email=""))
        with portal.db.session() as s:
            events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        assert [e.delivered_at is None for e in events] == [True, False]  # no address: done
        assert "SMTPDataError" in events[0].last_error
        sink.refuse = False
        with portal.db.transaction() as s:
            s.execute(OutboxEvent.__table__.update().values(available_at=events[0].created_at))
        deliver(shop)
    finally:
        controller.stop()
    assert [m.message["Message-ID"] for m in sink.messages] == ["<n1.acme@localhost>"]


@pytest.mark.parametrize(
    "bad",
    [
        {"from_address": "not an address"},
        {"smtp_port": 0},
        {"security": "ssl3"},
        {"from_address": "a@b.test\r\nBcc: x@y.test"},
        {"unknown": 1},
    ],
)
def test_bad_settings_are_refused(portal: Portal, bad: dict[str, Any]) -> None:
    shop = portal.tenant("acme", plugins={})
    with pytest.raises(Invalid), portal.db.transaction() as s:
        set_plugin_enabled(s, portal.host, s.merge(shop.tenant), "email", True, bad)


def test_the_password_is_a_secret() -> None:
    settings = EmailSettings.model_validate({"password": "hunter2"})
    assert "hunter2" not in repr(settings)
    message = sender.build(settings, notification(), "acme")
    assert "hunter2" not in message.as_string()
