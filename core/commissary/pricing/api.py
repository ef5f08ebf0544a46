"""Price lists for tenant admins, and a SKU's price breakdown for the person asking."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from commissary.catalog import service as catalog
from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.errors import NotAuthenticated, NotFound
from commissary.identity.permissions import Permission
from commissary.pricing import lists
from commissary.pricing import service as pricing
from commissary.pricing.models import PriceList
from commissary.segments import service as segments
from commissary.web.deps import api_requires, catalog_viewer

router = APIRouter(tags=["pricing"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.CATALOG_MANAGE))]
ViewerCtx = Annotated[Context, Depends(catalog_viewer(api=True))]


class PriceListCreate(BaseModel):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    customer_type_id: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class PriceListPublic(BaseModel):
    id: int
    code: str
    name: str
    customer_type_id: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    is_active: bool

    @classmethod
    def of(cls, found: PriceList) -> PriceListPublic:
        return cls(
            id=found.id,
            code=found.code,
            name=found.name,
            customer_type_id=found.customer_type_id,
            valid_from=found.valid_from,
            valid_until=found.valid_until,
            is_active=found.is_active,
        )


class TierIn(BaseModel):
    sku_id: int
    min_quantity: int = Field(default=1, ge=1, le=1_000_000)
    unit_points: int = Field(ge=0, le=1_000_000_000)


class Tiers(BaseModel):
    items: list[TierIn] = Field(max_length=100_000)


class DiscountIn(BaseModel):
    percent: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2)
    category_id: int | None = None
    catalog_id: int | None = None


class Discounts(BaseModel):
    discounts: list[DiscountIn] = Field(max_length=1_000)


class StepPublic(BaseModel):
    kind: str
    source: str
    detail: str
    unit_points: Decimal


class PricePublic(BaseModel):
    sku_id: int
    quantity: int
    unit_points: int
    unit_exact: Decimal
    line_points: int
    source: str
    breakdown: list[StepPublic]


@router.get("/price-lists", response_model=list[PriceListPublic])
def list_price_lists(ctx: AdminCtx) -> list[PriceListPublic]:
    return [PriceListPublic.of(p) for p in lists.price_lists(ctx.session)]


@router.post("/price-lists", response_model=PriceListPublic, status_code=201)
def create_price_list(ctx: AdminCtx, body: PriceListCreate) -> PriceListPublic:
    return PriceListPublic.of(lists.create_price_list(ctx, **body.model_dump()))


@router.get("/price-lists/{list_id}/items", response_model=Tiers)
def get_items(ctx: AdminCtx, list_id: int) -> Tiers:
    return Tiers(
        items=[
            TierIn(sku_id=i.sku_id, min_quantity=i.min_quantity, unit_points=i.unit_points)
            for i in lists.items(ctx.session, list_id)
        ]
    )


@router.put("/price-lists/{list_id}/items", response_model=Tiers)
def set_items(ctx: AdminCtx, list_id: int, body: Tiers) -> Tiers:
    """Replace the list's negotiated prices: one row per SKU and quantity tier."""
    lists.set_items(ctx, list_id, [lists.Tier(**t.model_dump()) for t in body.items])
    return get_items(ctx, list_id)


@router.get("/price-lists/{list_id}/discounts", response_model=Discounts)
def get_discounts(ctx: AdminCtx, list_id: int) -> Discounts:
    return Discounts(
        discounts=[
            DiscountIn(percent=d.percent, category_id=d.category_id, catalog_id=d.catalog_id)
            for d in lists.discounts(ctx.session, list_id)
        ]
    )


@router.put("/price-lists/{list_id}/discounts", response_model=Discounts)
def set_discounts(ctx: AdminCtx, list_id: int, body: Discounts) -> Discounts:
    """Replace the list's percentage discounts (on a category, a catalog, or everything)."""
    lists.set_discounts(ctx, list_id, [lists.Discount(**d.model_dump()) for d in body.discounts])
    return get_discounts(ctx, list_id)


@router.get("/skus/{sku_id}/price", response_model=PricePublic)
def sku_price(
    ctx: ViewerCtx, sku_id: int, quantity: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> PricePublic:
    """The asker's price for ``quantity`` units, with how it was reached (which list,
    which tier, which discount or plugin adjustment)."""
    if not catalog.prices_shown(ctx):
        raise NotAuthenticated("sign in to see prices")
    segments.require_visible(ctx, sku_id)
    sku = ctx.session.get(Sku, sku_id)
    if sku is None or not sku.is_active:
        raise NotFound("no such item")
    product = ctx.session.get(Product, sku.product_id)
    category_id = product.category_id if product else None
    price = pricing.price_line(ctx, sku, quantity, category_id=category_id)
    return PricePublic(
        sku_id=sku.id,
        quantity=quantity,
        unit_points=price.unit_points,
        unit_exact=price.unit,
        line_points=price.line_points,
        source=price.source,
        breakdown=[
            StepPublic(kind=s.kind, source=s.source, detail=s.detail, unit_points=s.unit)
            for s in price.steps
        ],
    )
