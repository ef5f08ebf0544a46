"""Per-process caches behind the catalog pages, so that a warm listing costs two statements
(the sign-in and the page's stock) whatever the size of the catalog.

What is cached changes only with the tenant's configuration, and every change to it bumps
``config_version`` (creating products or categories, curating the master catalog, catalog
membership, customer types, price lists, kits): so a value keyed by the version never
needs invalidating. Cached per version:

* the products a person may see, in name order, with their categories, per catalog access
  (their customer types' and location's catalogs): the count, the page and the category
  filter are slices of it;
* each product's card (the product and its active SKUs), loaded the first time a page
  shows it, as objects that belong to no session (read-only, never added to one);
* the SKUs a restricted access may see; the categories; the sizes and colours offered.

Stock is never cached: each page reads its SKUs' availability fresh. Search, attribute
filters and price sorting run in SQL and only use the cards for the page they return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from threading import Lock
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, exists, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.db import scoped
from commissary.inventory.models import StockLevel
from commissary.segments import service as segments
from commissary.segments.models import CatalogSku
from commissary.tenants.cache import ConfigCache

CARD_LIMIT = 20_000  # products per tenant version kept in memory before starting afresh


@dataclass(frozen=True)
class Order:
    """The products one access may see, in (name, id) order."""

    ids: tuple[int, ...]
    categories: tuple[int | None, ...]
    members: frozenset[int]

    def in_category(self, category_id: int) -> tuple[int, ...]:
        return tuple(
            pid for pid, cid in zip(self.ids, self.categories, strict=True) if cid == category_id
        )


@dataclass
class Cards:
    by_id: dict[int, tuple[Product, tuple[Sku, ...]]] = field(default_factory=dict)
    lock: Lock = field(default_factory=Lock)


_orders = ConfigCache[Order](limit=1_000)
_filtered = ConfigCache[tuple[int, ...]](limit=5_000)
_cards = ConfigCache[Cards](limit=100)
_visible = ConfigCache[frozenset[int]](limit=1_000)
_categories = ConfigCache[tuple[Category, ...]]()
_attributes = ConfigCache[tuple[tuple[str, ...], tuple[str, ...]]]()


def visible_product(ctx: Context) -> list[ColumnElement[bool]]:
    """Conditions keeping the products with at least one active SKU the actor may see."""
    access = segments.access_for(ctx)
    if access.unrestricted:
        return []
    visible = select(Sku.id).where(
        Sku.product_id == Product.id, Sku.is_active, *segments.sku_condition(access)
    )
    return [exists(visible)]


def _load_order(ctx: Context) -> Order:
    rows = ctx.session.execute(
        select(Product.id, Product.category_id)
        .where(Product.is_active.is_(True), *visible_product(ctx))
        .order_by(Product.name, Product.id)
    ).all()
    ids = tuple(r[0] for r in rows)
    return Order(ids, tuple(r[1] for r in rows), frozenset(ids))


def order(ctx: Context) -> Order:
    """The visible products in name order (loaded once per access and version)."""
    return _orders.get(ctx, lambda: _load_order(ctx), segments.access_for(ctx))


_offered = ConfigCache[tuple[Category, ...]](limit=1_000)


def offered_categories(ctx: Context) -> tuple[Category, ...]:
    """The categories in which the actor may see at least one product, in display order:
    the catalog's category links (a buyer restricted to safety equipment is not offered
    forty empty categories)."""

    def load() -> tuple[Category, ...]:
        used = set(order(ctx).categories)
        return tuple(c for c in categories(ctx) if c.id in used)

    return _offered.get(ctx, load, segments.access_for(ctx))


def in_category(ctx: Context, category_id: int) -> tuple[int, ...]:
    return _filtered.get(
        ctx, lambda: order(ctx).in_category(category_id), segments.access_for(ctx), category_id
    )


def visible_skus(ctx: Context) -> frozenset[int] | None:
    """The SKU ids the actor may see, or None when their access is unrestricted."""
    access = segments.access_for(ctx)
    if access.unrestricted:
        return None

    def load() -> frozenset[int]:
        allowed: set[int] | None = None
        groups: list[ColumnElement[bool]] = []
        if access.type_catalogs is not None:
            groups.append(CatalogSku.catalog_id.in_(access.type_catalogs))
        if access.location_catalog is not None:
            groups.append(CatalogSku.catalog_id == access.location_catalog)
        for condition in groups:
            found = set(ctx.session.scalars(select(CatalogSku.sku_id).where(condition)))
            allowed = found if allowed is None else allowed & found
        return frozenset(allowed or ())

    return _visible.get(ctx, load, segments.access_for(ctx))


def _columns(model: type[Any]) -> list[Any]:
    """Every mapped column of ``model`` as ORM attributes, so that the tenant criteria
    apply to a select of them as to a select of the entity."""
    return [getattr(model, column.key) for column in model.__table__.columns]


def _detached(model: type[Any], row: Any) -> Any:
    """A model object built from a row, belonging to no session."""
    return model(**dict(row._mapping))


@cache
def _card_queries() -> tuple[Select[Any], Select[Any]]:
    products = scoped(
        select(*_columns(Product)).where(Product.id.in_(bindparam("ids", expanding=True)))
    )
    skus = scoped(
        select(*_columns(Sku))
        .where(Sku.product_id.in_(bindparam("ids", expanding=True)), Sku.is_active)
        .order_by(Sku.product_id, Sku.position, Sku.id)
    )
    return products, skus


def cards(ctx: Context, product_ids: Iterable[int]) -> dict[int, tuple[Product, tuple[Sku, ...]]]:
    """Each product with its active SKUs (all of them: filter by ``visible_skus``), in the
    order asked; ids that are no product are left out."""
    wanted = list(dict.fromkeys(product_ids))
    store = _cards.get(ctx, Cards)
    known = store.by_id  # a dict that is replaced, never cleared, when the store is full
    missing = [pid for pid in wanted if pid not in known]
    loaded: dict[int, tuple[Product, tuple[Sku, ...]]] = {}
    if missing:
        products_query, skus_query = _card_queries()
        products = {
            row.id: _detached(Product, row)
            for row in ctx.session.execute(products_query, {"ids": missing})
        }
        skus: dict[int, list[Sku]] = {pid: [] for pid in products}
        for row in ctx.session.execute(skus_query, {"ids": list(products)}):
            skus[row.product_id].append(_detached(Sku, row))
        loaded = {pid: (product, tuple(skus[pid])) for pid, product in products.items()}
        with store.lock:
            if len(store.by_id) + len(loaded) > CARD_LIMIT:
                store.by_id = {}
            store.by_id.update(loaded)
    found = {}
    for pid in wanted:
        card = loaded.get(pid) or known.get(pid)
        if card is not None:
            found[pid] = card
    return found


@cache
def _stock_query(dialect: str) -> Select[int, int]:
    # PostgreSQL takes the ids as one array parameter (= ANY): binding 120 separate
    # parameters cost more than the lookup itself.
    ids = (
        StockLevel.sku_id == any_(bindparam("ids", type_=ARRAY(Integer)))
        if dialect == "postgresql"
        else StockLevel.sku_id.in_(bindparam("ids", expanding=True))
    )
    return scoped(select(StockLevel.sku_id, StockLevel.on_hand - StockLevel.reserved).where(ids))


def available(session: Session, sku_ids: list[int]) -> dict[int, int]:
    """Units available now per SKU (never cached)."""
    if not sku_ids:
        return {}
    query = _stock_query(session.get_bind().dialect.name)
    return {sku_id: units for sku_id, units in session.execute(query, {"ids": sku_ids})}


def categories(ctx: Context) -> tuple[Category, ...]:
    """The tenant's categories in display order."""
    return _categories.get(
        ctx,
        lambda: tuple(
            _detached(Category, row)
            for row in ctx.session.execute(
                select(*_columns(Category)).order_by(Category.position, Category.name)
            )
        ),
    )


SIZE_ORDER = {v: i for i, v in enumerate(["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"])}


def attribute_values(ctx: Context) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sizes and colours offered, for the filters."""

    def load() -> tuple[tuple[str, ...], tuple[str, ...]]:
        rows = ctx.session.execute(
            select(Sku.size, Sku.colour).where(Sku.is_active).distinct()
        ).all()
        sizes = sorted({r[0] for r in rows if r[0]}, key=lambda v: (SIZE_ORDER.get(v, 99), v))
        return tuple(sizes), tuple(sorted({r[1] for r in rows if r[1]}))

    return _attributes.get(ctx, load)
