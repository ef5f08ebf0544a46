"""Core plugin: the tenant's list price per SKU, the fallback every other resolver beats."""

from __future__ import annotations

from commissary.catalog.models import Sku
from commissary.context import Context
from commissary.hookspecs import hookimpl
from commissary.hooktypes import PriceQuote


@hookimpl(trylast=True)
def resolve_unit_price(ctx: Context, sku: Sku, quantity: int) -> PriceQuote | None:
    return PriceQuote(unit_points=sku.price_points, source="list price")
