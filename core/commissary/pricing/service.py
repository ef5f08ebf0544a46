"""Pricing a SKU for a person: price lists, tiers, discounts, plugin adjustments, rounding.

Resolution order (deterministic; also in ``docs/catalog.md``):

1. ``resolve_unit_price`` (firstresult): a plugin may answer first (contract prices from an
   ERP). The core's resolver answers last, with the *base price*:

   a. the SKU's list price;
   b. each applicable price list's negotiated price for the quantity: a list applies when
      it is active, ``valid_from <= now < valid_until`` and it is tenant-wide or for one of
      the person's customer types; within a list, the tier with the largest
      ``min_quantity`` not above the quantity counts;
   c. the list price less the single largest applicable percentage discount (of an
      applicable list, on the SKU's category, on a catalog holding the SKU, or list-wide);
   d. the lowest of (c) and every (b) wins; on a tie (c), then the lowest list id. A
      negotiated price is net: discounts never apply on top of it.

2. ``adjust_unit_price``: every enabled plugin's adjustments, applied in ascending
   ``order`` then ``source``; percentages multiply the running price, point amounts add;
   the price never goes below zero.
3. Rounding happens once per line: ``line_points = round_half_up(unit * quantity)`` in
   whole points. The unit price shown is the exact unit rounded the same way.

Tiers within one list may not get dearer with quantity (refused on save), so the unit
price never rises with quantity.

The price lists and discounts a request needs are loaded once per request for all the
SKUs it prices (``prepare``); a tenant without price lists costs no query at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.hooktypes import PriceAdjustment, PriceQuote, PriceStep
from commissary.pricing.models import PriceList, PriceListDiscount, PriceListItem
from commissary.segments.models import CatalogSku, UserCustomerType
from commissary.tenants.cache import ConfigCache

MEMO_KEY = "price_book"
# Per engine (one per database): ids and versions mean nothing across databases.
_has_lists = ConfigCache[bool]()


def round_points(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class LinePrice:
    """A priced line: the exact unit, the rounded line total and how it was reached."""

    quantity: int
    unit: Decimal
    line_points: int
    source: str
    steps: tuple[PriceStep, ...]

    @property
    def unit_points(self) -> int:
        return round_points(self.unit)


@dataclass
class PriceBook:
    """The price lists that apply to one person now, and their items for the SKUs seen."""

    lists: dict[int, PriceList]
    discounts: list[PriceListDiscount]
    items: dict[int, list[Tier]] = field(default_factory=dict)
    loaded: set[int] = field(default_factory=set)
    sku_catalogs: dict[int, set[int]] = field(default_factory=dict)
    sku_categories: dict[int, int | None] = field(default_factory=dict)


class Tier(NamedTuple):
    """A price-list item as the book keeps it: a plain row, not an ORM entity (a cart of
    500 lines reads thousands of them; entities cost ~40 µs each to build)."""

    price_list_id: int
    sku_id: int
    min_quantity: int
    unit_points: int


class PricedLine:
    """What a priced line reads like (cart lines, kit component lines): mixed into
    frozen dataclasses that have a ``price`` field."""

    price: LinePrice

    @property
    def unit_points(self) -> int:
        return self.price.unit_points

    @property
    def line_points(self) -> int:
        return self.price.line_points

    @property
    def price_source(self) -> str:
        return self.price.source


def _tenant_has_lists(ctx: Context) -> bool:
    return _has_lists.get(
        ctx, lambda: ctx.session.scalar(select(PriceList.id).limit(1)) is not None
    )


def _applicable_lists(session: Session, user_id: int | None, now: datetime) -> list[PriceList]:
    types = (
        select(UserCustomerType.customer_type_id).where(UserCustomerType.user_id == user_id)
        if user_id is not None
        else None
    )
    audience = (
        PriceList.customer_type_id.is_(None)
        if types is None
        else or_(PriceList.customer_type_id.is_(None), PriceList.customer_type_id.in_(types))
    )
    return list(
        session.scalars(
            select(PriceList)
            .where(
                PriceList.is_active,
                audience,
                or_(PriceList.valid_from.is_(None), PriceList.valid_from <= now),
                or_(PriceList.valid_until.is_(None), PriceList.valid_until > now),
            )
            .order_by(PriceList.id)
        )
    )


def price_book(ctx: Context) -> PriceBook | None:
    """The request's price book, or None where no price list applies (list prices only)."""
    if MEMO_KEY in ctx.memo:
        return ctx.memo[MEMO_KEY]  # type: ignore[no-any-return]
    book: PriceBook | None = None
    if _tenant_has_lists(ctx):
        lists = _applicable_lists(ctx.session, ctx.actor.id if ctx.actor else None, ctx.now)
        if lists:
            discounts = list(
                ctx.session.scalars(
                    select(PriceListDiscount)
                    .where(PriceListDiscount.price_list_id.in_([pl.id for pl in lists]))
                    .order_by(PriceListDiscount.id)
                )
            )
            book = PriceBook({pl.id: pl for pl in lists}, discounts)
    ctx.memo[MEMO_KEY] = book
    return book


def prepare(
    ctx: Context, sku_ids: Iterable[int], categories: dict[int, int | None] | None = None
) -> None:
    """Load the price-list items (and catalog memberships, for catalog discounts) of
    ``sku_ids`` in one go, before pricing them one by one. ``categories`` (SKU id →
    category id), when the caller has them, saves looking them up."""
    book = price_book(ctx)
    if book is None:
        return
    wanted = set(sku_ids) - book.loaded
    if not wanted:
        return
    rows = ctx.session.execute(
        select(
            PriceListItem.price_list_id,
            PriceListItem.sku_id,
            PriceListItem.min_quantity,
            PriceListItem.unit_points,
        )
        .where(
            PriceListItem.sku_id.in_(wanted),
            PriceListItem.price_list_id.in_(list(book.lists)),
        )
        .order_by(PriceListItem.price_list_id, PriceListItem.min_quantity)
    )
    for row in rows:
        book.items.setdefault(row.sku_id, []).append(Tier(*row))
    if any(d.catalog_id is not None for d in book.discounts):
        for sku_id, catalog_id in ctx.session.execute(
            select(CatalogSku.sku_id, CatalogSku.catalog_id).where(CatalogSku.sku_id.in_(wanted))
        ):
            book.sku_catalogs.setdefault(sku_id, set()).add(catalog_id)
    if categories is not None:
        book.sku_categories.update({k: v for k, v in categories.items() if k in wanted})
        wanted_categories = wanted - set(categories)
    else:
        wanted_categories = wanted
    if wanted_categories and any(d.category_id is not None for d in book.discounts):
        for sku_id, category_id in ctx.session.execute(
            select(Sku.id, Product.category_id)
            .join(Product, Product.id == Sku.product_id)
            .where(Sku.id.in_(wanted_categories))
        ):
            book.sku_categories[sku_id] = category_id
    book.loaded |= wanted


def base_quote(ctx: Context, sku: Sku, quantity: int) -> PriceQuote:
    """Steps 1a-1d of the resolution order (the core's ``resolve_unit_price``)."""
    list_price = Decimal(sku.price_points)
    steps = [PriceStep("list price", "list price", sku.code, list_price)]
    book = price_book(ctx)
    if book is None:
        return PriceQuote(sku.price_points, "list price", steps=tuple(steps))
    prepare(ctx, [sku.id])
    # Per list, keep only its best tier; then the lowest over lists.
    per_list: dict[int, Tier] = {}
    for item in book.items.get(sku.id, []):
        if item.min_quantity <= quantity:
            per_list[item.price_list_id] = item
    chosen = min(per_list.values(), key=lambda i: (i.unit_points, i.price_list_id), default=None)
    discount = _best_discount(book, sku.id)
    discounted = (
        list_price * (Decimal(100) - discount.percent) / Decimal(100)
        if discount is not None
        else list_price
    )
    if chosen is not None and Decimal(chosen.unit_points) < discounted:
        price_list = book.lists[chosen.price_list_id]
        steps.append(
            PriceStep(
                "price list",
                price_list.code,
                f"{price_list.name}, from {chosen.min_quantity}",
                Decimal(chosen.unit_points),
            )
        )
        return PriceQuote(chosen.unit_points, f"price list {price_list.code}", steps=tuple(steps))
    if discount is not None:
        price_list = book.lists[discount.price_list_id]
        steps.append(
            PriceStep(
                "discount", price_list.code, f"{percent_text(discount.percent)} % off", discounted
            )
        )
        return PriceQuote(
            round_points(discounted),
            f"price list {price_list.code}",
            exact=discounted,
            steps=tuple(steps),
        )
    return PriceQuote(sku.price_points, "list price", steps=tuple(steps))


def percent_text(percent: Decimal) -> str:
    """``12.50`` → ``12.5``, ``20.00`` → ``20``."""
    text = format(percent, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _best_discount(book: PriceBook, sku_id: int) -> PriceListDiscount | None:
    catalogs = book.sku_catalogs.get(sku_id, set())
    category = book.sku_categories.get(sku_id)
    applicable = [
        d
        for d in book.discounts
        if (d.category_id is None and d.catalog_id is None)
        or (d.category_id is not None and d.category_id == category)
        or (d.catalog_id is not None and d.catalog_id in catalogs)
    ]
    return min(applicable, key=lambda d: (-d.percent, d.id), default=None)


def price_line(
    ctx: Context, sku: Sku, quantity: int, *, category_id: int | None = None
) -> LinePrice:
    """The whole resolution order for ``quantity`` of ``sku`` (see the module docstring)."""
    quote = ctx.hooks.resolve_unit_price(ctx=ctx, sku=sku, quantity=quantity)
    if quote is None:  # only when a plugin replaced the core resolver and passed
        quote = base_quote(ctx, sku, quantity)
    unit = quote.unit
    steps = list(quote.steps) or [PriceStep("price", quote.source, sku.code, unit)]
    source = quote.source
    adjustments: list[PriceAdjustment] = [
        a
        for result in ctx.hooks.adjust_unit_price(
            ctx=ctx, sku=sku, category_id=category_id, quantity=quantity, quote=quote
        )
        for a in result
    ]
    for adjustment in sorted(adjustments, key=lambda a: (a.order, a.source)):
        if adjustment.percent is not None:
            unit = unit * (Decimal(100) - adjustment.percent) / Decimal(100)
        if adjustment.points is not None:
            unit = unit + adjustment.points
        unit = max(unit, Decimal(0))
        steps.append(PriceStep("adjustment", adjustment.source, adjustment.label, unit))
        source = f"{source} + {adjustment.source}"
    return LinePrice(quantity, unit, round_points(unit * quantity), source, tuple(steps))
