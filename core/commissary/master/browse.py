"""Reading the master catalog for the operator console: a page of products with their
SKU count, price range and how many portals sell each, in a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from commissary.catalog.models import Product
from commissary.errors import Invalid
from commissary.master.models import (
    AdoptedProduct,
    MasterCategory,
    MasterProduct,
    MasterSku,
    Selection,
    Supplier,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class MasterRow:
    product: MasterProduct
    supplier: Supplier
    category: MasterCategory | None
    skus: int
    min_points: int | None
    max_points: int | None
    portals: int  # tenants with an active copy


@dataclass(frozen=True)
class MasterPage:
    rows: list[MasterRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class CategoryRow:
    category: MasterCategory
    products: int
    portals: int  # tenants selecting the whole category


def products(
    session: Session,
    *,
    q: str = "",
    supplier: str | None = None,
    category: str | None = None,
    page: int = 1,
) -> MasterPage:
    if page < 1:
        raise Invalid("page numbers start at 1")
    where = []
    if q.strip():
        like = f"%{q.strip().lower()}%"
        where.append(
            or_(
                func.lower(MasterProduct.name).like(like),
                MasterProduct.slug.like(like),
                MasterProduct.id.in_(
                    select(MasterSku.product_id).where(func.lower(MasterSku.code).like(like))
                ),
            )
        )
    if supplier:
        where.append(
            MasterProduct.supplier_id.in_(select(Supplier.id).where(Supplier.code == supplier))
        )
    if category:
        where.append(
            MasterProduct.category_id.in_(
                select(MasterCategory.id).where(MasterCategory.slug == category)
            )
        )
    total = session.scalar(select(func.count()).select_from(MasterProduct).where(*where)) or 0
    found = session.execute(
        select(MasterProduct, Supplier, MasterCategory)
        .join(Supplier, Supplier.id == MasterProduct.supplier_id)
        .outerjoin(MasterCategory, MasterCategory.id == MasterProduct.category_id)
        .where(*where)
        .order_by(MasterProduct.name, MasterProduct.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = [p.id for p, _s, _c in found]
    sku_stats = {
        pid: (n, lo, hi)
        for pid, n, lo, hi in session.execute(
            select(
                MasterSku.product_id,
                func.count(),
                func.min(MasterSku.list_points),
                func.max(MasterSku.list_points),
            )
            .where(MasterSku.product_id.in_(ids), MasterSku.is_active)
            .group_by(MasterSku.product_id)
        ).all()
    }
    portals = dict(
        session.execute(
            select(AdoptedProduct.master_product_id, func.count())
            .join(Product, Product.id == AdoptedProduct.product_id)
            .where(AdoptedProduct.master_product_id.in_(ids), Product.is_active)
            .group_by(AdoptedProduct.master_product_id)
        ).all()
    )
    rows = []
    for product, owner, category_row in found:
        count, low, high = sku_stats.get(product.id, (0, None, None))
        rows.append(
            MasterRow(product, owner, category_row, count, low, high, portals.get(product.id, 0))
        )
    return MasterPage(rows, total, page)


def suppliers(session: Session) -> list[tuple[Supplier, int]]:
    """Every supplier with its number of active master products."""
    counts = dict(
        session.execute(
            select(MasterProduct.supplier_id, func.count())
            .where(MasterProduct.is_active)
            .group_by(MasterProduct.supplier_id)
        ).all()
    )
    return [
        (s, counts.get(s.id, 0)) for s in session.scalars(select(Supplier).order_by(Supplier.name))
    ]


def categories(session: Session) -> list[CategoryRow]:
    counts = dict(
        session.execute(
            select(MasterProduct.category_id, func.count())
            .where(MasterProduct.is_active)
            .group_by(MasterProduct.category_id)
        ).all()
    )
    selected = dict(
        session.execute(
            select(Selection.category_id, func.count())
            .where(Selection.category_id.is_not(None))
            .group_by(Selection.category_id)
        ).all()
    )
    return [
        CategoryRow(c, counts.get(c.id, 0), selected.get(c.id, 0))
        for c in session.scalars(select(MasterCategory).order_by(MasterCategory.name))
    ]


@dataclass(frozen=True)
class SelectionRow:
    selection: Selection
    label: str
    kind: str  # "category" or "product"
    slug: str
    copies: int  # active tenant products it gives


def selections(session: Session, tenant_id: int) -> list[SelectionRow]:
    """The tenant's selections with what they name and how many products each gives."""
    chosen = session.scalars(
        select(Selection).where(Selection.tenant_id == tenant_id).order_by(Selection.id)
    ).all()
    cats = {
        c.id: c
        for c in session.scalars(
            select(MasterCategory).where(
                MasterCategory.id.in_([s.category_id for s in chosen if s.category_id])
            )
        )
    }
    prods = {
        p.id: p
        for p in session.scalars(
            select(MasterProduct).where(
                MasterProduct.id.in_([s.product_id for s in chosen if s.product_id])
            )
        )
    }
    active_copies = session.execute(
        select(AdoptedProduct.master_product_id, MasterProduct.category_id)
        .join(Product, Product.id == AdoptedProduct.product_id)
        .join(MasterProduct, MasterProduct.id == AdoptedProduct.master_product_id)
        .where(AdoptedProduct.tenant_id == tenant_id, Product.is_active)
    ).all()
    per_category: dict[int | None, int] = {}
    for _pid, cid in active_copies:
        per_category[cid] = per_category.get(cid, 0) + 1
    copied = {pid for pid, _cid in active_copies}
    rows = []
    for s in chosen:
        if s.category_id is not None:
            c = cats[s.category_id]
            rows.append(SelectionRow(s, c.name, "category", c.slug, per_category.get(c.id, 0)))
        elif s.product_id is not None:
            p = prods[s.product_id]
            rows.append(SelectionRow(s, p.name, "product", p.slug, int(p.id in copied)))
    return rows
