"""Catalog pages: browse with search and category filter, and the product page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from commissary.catalog import service
from commissary.context import Context
from commissary.entitlements import service as entitlements
from commissary.kits import service as kit_service
from commissary.web.deps import cache_headers, catalog_viewer
from commissary.web.rendering import render

router = APIRouter()
ViewerCtx = Annotated[Context, Depends(catalog_viewer(api=False))]


@router.get("/", response_class=HTMLResponse, name="catalog")
def catalog(
    request: Request,
    ctx: ViewerCtx,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str | None, Query(max_length=100)] = None,
    size: Annotated[str | None, Query(max_length=40)] = None,
    colour: Annotated[str | None, Query(max_length=40)] = None,
    sort: Annotated[str, Query(pattern="^(name|-name|newest|price|-price)$")] = "name",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    result = service.list_products(
        ctx,
        q=q,
        category=category or None,
        size=size or None,
        colour=colour or None,
        sort=sort,
        page=page,
    )
    sizes, colours = service.attribute_values(ctx)
    response = render(
        request,
        "catalog.html",
        ctx,
        result=result,
        q=q,
        category=category,
        size=size,
        colour=colour,
        sort=sort,
        price_sorts=service.prices_shown(ctx),
        sizes=sizes,
        colours=colours,
        categories=service.categories(ctx.session),
        # Signed-in buyers learn of kits here (no query once cached for the tenant).
        sells_kits=ctx.actor is not None and kit_service.sold_here(ctx),
    )
    cache_headers(ctx, response.headers)
    return response


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product(request: Request, ctx: ViewerCtx, product_id: int) -> HTMLResponse:
    view = service.product_view(ctx, product_id)
    notes = entitlements.by_sku(
        ctx, [(s.sku.id, view.product.id, view.product.category_id) for s in view.skus]
    )
    response = render(request, "product.html", ctx, view=view, entitlement_notes=notes)
    cache_headers(ctx, response.headers)
    return response
