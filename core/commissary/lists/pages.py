"""Saved list pages: my lists and my location's, save the cart as a list, use a list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.lists import service
from commissary.orders import quick
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
BuyerCtx = Annotated[Context, Depends(page_requires(Permission.ORDER_PLACE))]


@router.get("/lists", response_class=HTMLResponse)
def lists(request: Request, ctx: BuyerCtx) -> HTMLResponse:
    views = [service.get(ctx, s.id) for s in service.visible(ctx)]
    return render(request, "lists.html", ctx, views=views)


@router.post("/lists")
def save_cart(
    request: Request,
    ctx: BuyerCtx,
    name: Annotated[str, Form(max_length=120)],
    share: Annotated[str, Form()] = "",
) -> RedirectResponse:
    saved = service.create(ctx, name, share=bool(share))
    return redirect(request, f"/t/{ctx.tenant.slug}/lists", f"Saved your cart as “{saved.name}”.")


@router.post("/lists/{saved_list_id}/cart")
def to_cart(request: Request, ctx: BuyerCtx, saved_list_id: int) -> RedirectResponse:
    done = service.to_cart(ctx, saved_list_id)
    message = quick.added_message(len(done.added), done.skipped)
    return redirect(request, f"/t/{ctx.tenant.slug}/cart", message)


@router.post("/lists/{saved_list_id}/delete")
def delete(request: Request, ctx: BuyerCtx, saved_list_id: int) -> RedirectResponse:
    service.remove(ctx, saved_list_id)
    return redirect(request, f"/t/{ctx.tenant.slug}/lists", "List deleted.")
