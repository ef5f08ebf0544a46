"""Cart, checkout and order pages for buyers."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from commissary import idempotency
from commissary.context import Context
from commissary.errors import DomainError
from commissary.identity.permissions import Permission
from commissary.orders import history, service
from commissary.payments.service import points_balance
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
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
