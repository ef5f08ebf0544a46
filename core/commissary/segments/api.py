"""Customer types and curated catalogs, for tenant admins (``catalog.manage``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from commissary.context import Context
from commissary.errors import NotFound
from commissary.identity.models import User
from commissary.identity.permissions import Permission
from commissary.segments import service
from commissary.segments.models import EntryKind
from commissary.web.deps import api_requires

router = APIRouter(tags=["catalog admin"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.CATALOG_MANAGE))]


class CustomerTypeCreate(BaseModel):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class CustomerTypePublic(BaseModel):
    id: int
    code: str
    name: str
    description: str
    catalog_ids: list[int]


class CatalogIds(BaseModel):
    catalog_ids: list[int] = Field(default_factory=list, max_length=500)


class CustomerTypeIds(BaseModel):
    customer_type_ids: list[int] = Field(default_factory=list, max_length=100)


class CatalogCreate(BaseModel):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)


class CatalogEntries(BaseModel):
    category_ids: list[int] = Field(default_factory=list, max_length=10_000)
    product_ids: list[int] = Field(default_factory=list, max_length=10_000)
    sku_ids: list[int] = Field(default_factory=list, max_length=100_000)


class CatalogPublic(BaseModel):
    id: int
    code: str
    name: str


class CatalogDetail(CatalogPublic):
    entries: CatalogEntries
    sku_count: int


class LocationCatalogUpdate(BaseModel):
    catalog_id: int | None


@router.get("/customer-types", response_model=list[CustomerTypePublic])
def list_customer_types(ctx: AdminCtx) -> list[CustomerTypePublic]:
    links = service.type_catalog_ids(ctx.session)
    return [
        CustomerTypePublic(
            id=t.id,
            code=t.code,
            name=t.name,
            description=t.description,
            catalog_ids=sorted(links.get(t.id, [])),
        )
        for t in service.customer_types(ctx.session)
    ]


@router.post("/customer-types", response_model=CustomerTypePublic, status_code=201)
def create_customer_type(ctx: AdminCtx, body: CustomerTypeCreate) -> CustomerTypePublic:
    created = service.create_customer_type(ctx, body.code, body.name, body.description)
    return CustomerTypePublic(
        id=created.id,
        code=created.code,
        name=created.name,
        description=created.description,
        catalog_ids=[],
    )


@router.put("/customer-types/{type_id}/catalogs", status_code=204)
def set_type_catalogs(ctx: AdminCtx, type_id: int, body: CatalogIds) -> None:
    """Restrict the type's members to these catalogs (an empty list lifts the restriction)."""
    service.set_type_catalogs(ctx, type_id, body.catalog_ids)


@router.get("/users/{user_id}/customer-types", response_model=CustomerTypeIds)
def get_user_types(ctx: AdminCtx, user_id: int) -> CustomerTypeIds:
    if ctx.session.get(User, user_id) is None:
        raise NotFound("no such user")
    return CustomerTypeIds(customer_type_ids=service.user_type_ids(ctx.session, user_id))


@router.put("/users/{user_id}/customer-types", status_code=204)
def set_user_types(ctx: AdminCtx, user_id: int, body: CustomerTypeIds) -> None:
    service.set_user_types(ctx, user_id, body.customer_type_ids)


@router.get("/catalogs", response_model=list[CatalogPublic])
def list_catalogs(ctx: AdminCtx) -> list[CatalogPublic]:
    return [CatalogPublic(id=c.id, code=c.code, name=c.name) for c in service.catalogs(ctx.session)]


@router.post("/catalogs", response_model=CatalogPublic, status_code=201)
def create_catalog(ctx: AdminCtx, body: CatalogCreate) -> CatalogPublic:
    created = service.create_catalog(ctx, body.code, body.name)
    return CatalogPublic(id=created.id, code=created.code, name=created.name)


def _detail(ctx: Context, catalog_id: int) -> CatalogDetail:
    entries = service.catalog_entries(ctx.session, catalog_id)
    catalog = next(c for c in service.catalogs(ctx.session) if c.id == catalog_id)
    return CatalogDetail(
        id=catalog.id,
        code=catalog.code,
        name=catalog.name,
        entries=CatalogEntries(
            category_ids=entries[EntryKind.CATEGORY],
            product_ids=entries[EntryKind.PRODUCT],
            sku_ids=entries[EntryKind.SKU],
        ),
        sku_count=service.catalog_size(ctx.session, catalog_id),
    )


@router.get("/catalogs/{catalog_id}", response_model=CatalogDetail)
def get_catalog(ctx: AdminCtx, catalog_id: int) -> CatalogDetail:
    return _detail(ctx, catalog_id)


@router.put("/catalogs/{catalog_id}/entries", response_model=CatalogDetail)
def set_catalog_entries(ctx: AdminCtx, catalog_id: int, body: CatalogEntries) -> CatalogDetail:
    """Replace what the catalog names: whole categories, products, single SKUs."""
    service.set_catalog_entries(
        ctx,
        catalog_id,
        category_ids=body.category_ids,
        product_ids=body.product_ids,
        sku_ids=body.sku_ids,
    )
    return _detail(ctx, catalog_id)


@router.put("/locations/{location_id}/catalog", status_code=204)
def set_location_catalog(ctx: AdminCtx, location_id: int, body: LocationCatalogUpdate) -> None:
    """Give a location its own catalog (``null``: none)."""
    service.set_location_catalog(ctx, location_id, body.catalog_id)
