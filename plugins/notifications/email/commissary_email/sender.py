"""Building and sending one message over SMTP.

One connection per message: simple and robust (a dead pooled connection would need
its own retry logic); see docs/notifications.md for the measured rate.
"""

from __future__ import annotations

import functools
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from commissary_email.settings import EmailSettings


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


def send(settings: EmailSettings, message: EmailMessage) -> None:
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
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=tls_context())
        if settings.username:
            password = settings.password.get_secret_value() if settings.password else ""
            smtp.login(settings.username, password)
        refused = smtp.send_message(message)
    if refused:
        raise NotSent(f"refused recipients: {', '.join(sorted(refused))}")
