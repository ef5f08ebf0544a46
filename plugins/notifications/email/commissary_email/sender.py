"""Building messages, and sending them over SMTP connections reused within a batch.

The worker delivers a batch of up to 100 events one handler at a time. The first message
of a batch for a given SMTP server (host, port, security, login) opens a connection; the
following ones reuse it (``MAIL FROM`` … on the same session, no new TCP/TLS handshake and
login). At the end of the batch the worker calls ``outbox_batch_finished`` and every
connection is closed with ``QUIT``.

Reuse must not lose or corrupt mail:

* A connection idle for more than :data:`NOOP_AFTER` seconds is checked with ``NOOP``
  before it is reused; a failing ``NOOP`` discards it.
* If a *reused* connection turns out to be dead while sending (the server closed it,
  a reset), the message is sent again once on a new connection. A fresh connection that
  fails raises: the worker retries the message later. (A drop after the server accepted
  the data but before its answer arrived may deliver a message twice; the ``Message-ID``
  is the same, so receivers can drop it. Delivery is at least once.)
* After the server refuses a message (``MAIL``/``RCPT``/``DATA`` answered with an error)
  the transaction is reset with ``RSET`` and the connection goes back to the pool; if
  ``RSET`` fails the connection is closed.
* A connection sends at most ``messages_per_connection`` messages (settings), then is
  closed and a new one opened (servers limit messages per session).
* A handler abandoned by the worker (timeout) never shares its connection: a connection
  is taken out of the pool while it is used and only returned when the send ended.
"""

from __future__ import annotations

import functools
import logging
import os
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from commissary_email.settings import EmailSettings

log = logging.getLogger(__name__)
# A pooled connection idle for longer is checked with NOOP before it is reused.
NOOP_AFTER = 5.0

Key = tuple[str, int, str, str, str, float]


class NotSent(Exception):
    """The server refused the message; the worker retries it later."""


def build(settings: EmailSettings, event: dict[str, Any], tenant_slug: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, then HTML."""
    message = EmailMessage()
    message["From"] = formataddr((settings.from_name, settings.from_address))
    message["To"] = formataddr((str(event.get("name") or ""), str(event["email"])))
    message["Subject"] = str(event["subject"])
    message["Date"] = formatdate(localtime=False)
    domain = settings.from_address.rsplit("@", 1)[-1]
    # The same id on every retry: a receiver can drop a duplicate of an at-least-once send.
    unique = event.get("id") or f"outbox{getattr(event, 'outbox_event_id', '')}"
    message["Message-ID"] = f"<{unique}.{tenant_slug}@{domain}>"
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["X-Commissary-Kind"] = str(event.get("kind") or "")
    message.set_content(str(event["text"]))
    if event.get("html"):
        message.add_alternative(str(event["html"]), subtype="html")
    return message


@functools.cache
def _tls_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    """The default verifying context; loading the trust store costs milliseconds of CPU,
    so it is built once per trust-store location (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``)."""
    return ssl.create_default_context()


def tls_context() -> ssl.SSLContext:
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


def _key(settings: EmailSettings) -> Key:
    password = settings.password.get_secret_value() if settings.password else ""
    return (
        settings.smtp_host,
        settings.smtp_port,
        settings.security,
        settings.username,
        password,
        settings.timeout_seconds,
    )


def connect(settings: EmailSettings) -> smtplib.SMTP:
    """A new, logged-in SMTP session to the tenant's server."""
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=settings.timeout_seconds,
            context=tls_context(),
        )
    else:
        smtp = smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds
        )
    try:
        if settings.security == "starttls":
            smtp.starttls(context=tls_context())
        if settings.username:
            password = settings.password.get_secret_value() if settings.password else ""
            smtp.login(settings.username, password)
    except BaseException:
        _close(smtp, polite=False)
        raise
    return smtp


def _close(smtp: smtplib.SMTP, *, polite: bool = True) -> None:
    try:
        if polite:
            smtp.quit()
        else:
            smtp.close()
    except (smtplib.SMTPException, OSError):
        smtp.close()


@dataclass
class _Pooled:
    smtp: smtplib.SMTP
    generation: int
    sent: int = 0
    last_used: float = field(default_factory=time.monotonic)


class ConnectionPool:
    """Idle SMTP sessions per server, for the duration of one worker batch."""

    def __init__(self) -> None:
        self._idle: dict[Key, list[_Pooled]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self.opened = 0  # connections opened by this process (tests, benchmarks)

    def _take(self, key: Key) -> _Pooled | None:
        with self._lock:
            stack = self._idle.get(key)
            return stack.pop() if stack else None

    def _open(self, settings: EmailSettings) -> _Pooled:
        smtp = connect(settings)
        with self._lock:
            self.opened += 1
            return _Pooled(smtp, self._generation)

    def _give_back(self, key: Key, pooled: _Pooled, settings: EmailSettings) -> None:
        pooled.last_used = time.monotonic()
        with self._lock:
            keep = (
                pooled.generation == self._generation
                and pooled.sent < settings.messages_per_connection
            )
            if keep:
                self._idle.setdefault(key, []).append(pooled)
        if not keep:
            _close(pooled.smtp)

    def _usable(self, pooled: _Pooled) -> bool:
        """NOOP a connection that waited a while; False (and closed) if it is dead."""
        if time.monotonic() - pooled.last_used <= NOOP_AFTER:
            return True
        try:
            code, _ = pooled.smtp.noop()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code == 250:
            return True
        _close(pooled.smtp, polite=False)
        return False

    def send(self, settings: EmailSettings, message: EmailMessage) -> None:
        key = _key(settings)
        pooled = self._take(key)
        while pooled is not None and not self._usable(pooled):
            pooled = self._take(key)
        reused = pooled is not None
        try:
            refused = self._attempt(key, pooled or self._open(settings), settings, message)
        except OSError as exc:  # smtplib's errors are OSErrors too
            if not reused or _refusal(exc):
                raise
            # The server dropped a session we kept: once more on a new connection.
            log.info("SMTP session with %s dropped (%s); reconnecting", settings.smtp_host, exc)
            refused = self._attempt(key, self._open(settings), settings, message)
        if refused:
            raise NotSent(f"refused recipients: {', '.join(sorted(refused))}")

    def _attempt(
        self, key: Key, pooled: _Pooled, settings: EmailSettings, message: EmailMessage
    ) -> dict[str, tuple[int, bytes]]:
        """Send on ``pooled``; afterwards it is back in the pool, or closed if broken."""
        pooled.sent += 1
        try:
            refused = pooled.smtp.send_message(message)
        except BaseException as exc:
            if _refusal(exc):
                self._after_refusal(key, pooled, settings)
            else:
                _close(pooled.smtp, polite=False)
            raise
        self._give_back(key, pooled, settings)
        return refused

    def _after_refusal(self, key: Key, pooled: _Pooled, settings: EmailSettings) -> None:
        """The server refused this message: reset the transaction and keep the session."""
        try:
            code, _ = pooled.smtp.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code == 250:
            self._give_back(key, pooled, settings)
        else:
            _close(pooled.smtp, polite=False)

    def close_all(self) -> None:
        """End of a batch: QUIT every idle session; sessions still in use (an abandoned
        handler) are closed when they come back."""
        with self._lock:
            idle = [p for stack in self._idle.values() for p in stack]
            self._idle.clear()
            self._generation += 1
        for pooled in idle:
            _close(pooled.smtp)


def _refusal(exc: BaseException) -> bool:
    """The server answered and refused this message; the session itself is fine.
    (421 means the server is closing the session: that is a drop, not a refusal.)"""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421


POOL = ConnectionPool()


def send(settings: EmailSettings, message: EmailMessage) -> None:
    """Send one message, on a pooled connection to the tenant's server."""
    POOL.send(settings, message)
