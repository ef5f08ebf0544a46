"""Cart, checkout and order pages for buyers."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from commissary import idempotency
from commissary.context import Context
from commissary.entitlements import service as entitlements
from commissary.errors import DomainError, Invalid
from commissary.fulfilment import service as fulfilment
from commissary.identity.models import User
from commissary.identity.permissions import Permission, has_permission
from commissary.kits import service as kit_service
from commissary.locations import service as locations
from commissary.locations.service import ShipToChoice
from commissary.orders import amend, changes, history, lifecycle, on_behalf, quick, service
from commissary.payments.policy import PaymentChoice, remainder_options
from commissary.payments.service import points_balance
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
MAX_UPLOAD = 1_000_000
BuyerCtx = Annotated[Context, Depends(page_requires(Permission.ORDER_PLACE))]


def _cart_page(request: Request, ctx: Context, error: str | None = None) -> HTMLResponse:
    lines = service.priced_cart(ctx)
    kits = (
        kit_service.priced_cart_kits(ctx, ctx.actor.id)
        if ctx.actor and kit_service.sold_here(ctx)
        else []
    )
    return render(
        request,
        "cart.html",
        ctx,
        status_code=409 if error else 200,
        lines=lines,
        kits=kits,
        total=sum(x.line_points for x in lines) + sum(k.total_points for k in kits),
        balance=points_balance(ctx),
        error=error,
        entitlement_notes=entitlements.by_sku(
            ctx, [(x.sku.id, x.product.id, x.product.category_id) for x in lines]
        ),
        people=_people(ctx),
        pay_options=remainder_options(ctx, ctx.actor.id) if ctx.actor else [],
        # A fresh key per rendering of the checkout form: a double click or a resent form
        # submits the same key, and so the same order.
        checkout_key=secrets.token_urlsafe(16),
        ship_locations=locations.allowed_locations(ctx, ctx.actor.id) if ctx.actor else [],
        may_enter_address=bool(ctx.actor and ctx.actor.may_enter_address),
    )


def _people(ctx: Context) -> list[User]:
    """Whom this manager may order for (empty for buyers: the selector is not shown)."""
    if ctx.actor is None or not has_permission(ctx.actor, Permission.PEOPLE_VIEW):
        return []
    return on_behalf.people(ctx)


@router.get("/cart", response_class=HTMLResponse)
def cart(request: Request, ctx: BuyerCtx) -> HTMLResponse:
    return _cart_page(request, ctx)


@router.post("/cart/add")
def add(
    request: Request,
    ctx: BuyerCtx,
    sku_id: Annotated[int, Form()],
    quantity: Annotated[int, Form()] = 1,
) -> RedirectResponse:
    line = service.add_to_cart(ctx, sku_id, quantity)
    return redirect(
        request, f"/t/{ctx.tenant.slug}/cart", f"Added to your cart ({line.line.quantity} in cart)."
    )


@router.post("/cart/quick-order")
async def quick_order(
    request: Request,
    ctx: BuyerCtx,
    text: Annotated[str, Form(max_length=200_000)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> RedirectResponse:
    """Codes and quantities typed in, or a CSV file (``sku,quantity``), into the cart."""
    if upload is not None and upload.filename:
        raw = await upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise Invalid("the file is too large for a quick order (1 MB at most)")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("the file is not UTF-8 text (save it as CSV UTF-8)") from None
    lines = quick.parse(text)
    added = await run_in_threadpool(quick.quick_order, ctx, lines)
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/cart",
        f"Added {len(added)} line{'' if len(added) == 1 else 's'} to your cart.",
    )


@router.post("/cart/grid")
async def add_grid(request: Request, ctx: BuyerCtx) -> RedirectResponse:
    """The product page's size grid: ``qty_<sku id>`` fields, all added or none."""
    form = await request.form()
    quantities: dict[int, int] = {}
    for key, value in form.multi_items():
        if not key.startswith("qty_") or not str(value).strip():
            continue
        sku, quantity = key.removeprefix("qty_"), str(value).strip()
        if not sku.isdigit() or not quantity.isdigit():
            raise Invalid("quantities are whole numbers")
        quantities[int(sku)] = int(quantity)
    added = await run_in_threadpool(quick.add_many, ctx, quantities)
    units = sum(line.line.quantity for line in added)
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/cart",
        f"Added {len(added)} sizes to your cart ({units} in cart).",
    )


@router.post("/orders/{order_id}/reorder")
def reorder(request: Request, ctx: BuyerCtx, order_id: int) -> RedirectResponse:
    done = quick.reorder(ctx, order_id)
    message = quick.added_message(len(done.added), done.skipped)
    return redirect(request, f"/t/{ctx.tenant.slug}/cart", message)


@router.post("/cart/lines/{line_id}")
def update(
    request: Request, ctx: BuyerCtx, line_id: int, quantity: Annotated[int, Form()]
) -> RedirectResponse:
    if quantity == 0:
        service.remove_line(ctx, line_id)
    else:
        service.set_quantity(ctx, line_id, quantity)
    return redirect(request, f"/t/{ctx.tenant.slug}/cart", "Cart updated.")


@router.post("/cart/lines/{line_id}/remove")
def remove(request: Request, ctx: BuyerCtx, line_id: int) -> RedirectResponse:
    service.remove_line(ctx, line_id)
    return redirect(request, f"/t/{ctx.tenant.slug}/cart", "Removed from your cart.")


@router.post("/checkout", response_model=None)
async def checkout(request: Request, ctx: BuyerCtx) -> RedirectResponse | HTMLResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}
    key = idempotency.check_key(form.get("checkout_key", ""))
    on_behalf_of, location_id = form.get("on_behalf_of", ""), form.get("location_id", "")
    person = int(on_behalf_of) if on_behalf_of.isdigit() else None
    # Ship-to (commissary.locations): the default location unless the buyer chose.
    where = ShipToChoice(
        int(location_id) if location_id.isdigit() else None,
        form.get("ship_to_address", "")[:800],
    )
    fingerprint: dict[str, object] = {"on_behalf_of": person} if person else {}
    if where.location_id is not None or where.address.strip():
        fingerprint |= {"location_id": where.location_id, "address": where.address.strip()}
    # Split tender: ``pay_with`` names the method for what points do not cover, and
    # ``pay_<method>_<field>`` carry its details (see RemainderOption).
    payment = None
    if form.get("pay_with"):
        method = form["pay_with"]
        prefix = f"pay_{method}_"
        payment = PaymentChoice(
            method, {k.removeprefix(prefix): v for k, v in form.items() if k.startswith(prefix)}
        )
        fingerprint |= {"payment": [payment.method, sorted(payment.data.items())]}

    def work() -> RedirectResponse | HTMLResponse:
        try:
            order, replayed = service.submit(
                ctx,
                idempotency_key=f"page:{key}",
                request_print=idempotency.fingerprint(fingerprint),
                on_behalf_of=person,
                ship_to=where,
                payment=payment,
            )
        except DomainError as exc:
            if exc.status_code >= 500 or exc.status_code in (401, 403):
                raise
            ctx.session.rollback()
            return _cart_page(request, ctx, error=exc.message)
        for_whom = f" for {order_person(ctx, order.user_id)}" if order.placed_by_id else ""
        message = (
            f"Order {order.number}{for_whom} is waiting for approval."
            if order.placed_by_id and order.status == "pending_approval"
            else f"Order {order.number}{for_whom} is placed and approved."
            if order.placed_by_id
            else f"Order {order.number} is waiting for your manager's approval."
            if order.status == "pending_approval"
            else f"Order {order.number} is placed and approved."
        )
        return redirect(
            request, f"/t/{ctx.tenant.slug}/orders/{order.id}", None if replayed else message
        )

    return await run_in_threadpool(work)


def order_person(ctx: Context, user_id: int) -> str:
    return service.people_names(ctx, {user_id}).get(user_id, "them")


@router.get("/orders", response_class=HTMLResponse)
def orders(request: Request, ctx: BuyerCtx) -> HTMLResponse:
    return render(request, "orders.html", ctx, orders=service.my_orders(ctx, limit=100))


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order(request: Request, ctx: BuyerCtx, order_id: int) -> HTMLResponse:
    # The buyer, whoever placed it for them, and managers of its location may look.
    found = changes.order_to_change(ctx, order_id)
    events = history.events(ctx, order_id)
    versions = amend.versions(ctx, order_id) if found.version > 1 else []
    return render(
        request,
        "order.html",
        ctx,
        order=found,
        events=events,
        versions=versions,
        changeable=found.status in lifecycle.CHANGEABLE_ORDER_STATES,
        names=service.people_names(
            ctx,
            {e.actor_id for e in events}
            | {x.decided_by_id for x in found.lines}
            | {found.user_id, found.placed_by_id},
        ),
        approved=sum(
            x.line_points
            for x in found.lines
            if x.status in lifecycle.LIVE_LINE_STATES and x.status != "pending"
        ),
        refunded=sum(x.line_points for x in found.lines if x.status in ("rejected", "cancelled")),
        shipments=fulfilment.shipments_of(ctx, order_id),
    )
