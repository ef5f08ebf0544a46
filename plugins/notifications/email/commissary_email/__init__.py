"""E-mail channel for Commissary notifications.

Delivers every ``notification`` event of a tenant where the plugin is enabled to the
person's e-mail address over the tenant's SMTP server (STARTTLS or TLS, optional auth),
as plain text with an HTML alternative. A refused or failed send raises, so the worker
retries this channel with backoff; other channels are unaffected. The messages of one
worker batch to the same server share one SMTP session, closed when the batch ends.
"""

from __future__ import annotations

from typing import Any

from commissary import Context, PluginSettings, hookimpl


@hookimpl
def register_settings_model() -> type[PluginSettings]:
    from commissary_email.settings import EmailSettings

    return EmailSettings


@hookimpl
def on_notification(ctx: Context, event: dict[str, Any]) -> None:
    from commissary_email import sender
    from commissary_email.settings import EmailSettings

    if not event.get("email"):
        return  # nobody to write to: nothing to retry
    settings = ctx.settings(EmailSettings)
    sender.send(settings, sender.build(settings, event, ctx.tenant.slug))


@hookimpl
def outbox_batch_finished() -> None:
    """Close the SMTP sessions this batch kept open."""
    from commissary_email.sender import POOL

    POOL.close_all()
