"""Browsing and maintaining the catalog.

A listing page costs a fixed number of statements whatever its size: one for the page of
products, one for the count, one for their SKUs with stock.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session

from commissary.catalog import index
from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.errors import Conflict, Invalid, NotFound
from commissary.inventory.stock import initial_stock
from commissary.pricing import service as pricing
from commissary.pricing import sorting
from commissary.pricing.service import LinePrice
from commissary.segments import service as segments
from commissary.tenants.cache import ConfigCache
from commissary.tenants.models import AccessMode
from commissary.tenants.service import bump_config

PAGE_SIZE = 24
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Product.name, Product.id),
    "-name": (Product.name.desc(), Product.id),
    "newest": (Product.id.desc(),),
}
# By the price the person sees (see ``commissary.pricing.sorting``); only where prices show.
PRICE_SORTS = ("price", "-price")
SORT_NAMES = (*SORTS, *PRICE_SORTS)
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class SkuView:
    sku: Sku
    price: LinePrice | None  # None: prices are hidden from this visitor
    available: int

    @property
    def unit_points(self) -> int | None:
        return self.price.unit_points if self.price else None

    @property
    def price_source(self) -> str | None:
        return self.price.source if self.price else None


@dataclass(frozen=True)
class ProductView:
    product: Product
    category: Category | None
    skus: list[SkuView]

    @cached_property
    def prices_shown(self) -> bool:
        return all(s.price is not None for s in self.skus)

    @cached_property
    def min_points(self) -> int | None:
        return min((s.unit_points for s in self.skus if s.unit_points is not None), default=None)

    @cached_property
    def max_points(self) -> int | None:
        return max((s.unit_points for s in self.skus if s.unit_points is not None), default=None)

    @cached_property
    def in_stock(self) -> bool:
        return any(s.available > 0 for s in self.skus)

    @cached_property
    def sizes(self) -> list[str]:
        return list(dict.fromkeys(s.sku.size for s in self.skus if s.sku.size))

    @cached_property
    def colours(self) -> list[str]:
        return list(dict.fromkeys(s.sku.colour for s in self.skus if s.sku.colour))

    @cached_property
    def card_shows(self) -> tuple[Hashable, ...]:
        """Everything a product card shows besides the tenant's configuration: which SKUs
        (its sizes), the price range and whether one is in stock (rendered cards are kept
        by it)."""
        ids = tuple(s.sku.id for s in self.skus)
        shown = (self.prices_shown, self.min_points, self.max_points, self.in_stock)
        return (self.product.id, ids, *shown)

    @cached_property
    def listing_shows(self) -> tuple[Hashable, ...]:
        """Everything the product's listing entry shows besides the tenant's
        configuration: each SKU with its price and stock (its JSON is kept by it)."""
        return (
            self.product.id,
            tuple((s.sku.id, s.unit_points, s.price_source, s.available) for s in self.skus),
        )


@dataclass(frozen=True)
class ProductPage:
    items: list[ProductView]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def attribute_values(ctx: Context) -> tuple[list[str], list[str]]:
    """The sizes and colours offered, for the filters (sizes in size order)."""
    sizes, colours = index.attribute_values(ctx)
    return list(sizes), list(colours)


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.position, Category.name)))


MAX_SEARCH_WORDS = 8
_WORD = re.compile(r"[\w-]+", re.UNICODE)


def search_words(q: str) -> list[str]:
    """The words of a search, lower-cased, without operators of any search syntax."""
    words = [w.strip("-") for w in _WORD.findall(q.lower())]
    return [w for w in words if w][:MAX_SEARCH_WORDS]


def _matches(dialect: str, words: list[str]) -> ColumnElement[bool]:
    """Every word, as a prefix, in the product's name, description, category, SKU codes,
    sizes or colours: FTS5 on SQLite, the tsvector index on PostgreSQL."""
    if dialect == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        vector: ColumnElement[Any] = literal_column("products.search_vector")
        return vector.op("@@", return_type=Boolean)(func.to_tsquery("simple", query))
    if dialect == "sqlite":
        query = " ".join(f'"{w}"*' for w in words)
        matching: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(table("product_search"))
            .where(literal_column("product_search").op("MATCH", return_type=Boolean)(query))
        )
        return Product.id.in_(matching)
    conditions = [Product.search_text.like(f"%{w}%") for w in words]
    return and_(*conditions)


def prices_shown(ctx: Context) -> bool:
    """Signed-in people always see their prices; visitors only where prices are public."""
    return ctx.actor is not None or ctx.tenant.access_mode is AccessMode.PUBLIC_PRICES


# Product views as a viewer sees them, by everything they show: the SKUs the viewer's
# catalog access lets them see, the price lists that price them (where only the core
# prices) and each SKU's stock, read fresh on every page. A view is built once per such
# combination, not on every request (it was a third of a catalog page's time).
VIEW_LIMIT = 5_000  # views kept per catalog access (some 200 pages) before starting afresh


@dataclass
class _Seen:
    """What one catalog access sees: per product, the SKUs it may see (and their ids); and
    the views built for it, by product, prices shown, price lists and stock."""

    skus: dict[int, tuple[tuple[Sku, ...], tuple[int, ...]]] = field(default_factory=dict)
    views: dict[tuple[Hashable, ...], ProductView] = field(default_factory=dict)


_seen = ConfigCache[_Seen](limit=500)


def _views(ctx: Context, product_ids: list[int]) -> list[ProductView]:
    """The cards of these products with the SKUs the actor may see, their stock now and
    their prices for the actor (no query for cards, access or prices once warm)."""
    if not product_ids:
        return []
    found = index.cards(ctx, product_ids)
    seen = _seen.get(ctx, _Seen, segments.access_for(ctx))
    visible = index.visible_skus(ctx)
    rows = []
    for product, skus in found.values():
        kept = seen.skus.get(product.id)
        if kept is None:
            shown_skus = tuple(s for s in skus if visible is None or s.id in visible)
            kept = seen.skus[product.id] = (shown_skus, tuple(s.id for s in shown_skus))
        rows.append((product, *kept))
    stock = index.available(ctx.session, [sku_id for _p, _s, ids in rows for sku_id in ids])
    shown = prices_shown(ctx)
    prices = pricing.reuse_key(ctx) if shown else ()
    views: list[ProductView | None] = []
    missing = []
    for product, skus, ids in rows:
        units = tuple(stock.get(sku_id, 0) for sku_id in ids)
        key = (product.id, shown, prices, units)
        view = seen.views.get(key) if prices is not None else None
        if view is None:
            missing.append((len(views), product, skus, units, key))
        views.append(view)
    if missing and shown:
        pricing.prepare(
            ctx,
            [sku.id for _i, _p, skus, _u, _k in missing for sku in skus],
            {sku.id: product.category_id for _i, product, skus, _u, _k in missing for sku in skus},
        )
    cats = {c.id: c for c in index.categories(ctx)} if missing else {}
    for position, product, skus, units, key in missing:
        view = ProductView(
            product,
            cats.get(product.category_id) if product.category_id else None,
            [
                SkuView(
                    sku,
                    pricing.price_line(ctx, sku, sku.min_quantity, category_id=product.category_id)
                    if shown
                    else None,
                    available,
                )
                for sku, available in zip(skus, units, strict=True)
            ],
        )
        if prices is not None:
            if len(seen.views) >= VIEW_LIMIT:
                seen.views = {}  # replaced, never cleared: other threads may be reading it
            seen.views[key] = view
        views[position] = view
    return [view for view in views if view is not None]


def list_products(
    ctx: Context,
    *,
    q: str = "",
    category: str | None = None,
    size: str | None = None,
    colour: str | None = None,
    sort: str = "name",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> ProductPage:
    """A page of the products the actor may see. ``size``/``colour`` keep products with an
    active SKU of that size or colour; ``sort`` is ``name``, ``-name``, ``newest``,
    ``price`` or ``-price`` (lowest price first / last); ``q`` is a full-text search (see
    ``_matches``)."""
    if sort not in SORT_NAMES:
        raise Invalid(f"sort by one of: {', '.join(SORT_NAMES)}")
    if sort in PRICE_SORTS and not prices_shown(ctx):
        raise Invalid("prices are shown only to signed-in people here; sort by name or newest")
    if page < 1:
        raise Invalid("page numbers start at 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    offset = (page - 1) * page_size
    words = search_words(q)
    if from_index(q=q, size=size, colour=colour, sort=sort):
        ids = _indexed(ctx, category, sort)
        return ProductPage(
            _views(ctx, list(ids[offset : offset + page_size])), len(ids), page, page_size
        )
    where: list[ColumnElement[bool]] = [Product.is_active.is_(True), *index.visible_product(ctx)]
    if category:
        where.append(Product.category_id.in_(select(Category.id).where(Category.slug == category)))
    if words:
        where.append(_matches(ctx.session.get_bind().dialect.name, words))
    attributes = [
        column == value for column, value in ((Sku.size, size), (Sku.colour, colour)) if value
    ]
    if attributes:
        where.append(
            exists(select(Sku.id).where(Sku.product_id == Product.id, Sku.is_active, *attributes))
        )
    total = ctx.session.scalar(select(func.count()).select_from(Product).where(*where)) or 0
    ids = list(
        ctx.session.scalars(
            select(Product.id)
            .where(*where)
            .order_by(*_order(ctx, sort))
            .limit(page_size)
            .offset(offset)
        )
    )
    return ProductPage(_views(ctx, ids), total, page, page_size)


def from_index(*, q: str, size: str | None, colour: str | None, sort: str) -> bool:
    """Whether such a listing is a slice of the per-process index (a plain browse, by
    category or not), rather than a search, attribute filter or price sort in SQL."""
    return not (search_words(q) or size or colour or sort in PRICE_SORTS)


def _indexed(ctx: Context, category: str | None, sort: str) -> Sequence[int]:
    """The visible product ids for a plain browse, from the per-process index."""
    if category:
        found = next((c.id for c in index.categories(ctx) if c.slug == category), None)
        ids: Sequence[int] = () if found is None else index.in_category(ctx, found)
    else:
        ids = index.order(ctx).ids
    if sort == "-name":
        return ids[::-1]
    if sort == "newest":
        return sorted(ids, reverse=True)
    return ids


def _order(ctx: Context, sort: str) -> tuple[Any, ...]:
    if sort not in PRICE_SORTS:
        return SORTS[sort]
    key = sorting.product_price_key(ctx, segments.sku_condition(segments.access_for(ctx)))
    return (key.desc() if sort == "-price" else key.asc(), Product.name, Product.id)


def product_view(ctx: Context, product_id: int) -> ProductView:
    if product_id not in index.order(ctx).members:
        raise NotFound("no such product")
    return _views(ctx, [product_id])[0]


def search_text(product: Product, skus: list[Sku], category: Category | None) -> str:
    parts = [product.name, product.description, category.name if category else ""]
    for sku in skus:
        parts += [sku.code, sku.size or "", sku.colour or ""]
    return " ".join(p for p in parts if p).lower()


def create_category(session: Session, tenant_id: int, slug: str, name: str) -> Category:
    if session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        raise Conflict(f"category {slug} exists already")
    category = Category(tenant_id=tenant_id, slug=slug, name=name)
    session.add(category)
    session.flush()
    bump_config(session, tenant_id)  # cached category lists reload
    return category


def create_product(
    session: Session,
    tenant_id: int,
    *,
    slug: str,
    name: str,
    description: str,
    category: Category | None,
    variants: list[tuple[str, str | None, str | None, int, int]],
) -> Product:
    """Create a product with its SKUs: (code, size, colour, price_points, on_hand) each."""
    product = Product(
        tenant_id=tenant_id,
        slug=slug,
        name=name,
        description=description,
        category_id=category.id if category else None,
    )
    session.add(product)
    session.flush()
    skus = []
    for position, (code, size, colour, price, on_hand) in enumerate(variants):
        if price < 0 or on_hand < 0:
            raise Invalid("prices and stock cannot be negative")
        sku = Sku(
            tenant_id=tenant_id,
            product_id=product.id,
            code=code,
            size=size,
            colour=colour,
            price_points=price,
            position=position,
        )
        session.add(sku)
        skus.append((sku, on_hand))
    session.flush()
    # Stock lands in the default warehouse, with a movement (commissary.inventory.stock).
    initial_stock(session, tenant_id, {sku.id: on_hand for sku, on_hand in skus})
    product.search_text = search_text(product, [s for s, _ in skus], category)
    session.flush()
    segments.refresh_catalogs_for_product(session, tenant_id, product.id)
    bump_config(session, tenant_id)  # cached listings (commissary.catalog.index) reload
    return product
