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

The tenant's price lists, each person's customer types and the lists' discounts are cached
per process until the tenant's configuration changes (every price-list or customer-type
change bumps it); validity dates are checked per request. People with the same applicable
lists share one price book, whose items load once per SKU (``prepare``): a warm catalog
page or cart prices without a query, and a tenant without price lists costs none at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from threading import Lock
from typing import NamedTuple

from sqlalchemy import select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.hooktypes import PriceAdjustment, PriceQuote, PriceStep
from commissary.pricing.models import PriceList, PriceListDiscount, PriceListItem
from commissary.segments import service as segments
from commissary.segments.models import CatalogSku
from commissary.tenants.cache import ConfigCache

MEMO_KEY = "price_book"


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

    @cached_property
    def unit_points(self) -> int:
        # Kept: a catalog page reads it several times for each of its SKUs, from lines
        # shared by every page (the price book's).
        return round_points(self.unit)


class ListRow(NamedTuple):
    """A price list as the caches keep it: a plain row, never an ORM entity, so that a
    session's rollback elsewhere cannot expire what other requests read."""

    id: int
    code: str
    name: str
    customer_type_id: int | None
    valid_from: datetime | None
    valid_until: datetime | None


class DiscountRow(NamedTuple):
    id: int
    price_list_id: int
    category_id: int | None
    catalog_id: int | None
    percent: Decimal


@dataclass
class PriceBook:
    """The price lists that apply to a set of people now, and their items for the SKUs
    seen so far. Shared by every request with the same applicable lists until the tenant's
    configuration changes (items load once per SKU, under ``lock``)."""

    lists: dict[int, ListRow]
    discounts: list[DiscountRow]
    items: dict[int, list[Tier]] = field(default_factory=dict)
    loaded: set[int] = field(default_factory=set)
    sku_catalogs: dict[int, set[int]] = field(default_factory=dict)
    sku_categories: dict[int, int | None] = field(default_factory=dict)
    lines: dict[tuple[int, int], LinePrice] = field(default_factory=dict)
    quotes: dict[tuple[int, int], PriceQuote] = field(default_factory=dict)
    lock: Lock = field(default_factory=Lock)


# Per tenant configuration (every price-list or customer-type change bumps it). Books are
# keyed by the applicable lists' ids: everyone with the same lists shares one.
_lists = ConfigCache[tuple[ListRow, ...]]()
_books = ConfigCache[PriceBook](limit=1_000)


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
    return bool(_active_lists(ctx))


def _active_lists(ctx: Context) -> tuple[ListRow, ...]:
    """Every active price list of the tenant (validity is checked per request)."""
    columns = [getattr(PriceList, name) for name in ListRow._fields]
    return _lists.get(
        ctx,
        lambda: tuple(
            ListRow(*row)
            for row in ctx.session.execute(
                select(*columns).where(PriceList.is_active).order_by(PriceList.id)
            )
        ),
    )


def _applicable_lists(ctx: Context) -> list[ListRow]:
    """The tenant's lists that apply to the actor now: tenant-wide or for one of their
    customer types, and ``valid_from <= now < valid_until``."""
    lists = _active_lists(ctx)
    if not lists:
        return []
    types = segments.customer_type_ids(ctx, ctx.actor.id) if ctx.actor else frozenset()
    now = ctx.now
    return [
        pl
        for pl in lists
        if (pl.customer_type_id is None or pl.customer_type_id in types)
        and (pl.valid_from is None or pl.valid_from <= now)
        and (pl.valid_until is None or pl.valid_until > now)
    ]


def _new_book(ctx: Context, lists: list[ListRow]) -> PriceBook:
    columns = [getattr(PriceListDiscount, name) for name in DiscountRow._fields]
    discounts = [
        DiscountRow(*row)
        for row in ctx.session.execute(
            select(*columns)
            .where(PriceListDiscount.price_list_id.in_([pl.id for pl in lists]))
            .order_by(PriceListDiscount.id)
        )
    ]
    return PriceBook({pl.id: pl for pl in lists}, discounts)


def price_book(ctx: Context) -> PriceBook | None:
    """The actor's price book, or None where no price list applies (list prices only).
    People with the same applicable lists share one book per tenant configuration."""
    if MEMO_KEY in ctx.memo:
        return ctx.memo[MEMO_KEY]  # type: ignore[no-any-return]
    book: PriceBook | None = None
    lists = _applicable_lists(ctx)
    if lists:
        book = _books.get(ctx, lambda: _new_book(ctx, lists), tuple(pl.id for pl in lists))
    ctx.memo[MEMO_KEY] = book
    return book


def reuse_key(ctx: Context) -> tuple[int, ...] | None:
    """What a line's price depends on besides its SKU, quantity and category, for
    callers that keep priced lines: the ids of the price lists that apply to the actor now
    (empty: list prices). None where a plugin resolves or adjusts prices, which may depend
    on anything: then every line must be priced afresh."""
    core_resolves, adjusting = _pricers(ctx)
    if not core_resolves or adjusting:
        return None
    book = price_book(ctx)
    return tuple(book.lists) if book is not None else ()


def prepare(
    ctx: Context, sku_ids: Iterable[int], categories: dict[int, int | None] | None = None
) -> None:
    """Load the price-list items (and catalog memberships, for catalog discounts) of
    ``sku_ids`` in one go, before pricing them one by one. ``categories`` (SKU id →
    category id), when the caller has them, saves looking them up."""
    book = price_book(ctx)
    if book is None:
        return
    if not set(sku_ids) - book.loaded:
        return
    with book.lock:
        wanted = set(sku_ids) - book.loaded
        if wanted:
            _load_items(ctx, book, wanted, categories)


def _load_items(
    ctx: Context, book: PriceBook, wanted: set[int], categories: dict[int, int | None] | None
) -> None:
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


def _best_discount(book: PriceBook, sku_id: int) -> DiscountRow | None:
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


CORE_PRICING = "commissary.pricing.builtin"
LINE_CACHE_LIMIT = 200_000


def _pricers(ctx: Context) -> tuple[bool, bool]:
    """Whether the core alone resolves unit prices, and whether any plugin adjusts them."""
    hooks = ctx.hooks
    core_resolves = hooks.implementers("resolve_unit_price") == (CORE_PRICING,)
    return core_resolves, bool(hooks.implementers("adjust_unit_price"))


def price_line(
    ctx: Context, sku: Sku, quantity: int, *, category_id: int | None = None
) -> LinePrice:
    """The whole resolution order for ``quantity`` of ``sku`` (see the module docstring).

    Where only the core prices (no enabled plugin implements ``resolve_unit_price`` or
    ``adjust_unit_price``), a line depends on the price book alone, so it is kept there
    per SKU and quantity: a catalog page or a 500-line cart reprices nothing it priced
    before. Otherwise the hooks run for every line, and only for the plugins there are."""
    hooks = ctx.hooks
    core_resolves, adjusting = _pricers(ctx)
    book = price_book(ctx) if core_resolves else None
    key = (sku.id, quantity)
    if book is not None and not adjusting and key in book.lines:
        return book.lines[key]
    if core_resolves:
        # The core's quote depends on the book alone, even where plugins adjust it.
        quote = book.quotes.get(key) if book is not None else None
        if quote is None:
            quote = base_quote(ctx, sku, quantity)
            if book is not None:
                if len(book.quotes) >= LINE_CACHE_LIMIT:
                    book.quotes = {}
                book.quotes[key] = quote
    else:
        quote = hooks.resolve_unit_price(ctx=ctx, sku=sku, quantity=quantity) or base_quote(
            ctx, sku, quantity
        )  # None only when a plugin replaced the core resolver and passed
    adjustments: list[PriceAdjustment] = []
    if adjusting:
        adjustments = [
            a
            for result in hooks.adjust_unit_price(
                ctx=ctx, sku=sku, category_id=category_id, quantity=quantity, quote=quote
            )
            for a in result
        ]
    line = _line(quantity, quote, adjustments, code=sku.code)
    if book is not None and not adjusting:
        if len(book.lines) >= LINE_CACHE_LIMIT:
            book.lines = {}
        book.lines[key] = line
    return line


def _line(
    quantity: int, quote: PriceQuote, adjustments: list[PriceAdjustment], code: str = ""
) -> LinePrice:
    unit = quote.unit
    steps = list(quote.steps) or [PriceStep("price", quote.source, code, unit)]
    source = quote.source
    for adjustment in sorted(adjustments, key=lambda a: (a.order, a.source)):
        if adjustment.percent is not None:
            unit = unit * (Decimal(100) - adjustment.percent) / Decimal(100)
        if adjustment.points is not None:
            unit = unit + adjustment.points
        unit = max(unit, Decimal(0))
        steps.append(PriceStep("adjustment", adjustment.source, adjustment.label, unit))
        source = f"{source} + {adjustment.source}"
    return LinePrice(quantity, unit, round_points(unit * quantity), source, tuple(steps))
