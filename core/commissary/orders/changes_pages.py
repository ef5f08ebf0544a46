"""Pages to change a placed order: the change form, and cancelling."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from commissary import idempotency
from commissary.catalog.models import Sku
from commissary.context import Context
from commissary.errors import DomainError, Invalid, NotFound
from commissary.identity.models import Location
from commissary.identity.permissions import Permission, acts_tenant_wide
from commissary.locations import tree
from commissary.locations.service import allowed_locations
from commissary.orders import amend, changes, lifecycle
from commissary.orders.models import LineStatus, Order
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
OrderingCtx = Annotated[Context, Depends(page_requires(Permission.ORDER_PLACE))]
MAX_NEW_ROWS = 3


def ship_to_choices(ctx: Context, order: Order) -> list[Location]:
    """Where this actor may send the order: the buyer's location, and every location the
    actor manages (all of them for tenant-wide roles)."""
    assert ctx.actor is not None
    ids: set[int | None] = {order.location_id}
    ids |= {loc.id for loc in allowed_locations(ctx, order.user_id)}
    query = select(Location).order_by(Location.name)
    if not acts_tenant_wide(ctx.actor):
        managed = set(ctx.session.scalars(tree.managed_by(ctx.actor.id)))
        query = query.where(Location.id.in_({i for i in ids | managed if i is not None}))
    return list(ctx.session.scalars(query))


def _form(
    request: Request, ctx: Context, order: Order, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "order_change.html",
        ctx,
        status_code=status,
        order=order,
        changeable=[x for x in order.lines if x.status in amend.CHANGEABLE_LINES],
        locations=ship_to_choices(ctx, order),
        new_rows=range(MAX_NEW_ROWS),
        change_key=secrets.token_urlsafe(16),
        error=error,
    )


@router.get("/orders/{order_id}/change", response_class=HTMLResponse)
def change_form(request: Request, ctx: OrderingCtx, order_id: int) -> HTMLResponse:
    order = changes.order_to_change(ctx, order_id)
    if order.status not in lifecycle.CHANGEABLE_ORDER_STATES:
        return redirect(  # type: ignore[return-value]
            request,
            f"/t/{ctx.tenant.slug}/orders/{order.id}",
            f"{order.number} can no longer be changed: a warehouse is working on it.",
        )
    return _form(request, ctx, order)


def _amendment(ctx: Context, order: Order, form: dict[str, str]) -> amend.Amendment:
    """Read the change form: ``qty_<line>``, ``new_code_<n>``/``new_qty_<n>``, ship-to."""
    line_changes = []
    for line in order.lines:
        raw = form.get(f"qty_{line.id}")
        if raw is None or line.status not in (LineStatus.PENDING, LineStatus.APPROVED):
            continue
        if not raw.strip().isdigit():
            raise Invalid(f"the quantity of {line.sku_code} must be a whole number (0 removes)")
        if int(raw) != line.quantity:
            line_changes.append(amend.LineChange(line.id, int(raw)))
    additions = []
    for n in range(MAX_NEW_ROWS):
        code = form.get(f"new_code_{n}", "").strip().upper()
        raw = form.get(f"new_qty_{n}", "").strip() or "1"
        if not code:
            continue
        if not raw.isdigit() or int(raw) < 1:
            raise Invalid(f"the quantity for {code} must be a whole number of at least 1")
        sku_id = ctx.session.scalar(select(Sku.id).where(Sku.code == code))
        if sku_id is None:
            raise NotFound(f"there is no item with the code {code}")
        additions.append(amend.NewLine(sku_id, int(raw)))
    location = form.get("location_id", "")
    return amend.Amendment(
        changes=tuple(line_changes),
        additions=tuple(additions),
        location_id=int(location) if location.isdigit() else None,
        note=form.get("note", "")[: amend.MAX_NOTE + 1],
    )


@router.post("/orders/{order_id}/change", response_model=None)
async def change(
    request: Request, ctx: OrderingCtx, order_id: int
) -> RedirectResponse | HTMLResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}
    key = idempotency.check_key(form.get("change_key", ""))
    print_ = idempotency.fingerprint({"amend-page": order_id, **form})

    def work() -> RedirectResponse | HTMLResponse:
        order = changes.order_to_change(ctx, order_id)
        assert ctx.actor is not None
        if idempotency.lookup(ctx.session, ctx.tenant.id, ctx.actor.id, f"page:{key}", print_):
            return redirect(request, f"/t/{ctx.tenant.slug}/orders/{order_id}")
        try:
            changed = amend.amend(ctx, order_id, _amendment(ctx, order, form))
        except DomainError as exc:
            if exc.status_code >= 500 or exc.status_code in (401, 403):
                raise
            ctx.session.rollback()
            return _form(
                request, ctx, changes.order_to_change(ctx, order_id), exc.message, exc.status_code
            )
        idempotency.store(ctx.session, ctx.tenant.id, ctx.actor.id, f"page:{key}", print_, 200, {})
        waiting = changed.status == "pending_approval"
        message = f"{changed.number} is now version {changed.version}." + (
            " The change waits for approval." if waiting else ""
        )
        return redirect(request, f"/t/{ctx.tenant.slug}/orders/{order_id}", message)

    return await run_in_threadpool(work)


@router.post("/orders/{order_id}/cancel")
def cancel(
    request: Request,
    ctx: OrderingCtx,
    order_id: int,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    order = changes.cancel(ctx, order_id, line_ids=None, reason=reason)
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/orders/{order_id}",
        f"{order.number} is cancelled; held points and stock are back.",
    )


@router.post("/orders/{order_id}/lines/{line_id}/cancel")
def cancel_line(
    request: Request,
    ctx: OrderingCtx,
    order_id: int,
    line_id: int,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    changes.cancel(ctx, order_id, line_ids=[line_id], reason=reason)
    return redirect(request, f"/t/{ctx.tenant.slug}/orders/{order_id}", "The line is cancelled.")
