"""Core plugin: the base price (list price, price lists, tiers, discounts), the fallback
every other resolver beats. See ``commissary.pricing.service`` for the order."""

from __future__ import annotations

from commissary.catalog.models import Sku
from commissary.context import Context
from commissary.hookspecs import hookimpl
from commissary.hooktypes import PriceQuote
from commissary.pricing.service import base_quote


@hookimpl(trylast=True)
def resolve_unit_price(ctx: Context, sku: Sku, quantity: int) -> PriceQuote | None:
    return base_quote(ctx, sku, quantity)
