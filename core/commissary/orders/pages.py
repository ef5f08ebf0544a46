"""Cart, checkout and order pages for buyers."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from commissary import idempotency
from commissary.context import Context
from commissary.errors import DomainError, Invalid
from commissary.identity.permissions import Permission
from commissary.orders import history, quick, service
from commissary.payments.service import points_balance
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
MAX_UPLOAD = 1_000_000
BuyerCtx = Annotated[Context, Depends(page_requires(Permission.ORDER_PLACE))]


def _cart_page(request: Request, ctx: Context, error: str | None = None) -> HTMLResponse:
    lines = service.priced_cart(ctx)
    return render(
        request,
        "cart.html",
        ctx,
        status_code=409 if error else 200,
        lines=lines,
        total=sum(x.line_points for x in lines),
        balance=points_balance(ctx),
        error=error,
        # A fresh key per rendering of the checkout form: a double click or a resent form
        # submits the same key, and so the same order.
        checkout_key=secrets.token_urlsafe(16),
    )


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
def checkout(
    request: Request, ctx: BuyerCtx, checkout_key: Annotated[str, Form()]
) -> RedirectResponse | HTMLResponse:
    key = idempotency.check_key(checkout_key)
    try:
        order, replayed = service.submit(
            ctx, idempotency_key=f"page:{key}", request_print=idempotency.fingerprint({})
        )
    except DomainError as exc:
        if exc.status_code >= 500 or exc.status_code in (401, 403):
            raise
        ctx.session.rollback()
        return _cart_page(request, ctx, error=exc.message)
    message = (
        f"Order {order.number} is waiting for your manager's approval."
        if order.status == "pending_approval"
        else f"Order {order.number} is placed and approved."
    )
    return redirect(
        request, f"/t/{ctx.tenant.slug}/orders/{order.id}", None if replayed else message
    )


@router.get("/orders", response_class=HTMLResponse)
def orders(request: Request, ctx: BuyerCtx) -> HTMLResponse:
    return render(request, "orders.html", ctx, orders=service.my_orders(ctx, limit=100))


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order(request: Request, ctx: BuyerCtx, order_id: int) -> HTMLResponse:
    found = service.order_for(ctx, order_id)
    events = history.events(ctx, order_id)
    return render(
        request,
        "order.html",
        ctx,
        order=found,
        events=events,
        names=service.people_names(
            ctx, {e.actor_id for e in events} | {x.decided_by_id for x in found.lines}
        ),
        approved=sum(x.line_points for x in found.lines if x.status == "approved"),
        refunded=sum(x.line_points for x in found.lines if x.status == "rejected"),
    )
