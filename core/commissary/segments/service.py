"""Customer types, curated catalogs, and what each person may see and order.

Visibility rule (also in ``docs/catalog.md``):

1. A customer type with catalogs restricts its members to those catalogs; a type without
   catalogs restricts nothing. A person sees the union of their types' catalogs, so one
   unrestricted type (or having no type at all) means no restriction by type.
2. A location with its own catalog further restricts its people to that catalog
   (intersection with rule 1).
3. A SKU outside what a person may see does not exist for them: 404 in pages, API, search,
   cart and checkout alike.

A person's access (which catalog ids apply) is cached per process by tenant
``config_version``: every change of types, assignments, catalog links or a location's
catalog bumps it. Catalog *membership* is read in SQL from ``catalog_skus`` each time,
so adding a product to a category takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.db import replace_rows
from commissary.errors import Conflict, Invalid, NotFound
from commissary.identity.models import Location, User
from commissary.segments.models import (
    Catalog,
    CatalogEntry,
    CatalogSku,
    CustomerType,
    CustomerTypeCatalog,
    EntryKind,
    LocationCatalog,
    UserCustomerType,
)
from commissary.tenants.cache import ConfigCache
from commissary.tenants.service import bump_config

MEMO_KEY = "catalog_access"


@dataclass(frozen=True)
class CatalogAccess:
    """Which catalogs bound what one person sees; None means "not restricted by this"."""

    type_catalogs: tuple[int, ...] | None = None
    location_catalog: int | None = None

    @property
    def unrestricted(self) -> bool:
        return self.type_catalogs is None and self.location_catalog is None


UNRESTRICTED = CatalogAccess()
# Per person and location, until the tenant's configuration changes.
_access_caches = ConfigCache[CatalogAccess]()
# Per person: assigning customer types bumps the configuration.
_type_caches = ConfigCache[frozenset[int]]()


def customer_type_ids(ctx: Context, user_id: int) -> frozenset[int]:
    """The person's customer types, cached until the tenant's configuration changes (for
    price lists and entitlements)."""
    return _type_caches.get(
        ctx,
        lambda: frozenset(
            ctx.session.scalars(
                select(UserCustomerType.customer_type_id).where(UserCustomerType.user_id == user_id)
            )
        ),
        user_id,
    )


def cached_customer_type_ids(ctx: Context, user_id: int) -> frozenset[int] | None:
    """The person's customer types if already cached, without a query."""
    return _type_caches.peek(ctx, user_id)


def access_for(ctx: Context) -> CatalogAccess:
    """The actor's catalog access (everything for anonymous visitors of public catalogs,
    whose view is bounded by the tenant's access mode instead)."""
    memo = ctx.memo.get(MEMO_KEY)
    if memo is not None:
        return memo  # type: ignore[no-any-return]
    actor = ctx.actor
    if actor is None:
        access = UNRESTRICTED
    else:
        access = _access_caches.get(
            ctx, lambda: _load_access(ctx.session, actor), actor.id, actor.location_id
        )
    ctx.memo[MEMO_KEY] = access
    return access


def _load_access(session: Session, user: User) -> CatalogAccess:
    rows = session.execute(
        select(UserCustomerType.customer_type_id, CustomerTypeCatalog.catalog_id)
        .outerjoin(
            CustomerTypeCatalog,
            CustomerTypeCatalog.customer_type_id == UserCustomerType.customer_type_id,
        )
        .where(UserCustomerType.user_id == user.id)
    ).all()
    by_type: dict[int, set[int]] = {}
    for type_id, catalog_id in rows:
        found = by_type.setdefault(type_id, set())
        if catalog_id is not None:
            found.add(catalog_id)
    type_catalogs: tuple[int, ...] | None = None
    if by_type and all(by_type.values()):
        type_catalogs = tuple(sorted(set().union(*by_type.values())))
    location_catalog = None
    if user.location_id is not None:
        location_catalog = session.scalar(
            select(LocationCatalog.catalog_id).where(
                LocationCatalog.location_id == user.location_id
            )
        )
    return CatalogAccess(type_catalogs, location_catalog)


def sku_condition(access: CatalogAccess) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``Sku.id`` that keep only the SKUs ``access`` allows."""
    conditions: list[ColumnElement[bool]] = []
    if access.type_catalogs is not None:
        conditions.append(
            Sku.id.in_(
                select(CatalogSku.sku_id).where(CatalogSku.catalog_id.in_(access.type_catalogs))
            )
        )
    if access.location_catalog is not None:
        conditions.append(
            Sku.id.in_(
                select(CatalogSku.sku_id).where(CatalogSku.catalog_id == access.location_catalog)
            )
        )
    return conditions


def visible_sku_ids(ctx: Context, sku_ids: Iterable[int]) -> set[int]:
    """Those of ``sku_ids`` the actor may see (all of them, without a query, when the actor
    is not restricted)."""
    wanted = set(sku_ids)
    access = access_for(ctx)
    if access.unrestricted or not wanted:
        return wanted
    return set(
        ctx.session.scalars(select(Sku.id).where(Sku.id.in_(wanted), *sku_condition(access)))
    )


def require_visible(ctx: Context, sku_id: int) -> None:
    if sku_id not in visible_sku_ids(ctx, [sku_id]):
        raise NotFound("no such item")


# --------------------------------------------------------------------------- maintenance


def refresh_catalog(session: Session, tenant_id: int, catalog_id: int) -> None:
    """Recompute a catalog's SKUs from its entries (categories, products, SKUs)."""
    entries = select(CatalogEntry.kind, CatalogEntry.target_id).where(
        CatalogEntry.catalog_id == catalog_id
    )
    rows = session.execute(entries).all()
    categories = [t for k, t in rows if k is EntryKind.CATEGORY]
    products = [t for k, t in rows if k is EntryKind.PRODUCT]
    skus = [t for k, t in rows if k is EntryKind.SKU]
    session.execute(
        delete(CatalogSku)
        .where(CatalogSku.catalog_id == catalog_id)
        .execution_options(synchronize_session=False)
    )
    members = (
        select(Sku.id)
        .join(Product, Product.id == Sku.product_id)
        .where(
            Sku.tenant_id == tenant_id,
            Sku.id.in_(skus) | Product.id.in_(products) | Product.category_id.in_(categories),
        )
    )
    ids = list(session.scalars(members))
    if ids:
        session.execute(
            insert(CatalogSku),
            [{"tenant_id": tenant_id, "catalog_id": catalog_id, "sku_id": i} for i in ids],
        )


def refresh_catalogs_for_product(session: Session, tenant_id: int, product_id: int) -> None:
    """After a product was created or moved: refresh every catalog that may name it."""
    product = session.get(Product, product_id)
    if product is None:
        return
    sku_ids = list(session.scalars(select(Sku.id).where(Sku.product_id == product_id)))
    targets = [
        (CatalogEntry.kind == EntryKind.PRODUCT) & (CatalogEntry.target_id == product_id),
        (CatalogEntry.kind == EntryKind.SKU) & CatalogEntry.target_id.in_(sku_ids),
    ]
    if product.category_id is not None:
        targets.append(
            (CatalogEntry.kind == EntryKind.CATEGORY)
            & (CatalogEntry.target_id == product.category_id)
        )
    condition = targets[0]
    for target in targets[1:]:
        condition = condition | target
    catalogs = set(session.scalars(select(CatalogEntry.catalog_id).where(condition)))
    # A product that left a category must also leave that category's catalogs.
    catalogs |= set(
        session.scalars(
            select(CatalogSku.catalog_id).where(CatalogSku.sku_id.in_(sku_ids)).distinct()
        )
    )
    for catalog_id in sorted(catalogs):
        refresh_catalog(session, tenant_id, catalog_id)


def _catalog(session: Session, catalog_id: int) -> Catalog:
    catalog = session.get(Catalog, catalog_id)
    if catalog is None:
        raise NotFound("no such catalog")
    return catalog


def _customer_type(session: Session, type_id: int) -> CustomerType:
    found = session.get(CustomerType, type_id)
    if found is None:
        raise NotFound("no such customer type")
    return found


def create_customer_type(ctx: Context, code: str, name: str, description: str = "") -> CustomerType:
    code = code.strip()
    if not code or not name.strip():
        raise Invalid("a customer type needs a code and a name")
    if ctx.session.scalar(select(CustomerType.id).where(CustomerType.code == code)):
        raise Conflict(f"customer type {code} exists already")
    found = CustomerType(
        tenant_id=ctx.tenant.id, code=code, name=name.strip(), description=description
    )
    ctx.session.add(found)
    ctx.session.flush()
    return found


def customer_types(session: Session) -> list[CustomerType]:
    return list(session.scalars(select(CustomerType).order_by(CustomerType.name)))


def type_catalog_ids(session: Session) -> dict[int, list[int]]:
    rows = session.execute(
        select(CustomerTypeCatalog.customer_type_id, CustomerTypeCatalog.catalog_id)
    ).all()
    result: dict[int, list[int]] = {}
    for type_id, catalog_id in rows:
        result.setdefault(type_id, []).append(catalog_id)
    return result


def set_type_catalogs(ctx: Context, type_id: int, catalog_ids: list[int]) -> None:
    """Replace the catalogs a customer type restricts its members to (empty: none)."""
    _customer_type(ctx.session, type_id)
    for catalog_id in catalog_ids:
        _catalog(ctx.session, catalog_id)
    links = [
        CustomerTypeCatalog(tenant_id=ctx.tenant.id, customer_type_id=type_id, catalog_id=c)
        for c in sorted(set(catalog_ids))
    ]
    replace_rows(ctx.session, CustomerTypeCatalog.customer_type_id, type_id, links)
    bump_config(ctx.session, ctx.tenant.id)


def set_user_types(ctx: Context, user_id: int, type_ids: list[int]) -> None:
    if ctx.session.get(User, user_id) is None:
        raise NotFound("no such user")
    for type_id in type_ids:
        _customer_type(ctx.session, type_id)
    links = [
        UserCustomerType(tenant_id=ctx.tenant.id, user_id=user_id, customer_type_id=t)
        for t in sorted(set(type_ids))
    ]
    replace_rows(ctx.session, UserCustomerType.user_id, user_id, links)
    bump_config(ctx.session, ctx.tenant.id)


def user_type_ids(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(UserCustomerType.customer_type_id).where(UserCustomerType.user_id == user_id)
        )
    )


def create_catalog(ctx: Context, code: str, name: str) -> Catalog:
    code = code.strip()
    if not code or not name.strip():
        raise Invalid("a catalog needs a code and a name")
    catalog = Catalog(tenant_id=ctx.tenant.id, code=code, name=name.strip())
    ctx.session.add(catalog)
    try:
        ctx.session.flush()
    except IntegrityError:
        raise Conflict(f"catalog {code} exists already") from None
    return catalog


def catalogs(session: Session) -> list[Catalog]:
    return list(session.scalars(select(Catalog).order_by(Catalog.name)))


def set_catalog_entries(
    ctx: Context,
    catalog_id: int,
    *,
    category_ids: Iterable[int] = (),
    product_ids: Iterable[int] = (),
    sku_ids: Iterable[int] = (),
) -> int:
    """Replace what a catalog names; returns how many SKUs it holds now. Every id must
    belong to this tenant (another tenant's id is "no such ...", 404)."""
    _catalog(ctx.session, catalog_id)
    category_ids, product_ids, sku_ids = list(category_ids), list(product_ids), list(sku_ids)
    for model, ids, what in (
        (Category, category_ids, "category"),
        (Product, product_ids, "product"),
        (Sku, sku_ids, "SKU"),
    ):
        wanted = set(ids)
        if not wanted:
            continue
        found = set(ctx.session.scalars(select(model.id).where(model.id.in_(wanted))))
        missing = sorted(wanted - found)
        if missing:
            raise NotFound(f"no such {what}: {', '.join(map(str, missing))}")
    ctx.session.execute(
        delete(CatalogEntry)
        .where(CatalogEntry.catalog_id == catalog_id)
        .execution_options(synchronize_session=False)
    )
    for kind, ids in (
        (EntryKind.CATEGORY, category_ids),
        (EntryKind.PRODUCT, product_ids),
        (EntryKind.SKU, sku_ids),
    ):
        for target in sorted(set(ids)):
            ctx.session.add(
                CatalogEntry(
                    tenant_id=ctx.tenant.id, catalog_id=catalog_id, kind=kind, target_id=target
                )
            )
    ctx.session.flush()
    refresh_catalog(ctx.session, ctx.tenant.id, catalog_id)
    return catalog_size(ctx.session, catalog_id)


def catalog_size(session: Session, catalog_id: int) -> int:
    count = select(func.count()).select_from(CatalogSku).where(CatalogSku.catalog_id == catalog_id)
    return session.scalar(count) or 0


def catalog_entries(session: Session, catalog_id: int) -> dict[EntryKind, list[int]]:
    _catalog(session, catalog_id)
    result: dict[EntryKind, list[int]] = {kind: [] for kind in EntryKind}
    for kind, target in session.execute(
        select(CatalogEntry.kind, CatalogEntry.target_id)
        .where(CatalogEntry.catalog_id == catalog_id)
        .order_by(CatalogEntry.kind, CatalogEntry.target_id)
    ):
        result[kind].append(target)
    return result


def set_location_catalog(ctx: Context, location_id: int, catalog_id: int | None) -> None:
    if ctx.session.get(Location, location_id) is None:
        raise NotFound("no such location")
    if catalog_id is not None:
        _catalog(ctx.session, catalog_id)
    ctx.session.execute(
        delete(LocationCatalog)
        .where(LocationCatalog.location_id == location_id)
        .execution_options(synchronize_session=False)
    )
    if catalog_id is not None:
        ctx.session.add(
            LocationCatalog(tenant_id=ctx.tenant.id, location_id=location_id, catalog_id=catalog_id)
        )
    bump_config(ctx.session, ctx.tenant.id)
    ctx.session.flush()
