"""An example pricing plugin, written against the public plugin API only.

It takes a percentage off the SKUs of some categories while a promotion runs, through the
``adjust_unit_price`` hook: the core has already resolved the base price (list price,
price lists, tiers, segment discounts); this adjustment comes on top, shows in the price
breakdown, and the line is still rounded once. Enable it per tenant::

    commissary plugins enable promotion --tenant acme \\
        --settings '{"label": "Spring sale", "percent": "15", "category_ids": [3],
                     "starts": "2026-03-01T00:00:00Z", "ends": "2026-04-01T00:00:00Z"}'
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field, model_validator

from commissary import Context, PluginSettings, PriceAdjustment, PriceQuote, Sku, hookimpl


class PromotionSettings(PluginSettings):
    label: str = Field(default="Promotion", min_length=1, max_length=80)
    percent: Decimal = Field(default=Decimal(10), gt=0, le=100)
    category_ids: list[int] = Field(default_factory=list)
    starts: datetime | None = None
    ends: datetime | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> PromotionSettings:
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValueError("the promotion must end after it starts")
        return self


@hookimpl
def register_settings_model() -> type[PluginSettings]:
    return PromotionSettings


@hookimpl
def adjust_unit_price(
    ctx: Context, sku: Sku, category_id: int | None, quote: PriceQuote
) -> list[PriceAdjustment]:
    """Cheap and query-free: it runs for every SKU on a listing page."""
    promo = ctx.settings(PromotionSettings)
    running = (promo.starts is None or promo.starts <= ctx.now) and (
        promo.ends is None or ctx.now < promo.ends
    )
    if not running or category_id not in promo.category_ids:
        return []
    percent = format(promo.percent, "f")
    if "." in percent:
        percent = percent.rstrip("0").rstrip(".")
    label = f"{promo.label}: {percent} % off"
    return [PriceAdjustment(source="promotion", label=label, percent=promo.percent)]
