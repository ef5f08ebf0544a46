"""Maintaining price lists: their items (tiers) and discounts. Every change bumps the
tenant's ``config_version`` so that cached price books reload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commissary.catalog.models import Category, Sku
from commissary.context import Context
from commissary.db import replace_rows
from commissary.errors import Conflict, Invalid, NotFound
from commissary.pricing.models import PriceList, PriceListDiscount, PriceListItem
from commissary.segments.models import Catalog, CustomerType
from commissary.tenants.service import bump_config


@dataclass(frozen=True)
class Tier:
    sku_id: int
    min_quantity: int
    unit_points: int


@dataclass(frozen=True)
class Discount:
    percent: Decimal
    category_id: int | None = None
    catalog_id: int | None = None


def price_lists(session: Session) -> list[PriceList]:
    return list(session.scalars(select(PriceList).order_by(PriceList.id)))


def price_list(session: Session, list_id: int) -> PriceList:
    found = session.get(PriceList, list_id)
    if found is None:
        raise NotFound("no such price list")
    return found


def create_price_list(
    ctx: Context,
    *,
    code: str,
    name: str,
    customer_type_id: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> PriceList:
    if not code.strip() or not name.strip():
        raise Invalid("a price list needs a code and a name")
    if customer_type_id is not None and ctx.session.get(CustomerType, customer_type_id) is None:
        raise NotFound("no such customer type")
    if valid_from and valid_until and valid_until <= valid_from:
        raise Invalid("valid_until must be after valid_from")
    found = PriceList(
        tenant_id=ctx.tenant.id,
        code=code.strip(),
        name=name.strip(),
        customer_type_id=customer_type_id,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    ctx.session.add(found)
    try:
        ctx.session.flush()
    except IntegrityError:
        raise Conflict(f"price list {code} exists already") from None
    bump_config(ctx.session, ctx.tenant.id)
    return found


def set_items(ctx: Context, list_id: int, tiers: list[Tier]) -> list[PriceListItem]:
    """Replace the list's negotiated prices. Per SKU, tiers may not get dearer as the
    quantity grows (the unit price never rises with quantity)."""
    price_list(ctx.session, list_id)
    by_sku: dict[int, list[Tier]] = {}
    for tier in tiers:
        if tier.min_quantity < 1 or tier.unit_points < 0:
            raise Invalid("tiers start at quantity 1 and prices cannot be negative")
        by_sku.setdefault(tier.sku_id, []).append(tier)
    known = set(ctx.session.scalars(select(Sku.id).where(Sku.id.in_(list(by_sku)))))
    missing = sorted(set(by_sku) - known)
    if missing:
        raise NotFound(f"no such SKU: {', '.join(map(str, missing))}")
    for sku_id, sku_tiers in by_sku.items():
        ordered = sorted(sku_tiers, key=lambda t: t.min_quantity)
        quantities = [t.min_quantity for t in ordered]
        if len(set(quantities)) != len(quantities):
            raise Invalid(f"SKU {sku_id} has two tiers from the same quantity")
        for lower, higher in pairwise(ordered):
            if higher.unit_points > lower.unit_points:
                raise Invalid(
                    f"SKU {sku_id}: the tier from {higher.min_quantity} costs more than the "
                    f"tier from {lower.min_quantity}; larger quantities cannot cost more"
                )
    items = [
        PriceListItem(
            tenant_id=ctx.tenant.id,
            price_list_id=list_id,
            sku_id=t.sku_id,
            min_quantity=t.min_quantity,
            unit_points=t.unit_points,
        )
        for t in tiers
    ]
    replace_rows(ctx.session, PriceListItem.price_list_id, list_id, items)
    bump_config(ctx.session, ctx.tenant.id)
    return items


def items(session: Session, list_id: int) -> list[PriceListItem]:
    price_list(session, list_id)
    return list(
        session.scalars(
            select(PriceListItem)
            .where(PriceListItem.price_list_id == list_id)
            .order_by(PriceListItem.sku_id, PriceListItem.min_quantity)
        )
    )


def set_discounts(ctx: Context, list_id: int, discounts: list[Discount]) -> list[PriceListDiscount]:
    price_list(ctx.session, list_id)
    for d in discounts:
        if not Decimal(0) < d.percent <= Decimal(100):
            raise Invalid("a discount is more than 0 and at most 100 percent")
        if d.category_id is not None and d.catalog_id is not None:
            raise Invalid("a discount applies to a category or a catalog, not both")
        if d.category_id is not None and ctx.session.get(Category, d.category_id) is None:
            raise NotFound("no such category")
        if d.catalog_id is not None and ctx.session.get(Catalog, d.catalog_id) is None:
            raise NotFound("no such catalog")
    rows = [
        PriceListDiscount(
            tenant_id=ctx.tenant.id,
            price_list_id=list_id,
            percent=d.percent,
            category_id=d.category_id,
            catalog_id=d.catalog_id,
        )
        for d in discounts
    ]
    replace_rows(ctx.session, PriceListDiscount.price_list_id, list_id, rows)
    bump_config(ctx.session, ctx.tenant.id)
    return rows


def discounts(session: Session, list_id: int) -> list[PriceListDiscount]:
    price_list(session, list_id)
    return list(
        session.scalars(
            select(PriceListDiscount)
            .where(PriceListDiscount.price_list_id == list_id)
            .order_by(PriceListDiscount.id)
        )
    )
