"""API shapes of the catalog."""

from __future__ import annotations

from pydantic import BaseModel

from commissary.catalog.service import ProductView
from commissary.entitlements.schemas import UsagePublic


class CategoryPublic(BaseModel):
    id: int
    slug: str
    name: str


class SkuPublic(BaseModel):
    id: int
    code: str
    size: str | None
    colour: str | None
    # None where the portal hides prices from visitors (access mode ``public_catalog``).
    unit_points: int | None
    price_source: str | None
    available: int
    # GET /products/{id} for a signed-in buyer: the strictest entitlement covering the SKU.
    entitlement: UsagePublic | None = None


class ProductPublic(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    category: CategoryPublic | None
    min_points: int | None
    skus: list[SkuPublic]

    @classmethod
    def of(cls, view: ProductView) -> ProductPublic:
        c = view.category
        return cls(
            id=view.product.id,
            slug=view.product.slug,
            name=view.product.name,
            description=view.product.description,
            category=CategoryPublic(id=c.id, slug=c.slug, name=c.name) if c else None,
            min_points=view.min_points,
            skus=[
                SkuPublic(
                    id=s.sku.id,
                    code=s.sku.code,
                    size=s.sku.size,
                    colour=s.sku.colour,
                    unit_points=s.unit_points,
                    price_source=s.price_source,
                    available=max(s.available, 0),
                )
                for s in view.skus
            ],
        )


class ProductList(BaseModel):
    items: list[ProductPublic]
    total: int
    page: int
    page_size: int
