"""Catalog REST routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from commissary.catalog import service
from commissary.catalog.schemas import CategoryPublic, ProductList, ProductPublic
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.web.deps import api_requires

router = APIRouter(tags=["catalog"])
ViewerCtx = Annotated[Context, Depends(api_requires(Permission.CATALOG_VIEW))]


@router.get("/products", response_model=ProductList)
def list_products(
    ctx: ViewerCtx,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = service.PAGE_SIZE,
) -> ProductList:
    result = service.list_products(ctx, q=q, category=category, page=page, page_size=page_size)
    return ProductList(
        items=[ProductPublic.of(v) for v in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


@router.get("/products/{product_id}", response_model=ProductPublic)
def get_product(ctx: ViewerCtx, product_id: int) -> ProductPublic:
    return ProductPublic.of(service.product_view(ctx, product_id))


@router.get("/categories", response_model=list[CategoryPublic])
def list_categories(ctx: ViewerCtx) -> list[CategoryPublic]:
    return [
        CategoryPublic(id=c.id, slug=c.slug, name=c.name) for c in service.categories(ctx.session)
    ]
