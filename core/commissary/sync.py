"""Reporting a failed sync: the one way an import or an integration tells people it broke.

Commissary has no built-in ERP or supplier-feed connector; plugins that keep the portal in
step with another system (an ERP's products or orders, a supplier's stock feed, a
locations file) call :func:`report_sync_failure` when a run fails. It writes a
``sync_failed`` event to the outbox in the caller's transaction, so the report exists
exactly when the caller commits (a plugin that rolls back its half-applied run should
report in the transaction it commits afterwards). The notifications core plugin tells
the tenant admins (at most once per source an hour each); webhooks forward the event.

The core's own CSV imports of locations and location assignments report through it when
a real (not dry) run is refused.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from commissary.db import utcnow
from commissary.jobs.outbox import emit

MAX_DETAIL = 2000
MAX_SOURCE = 80


def report_sync_failure(
    session: Session, source: str, detail: str, *, tenant_id: int | None = None
) -> None:
    """Emit ``sync_failed`` for the session's tenant (or ``tenant_id``).

    :param source: what failed, in words people recognise (``"ERP orders"``,
        ``"locations import"``); at most 80 characters.
    :param detail: what went wrong, for an admin to act on (long texts are cut at 2,000
        characters). Never put secrets here: it is mailed and sent to webhooks.
    """
    tenant = tenant_id if tenant_id is not None else session.info.get("tenant_id")
    if not isinstance(tenant, int):
        raise ValueError("report_sync_failure needs a tenant's session or tenant_id")
    source = " ".join(source.split())[:MAX_SOURCE] or "sync"
    detail = detail.strip()
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    emit(
        session,
        tenant,
        "sync_failed",
        {"source": source, "detail": detail, "failed_at": utcnow().isoformat()},
    )
