"""Kit pages for buyers: the kits they can order, one kit with its choices, the cart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.permissions import Permission
from commissary.kits import service
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
BuyerCtx = Annotated[Context, Depends(page_requires(Permission.ORDER_PLACE))]


@router.get("/kits", response_class=HTMLResponse)
def kits(request: Request, ctx: BuyerCtx) -> HTMLResponse:
    return render(request, "kits.html", ctx, kits=service.kits_for_buyer(ctx))


@router.get("/kits/{kit_id}", response_class=HTMLResponse)
def kit(request: Request, ctx: BuyerCtx, kit_id: int) -> HTMLResponse:
    found, options = service.kit_for_buyer(ctx, kit_id)
    return render(request, "kit.html", ctx, kit=found, options=options)


@router.post("/cart/kits")
async def add(request: Request, ctx: BuyerCtx) -> RedirectResponse:
    """The kit page's form: ``kit_id``, ``quantity`` and ``choice_<component id>``."""
    form = await request.form()
    kit_id, quantity = str(form.get("kit_id", "")), str(form.get("quantity", "1")).strip()
    if not kit_id.isdigit() or not quantity.isdigit():
        raise Invalid("choose a kit and a whole number of kits")
    choices: dict[int, int] = {}
    for key, value in form.multi_items():
        if key.startswith("choice_") and key[7:].isdigit() and str(value).isdigit():
            choices[int(key[7:])] = int(str(value))
    entry = await run_in_threadpool(service.add_to_cart, ctx, int(kit_id), int(quantity), choices)
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/cart",
        f"Added {entry.quantity} kit{'' if entry.quantity == 1 else 's'} to your cart.",
    )


@router.post("/cart/kits/{cart_kit_id}/remove")
def remove(request: Request, ctx: BuyerCtx, cart_kit_id: int) -> RedirectResponse:
    service.remove_from_cart(ctx, cart_kit_id)
    return redirect(request, f"/t/{ctx.tenant.slug}/cart", "The kit is out of your cart.")
