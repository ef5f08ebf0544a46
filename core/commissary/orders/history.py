"""Recording what happened to an order: its history row and its outbox event together.

Every change of an order writes both in the caller's transaction, so the history a buyer
reads and the events plugins receive can never disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commissary.context import Context
from commissary.db import row_insert
from commissary.jobs.outbox import emit
from commissary.orders.models import OrderEvent


def record(
    ctx: Context,
    order_id: int,
    kind: str,
    detail: dict[str, Any],
    *,
    event: dict[str, Any],
) -> None:
    """Append ``kind`` to the order's history and emit ``order_<kind>`` with ``event``."""
    ctx.session.execute(
        row_insert(OrderEvent),
        {
            "tenant_id": ctx.tenant.id,
            "order_id": order_id,
            "actor_id": ctx.actor.id if ctx.actor else None,
            "at": ctx.now,
            "kind": kind,
            "detail": detail,
        },
    )
    emit(ctx.session, ctx.tenant.id, f"order_{kind}", {"order_id": order_id, **event})


def events(ctx: Context, order_id: int) -> list[OrderEvent]:
    """The order's history, oldest first."""
    return list(
        ctx.session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
    )
