"""Catalog pages: browse with search and category filter, and the product page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from commissary.catalog import service
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.web.deps import page_requires
from commissary.web.rendering import render

router = APIRouter()
ViewerCtx = Annotated[Context, Depends(page_requires(Permission.CATALOG_VIEW))]


@router.get("/", response_class=HTMLResponse, name="catalog")
def catalog(
    request: Request,
    ctx: ViewerCtx,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    result = service.list_products(ctx, q=q, category=category or None, page=page)
    return render(
        request,
        "catalog.html",
        ctx,
        result=result,
        q=q,
        category=category,
        categories=service.categories(ctx.session),
    )


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product(request: Request, ctx: ViewerCtx, product_id: int) -> HTMLResponse:
    return render(request, "product.html", ctx, view=service.product_view(ctx, product_id))
