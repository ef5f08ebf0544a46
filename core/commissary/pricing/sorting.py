"""Sorting the catalog by the price the person sees, in SQL.

The order key of a product is the lowest *base price* (steps 1a-1d of the resolution
order in ``pricing/service.py``) among the product's SKUs the person may see, each priced
at its minimum order quantity: the list price less the largest applicable discount, or
the lowest applicable negotiated tier if that is lower. Because tiers never get dearer
with quantity, "the lowest tier from at most the minimum quantity, over all applicable
lists" is exactly "each list's best tier, then the lowest".

Plugin prices (``resolve_unit_price`` answers and ``adjust_unit_price`` adjustments) are
computed per line in Python and do not change the order; ties sort by name. A tenant
without price lists sorts on the list price column alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.pricing.models import PriceListDiscount, PriceListItem
from commissary.pricing.service import price_book
from commissary.segments.models import CatalogSku


def _least(dialect: str, *values: ColumnElement[Any]) -> ColumnElement[Any]:
    # SQLite's two-argument min() is PostgreSQL's least().
    return func.least(*values) if dialect == "postgresql" else func.min(*values)


def sku_base_price(ctx: Context) -> ColumnElement[Any]:
    """The person's base unit price of ``Sku`` (correlated to ``Sku`` and ``Product``)."""
    book = price_book(ctx)
    if book is None:
        return Sku.price_points.expression
    lists = list(book.lists)
    discount = (
        select(func.max(PriceListDiscount.percent))
        .where(
            PriceListDiscount.price_list_id.in_(lists),
            or_(
                and_(
                    PriceListDiscount.category_id.is_(None),
                    PriceListDiscount.catalog_id.is_(None),
                ),
                PriceListDiscount.category_id == Product.category_id,
                PriceListDiscount.catalog_id.in_(
                    select(CatalogSku.catalog_id).where(CatalogSku.sku_id == Sku.id).correlate(Sku)
                ),
            ),
        )
        .correlate(Sku, Product)
        .scalar_subquery()
    )
    discounted = Sku.price_points * (100 - func.coalesce(discount, 0)) / 100
    negotiated = (
        select(func.min(PriceListItem.unit_points))
        .where(
            PriceListItem.price_list_id.in_(lists),
            PriceListItem.sku_id == Sku.id,
            PriceListItem.min_quantity <= Sku.min_quantity,
        )
        .correlate(Sku)
        .scalar_subquery()
    )
    dialect = ctx.session.get_bind().dialect.name
    # Without a negotiated price the list price stands in: never below the discounted one.
    return _least(dialect, discounted, func.coalesce(negotiated, Sku.price_points))


def product_price_key(ctx: Context, sku_conditions: list[ColumnElement[bool]]) -> Any:
    """A product's order key: the lowest base price of its active SKUs that pass
    ``sku_conditions`` (the person's catalog access)."""
    return (
        select(func.min(sku_base_price(ctx)))
        .where(Sku.product_id == Product.id, Sku.is_active, *sku_conditions)
        .correlate(Product)
        .scalar_subquery()
    )
