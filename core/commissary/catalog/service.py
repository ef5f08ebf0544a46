"""Browsing and maintaining the catalog.

A listing page costs a fixed number of statements whatever its size: one for the page of
products, one for the count, one for their SKUs with stock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.errors import Conflict, Invalid, NotFound
from commissary.inventory.models import StockLevel

PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class SkuView:
    sku: Sku
    unit_points: int
    price_source: str
    available: int


@dataclass(frozen=True)
class ProductView:
    product: Product
    category: Category | None
    skus: list[SkuView]

    @property
    def min_points(self) -> int | None:
        return min((s.unit_points for s in self.skus), default=None)

    @property
    def max_points(self) -> int | None:
        return max((s.unit_points for s in self.skus), default=None)

    @property
    def in_stock(self) -> bool:
        return any(s.available > 0 for s in self.skus)

    @property
    def sizes(self) -> list[str]:
        return list(dict.fromkeys(s.sku.size for s in self.skus if s.sku.size))

    @property
    def colours(self) -> list[str]:
        return list(dict.fromkeys(s.sku.colour for s in self.skus if s.sku.colour))


@dataclass(frozen=True)
class ProductPage:
    items: list[ProductView]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.position, Category.name)))


def _views(ctx: Context, products: list[Product]) -> list[ProductView]:
    if not products:
        return []
    rows = ctx.session.execute(
        select(Sku, func.coalesce(StockLevel.on_hand - StockLevel.reserved, 0))
        .outerjoin(StockLevel, StockLevel.sku_id == Sku.id)
        .where(Sku.product_id.in_([p.id for p in products]), Sku.is_active)
        .order_by(Sku.product_id, Sku.position, Sku.id)
    ).all()
    by_product: dict[int, list[SkuView]] = {p.id: [] for p in products}
    for sku, avail in rows:
        quote = ctx.hooks.resolve_unit_price(ctx=ctx, sku=sku, quantity=1)
        by_product[sku.product_id].append(SkuView(sku, quote.unit_points, quote.source, avail))
    cats = {c.id: c for c in categories(ctx.session)}
    return [
        ProductView(p, cats.get(p.category_id) if p.category_id else None, by_product[p.id])
        for p in products
    ]


def list_products(
    ctx: Context,
    *,
    q: str = "",
    category: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> ProductPage:
    if page < 1:
        raise Invalid("page numbers start at 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    where: list[ColumnElement[bool]] = [Product.is_active.is_(True)]
    if category:
        where.append(Product.category_id.in_(select(Category.id).where(Category.slug == category)))
    for word in q.lower().split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(or_(Product.search_text.like(f"%{escaped}%", escape="\\")))
    total = ctx.session.scalar(select(func.count()).select_from(Product).where(*where)) or 0
    products = list(
        ctx.session.scalars(
            select(Product)
            .where(*where)
            .order_by(Product.name, Product.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    )
    return ProductPage(_views(ctx, products), total, page, page_size)


def product_view(ctx: Context, product_id: int) -> ProductView:
    product = ctx.session.scalar(select(Product).where(Product.id == product_id, Product.is_active))
    if product is None:
        raise NotFound("no such product")
    return _views(ctx, [product])[0]


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
    for sku, on_hand in skus:
        session.add(StockLevel(tenant_id=tenant_id, sku_id=sku.id, on_hand=on_hand, reserved=0))
    product.search_text = search_text(product, [s for s, _ in skus], category)
    session.flush()
    return product
