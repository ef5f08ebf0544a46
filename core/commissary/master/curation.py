"""Curating the master catalog into tenants: what each tenant sells, and keeping its
copies in step with the master.

A tenant sells master products through *selections*: a whole master category (products
the supplier adds to it later are adopted on the next feed) or one product, each at a
markup on the supplier's list price. Adoption copies the product into the tenant's own
catalog, so that everything a buyer does runs on tenant rows.

What a copy takes from the master, and what stays the tenant's:

* name, description, category, sizes, colours, SKU codes and which SKUs are active follow
  the master on every feed;
* the list price follows the master as ``round(list_points * (100 + markup) / 100)``,
  halves rounded up (a product selection's markup wins over its category's); negotiated
  prices, tiers and discounts for segments stay in the tenant's price lists;
* stock, quantity rules, curated catalogs per customer type or location, saved lists,
  entitlements and kits are the tenant's and are never touched.

A copy whose master product is withdrawn (by the supplier or by ending the selection) is
made inactive, never deleted: orders and reports refer to it. Selecting it again brings it
back. A master SKU whose code a tenant already uses for a product of its own is skipped and
reported; nothing of the tenant's is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from commissary.catalog.models import Category, Product, Sku
from commissary.catalog.service import search_text
from commissary.db import tenant_scope
from commissary.inventory.stock import initial_stock
from commissary.master.models import (
    AdoptedProduct,
    AdoptedSku,
    MasterCategory,
    MasterProduct,
    MasterSku,
    Selection,
)
from commissary.segments import service as segments
from commissary.tenants.service import bump_config

Progress = Callable[[int], None]


@dataclass
class CurationReport:
    adopted: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.adopted or self.updated or self.deactivated)


def tenant_price(list_points: int, markup_percent: int) -> int:
    """The tenant's list price for a master SKU: halves round up, never below 0."""
    exact = Decimal(list_points) * (100 + markup_percent) / 100
    return max(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), 0)


def _markups(session: Session, tenant_id: int) -> dict[int, int]:
    """Master product id → markup, for every active master product the tenant sells."""
    selections = session.scalars(select(Selection).where(Selection.tenant_id == tenant_id)).all()
    by_category = {s.category_id: s.markup_percent for s in selections if s.category_id}
    by_product = {s.product_id: s.markup_percent for s in selections if s.product_id}
    markups: dict[int, int] = {}
    if by_category:
        for pid, cid in session.execute(
            select(MasterProduct.id, MasterProduct.category_id).where(
                MasterProduct.category_id.in_(by_category), MasterProduct.is_active
            )
        ).all():
            if cid is not None:
                markups[pid] = by_category[cid]
    if by_product:
        for pid in session.scalars(
            select(MasterProduct.id).where(
                MasterProduct.id.in_(by_product), MasterProduct.is_active
            )
        ):
            markups[pid] = by_product[pid]
    return markups


def sync_tenant(
    session: Session,
    tenant_id: int,
    only: set[int] | None = None,
    progress: Progress | None = None,
) -> CurationReport:
    """Bring the tenant's copies in step with its selections and the master: adopt what
    it newly sells, update what it sells, deactivate what it no longer sells. ``only``
    limits the work to those master products (after a feed)."""
    with tenant_scope(session, tenant_id):
        return _sync(session, tenant_id, only, progress)


def _sync(
    session: Session, tenant_id: int, only: set[int] | None, progress: Progress | None
) -> CurationReport:
    report = CurationReport()
    markups = _markups(session, tenant_id)
    copies = dict(
        session.execute(select(AdoptedProduct.master_product_id, AdoptedProduct.product_id)).all()
    )
    wanted = set(markups) if only is None else set(markups) & only
    gone = (set(copies) - set(markups)) if only is None else (set(copies) & only) - set(markups)
    masters = _load_masters(session, wanted)
    for master_id in sorted(wanted):
        product, skus = masters[master_id]
        if master_id in copies:
            _update(
                session, tenant_id, copies[master_id], product, skus, markups[master_id], report
            )
        else:
            _adopt(session, tenant_id, product, skus, markups[master_id], report)
        if progress is not None:
            progress(1)
    for master_id in sorted(gone):
        _deactivate(session, copies[master_id], report)
    if report.changed:
        bump_config(session, tenant_id)
    session.flush()
    return report


def _load_masters(
    session: Session, ids: set[int]
) -> dict[int, tuple[MasterProduct, list[MasterSku]]]:
    found: dict[int, tuple[MasterProduct, list[MasterSku]]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for product in session.scalars(select(MasterProduct).where(MasterProduct.id.in_(chunk))):
            found[product.id] = (product, [])
        for sku in session.scalars(
            select(MasterSku)
            .where(MasterSku.product_id.in_(chunk))
            .order_by(MasterSku.position, MasterSku.id)
        ):
            found[sku.product_id][1].append(sku)
    return found


def _tenant_category(
    session: Session, tenant_id: int, master_category_id: int | None
) -> Category | None:
    if master_category_id is None:
        return None
    master = session.get(MasterCategory, master_category_id)
    assert master is not None
    category = session.scalar(select(Category).where(Category.slug == master.slug))
    if category is None:
        last = session.scalar(select(func.max(Category.position))) or 0
        # After the tenant's own categories: its storefront keeps the order it chose.
        category = Category(
            tenant_id=tenant_id, slug=master.slug, name=master.name, position=last + 1
        )
        session.add(category)
        session.flush()
    return category


def _free_slug(session: Session, slug: str) -> str:
    candidate, n = slug, 1
    while session.scalar(select(Product.id).where(Product.slug == candidate)) is not None:
        n += 1
        candidate = f"{slug}-{n}"[:150]
    return candidate


def _adopt(
    session: Session,
    tenant_id: int,
    master: MasterProduct,
    master_skus: list[MasterSku],
    markup: int,
    report: CurationReport,
) -> None:
    category = _tenant_category(session, tenant_id, master.category_id)
    taken = set(
        session.scalars(select(Sku.code).where(Sku.code.in_([m.code for m in master_skus])))
    )
    usable = [m for m in master_skus if m.code not in taken]
    for m in master_skus:
        if m.code in taken:
            report.skipped.append((m.code, "the portal has a SKU with this code of its own"))
    if not usable:
        return
    product = Product(
        tenant_id=tenant_id,
        slug=_free_slug(session, master.slug),
        name=master.name,
        description=master.description,
        category_id=category.id if category else None,
        is_active=master.is_active and any(m.is_active for m in usable),
    )
    session.add(product)
    session.flush()
    session.add(
        AdoptedProduct(tenant_id=tenant_id, product_id=product.id, master_product_id=master.id)
    )
    skus = [_new_sku(session, tenant_id, product.id, m, markup) for m in usable]
    initial_stock(session, tenant_id, {sku.id: 0 for sku in skus})
    product.search_text = search_text(product, skus, category)
    session.flush()
    segments.refresh_catalogs_for_product(session, tenant_id, product.id)
    report.adopted += 1


def _new_sku(
    session: Session, tenant_id: int, product_id: int, master: MasterSku, markup: int
) -> Sku:
    sku = Sku(
        tenant_id=tenant_id,
        product_id=product_id,
        code=master.code,
        size=master.size,
        colour=master.colour,
        price_points=tenant_price(master.list_points, markup),
        position=master.position,
        is_active=master.is_active,
    )
    session.add(sku)
    session.flush()
    session.add(AdoptedSku(tenant_id=tenant_id, sku_id=sku.id, master_sku_id=master.id))
    return sku


def _update(
    session: Session,
    tenant_id: int,
    product_id: int,
    master: MasterProduct,
    master_skus: list[MasterSku],
    markup: int,
    report: CurationReport,
) -> None:
    product = session.get(Product, product_id)
    if product is None:
        return
    category = _tenant_category(session, tenant_id, master.category_id)
    copies = dict(
        session.execute(
            select(AdoptedSku.master_sku_id, Sku)
            .join(Sku, Sku.id == AdoptedSku.sku_id)
            .where(Sku.product_id == product_id)
        ).all()
    )
    changed = False
    new_skus: list[MasterSku] = []
    for m in master_skus:
        sku = copies.get(m.id)
        if sku is None:
            new_skus.append(m)
            continue
        values = {
            "code": m.code,
            "size": m.size,
            "colour": m.colour,
            "price_points": tenant_price(m.list_points, markup),
            "position": m.position,
            "is_active": m.is_active,
        }
        if any(getattr(sku, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(sku, key, value)
            changed = True
    if new_skus:
        taken = set(
            session.scalars(select(Sku.code).where(Sku.code.in_([m.code for m in new_skus])))
        )
        added = []
        for m in new_skus:
            if m.code in taken:
                report.skipped.append((m.code, "the portal has a SKU with this code of its own"))
            else:
                added.append(_new_sku(session, tenant_id, product_id, m, markup))
        if added:
            initial_stock(session, tenant_id, {sku.id: 0 for sku in added})
            changed = True
    active = master.is_active and any(m.is_active for m in master_skus)
    category_id = category.id if category else None
    moved = product.category_id != category_id
    fields = (master.name, master.description, category_id, active)
    if (product.name, product.description, product.category_id, product.is_active) != fields:
        product.name, product.description, product.category_id, product.is_active = fields
        changed = True
    if not changed:
        report.unchanged += 1
        return
    session.flush()
    skus = list(session.scalars(select(Sku).where(Sku.product_id == product_id)))
    product.search_text = search_text(product, skus, category)
    session.flush()
    if moved or new_skus:
        segments.refresh_catalogs_for_product(session, tenant_id, product_id)
    report.updated += 1


def _deactivate(session: Session, product_id: int, report: CurationReport) -> None:
    product = session.get(Product, product_id)
    if product is None or not product.is_active:
        return
    product.is_active = False
    adopted = select(AdoptedSku.sku_id)
    session.execute(
        update(Sku)
        .where(Sku.product_id == product_id, Sku.id.in_(adopted))
        .values(is_active=False)
        .execution_options(synchronize_session="fetch")
    )
    report.deactivated += 1


def propagate(session: Session, master_product_ids: Iterable[int]) -> int:
    """After a feed changed these master products: update every tenant that has a copy
    of one or sells its category. Returns how many tenants changed."""
    ids = set(master_product_ids)
    if not ids:
        return 0
    categories = select(MasterProduct.category_id).where(MasterProduct.id.in_(ids))
    with tenant_scope(session, None):  # across tenants: the operator's view
        tenants = set(
            session.scalars(
                select(AdoptedProduct.tenant_id).where(AdoptedProduct.master_product_id.in_(ids))
            )
        ) | set(
            session.scalars(
                select(Selection.tenant_id).where(
                    or_(Selection.product_id.in_(ids), Selection.category_id.in_(categories))
                )
            )
        )
    changed = 0
    for tenant_id in sorted(tenants):
        if sync_tenant(session, tenant_id, only=ids).changed:
            changed += 1
    return changed


__all__ = [
    "CurationReport",
    "propagate",
    "sync_tenant",
    "tenant_price",
]
