"""Invoices at shipment: the PO tender's share of each shipment, due after the terms.

The handler of ``order_shipped`` runs in the outbox worker, in a transaction of its own.
It is exactly-once per shipment and PO tender:

1. the order's PO authorization is read (orders paid without a PO are skipped at once);
2. the shipment's value in points advances the authorization's cursor
   (``shipped_points``) with one UPDATE … RETURNING, which also serialises concurrent
   shipments of one order;
3. core's allocation rule says which part of that span of the captured tape falls on the
   PO tender (points pay for a shipment first, like captures), line by line;
4. the invoice is INSERTed with the unique key (authorization, shipment). A redelivered
   event, even one racing the first delivery, hits that key: its savepoint rolls back,
   cursor move included, and it changes nothing.

A shipment paid wholly by points still gets its row, with amount 0 and settled at once,
so that the cursor moves once per shipment. An invoice never exceeds what was captured
and is not yet invoiced, so an order invoiced under the old rule (at approval) is not
invoiced again when it ships.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from commissary import Context, row_insert, shipped_points, tender_share
from commissary_purchase_order.models import Invoice, PoAuthorization
from commissary_purchase_order.settings import PurchaseOrderSettings

METHOD = "purchase_order"


def uninvoiced(ctx: Context, auth: PoAuthorization) -> Decimal:
    """Captured and not refunded, less what is invoiced (credit notes count back); read
    from the rows, not from ``auth``, which may predate this transaction's changes."""
    invoiced = (
        select(func.coalesce(func.sum(Invoice.amount), 0))
        .where(Invoice.authorization_id == auth.id)
        .scalar_subquery()
    )
    left = ctx.session.scalar(
        select(PoAuthorization.captured - PoAuthorization.refunded - invoiced).where(
            PoAuthorization.id == auth.id
        )
    )
    return Decimal(left or 0)


def invoice_shipment(ctx: Context, event: dict[str, Any]) -> Invoice | None:
    """Invoice the PO share of the shipment in ``event`` (an ``order_shipped`` event).

    Returns the invoice (new, or the one a former delivery wrote), None when the order
    has no PO tender."""
    order_id, shipment_id = int(event["order_id"]), int(event["shipment_id"])
    auth = ctx.session.scalar(
        select(PoAuthorization).where(PoAuthorization.order_id == order_id).limit(1)
    )
    if auth is None:
        return None
    done = ctx.session.scalar(
        select(Invoice).where(
            Invoice.authorization_id == auth.id, Invoice.shipment_id == shipment_id
        )
    )
    if done is not None:
        return done
    lines = event.get("lines") or []
    points = shipped_points(ctx, order_id, lines)
    savepoint = ctx.session.begin_nested()
    try:
        end = ctx.session.scalar(
            update(PoAuthorization)
            .where(PoAuthorization.id == auth.id)
            .values(shipped_points=PoAuthorization.shipped_points + points)
            .returning(PoAuthorization.shipped_points)
            .execution_options(synchronize_session=False)
        )
        assert end is not None
        share = tender_share(ctx, order_id, METHOD, lines, end - points)
        amount = Decimal(0) if share is None else share.amount
        amount = max(Decimal(0), min(amount, uninvoiced(ctx, auth)))
        settings = ctx.settings(PurchaseOrderSettings)
        today = ctx.now.date()
        invoice_id = ctx.session.scalar(
            row_insert(Invoice).returning(Invoice.id),
            {
                "tenant_id": ctx.tenant.id,
                "authorization_id": auth.id,
                "shipment_id": shipment_id,
                "amount": amount,
                "issued_on": today,
                "due_on": today + timedelta(days=settings.terms_days),
                "paid_at": ctx.now if amount == 0 else None,
                "idempotency_key": f"shipment:{shipment_id}:{auth.id}",
                "lines": [] if share is None else [line.as_dict() for line in share.lines],
            },
        )
        savepoint.commit()
    except IntegrityError:
        # Another delivery of the same event got there first: its invoice stands.
        savepoint.rollback()
        ctx.session.expire_all()
        return ctx.session.scalar(
            select(Invoice).where(
                Invoice.authorization_id == auth.id, Invoice.shipment_id == shipment_id
            )
        )
    return ctx.session.get(Invoice, invoice_id)
