"""Catalog REST routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from commissary.catalog import service
from commissary.catalog.schemas import CategoryPublic, ProductList, ProductPublic
from commissary.context import Context
from commissary.entitlements import service as entitlements
from commissary.entitlements.schemas import UsagePublic
from commissary.identity.permissions import Permission
from commissary.tenants.cache import ConfigCache
from commissary.web.deps import ApiUnit, api_unit, cache_headers, catalog_viewer

router = APIRouter(tags=["catalog"])
ViewerCtx = Annotated[Context, Depends(catalog_viewer(api=True))]
CatalogUnit = Annotated[
    ApiUnit, Depends(api_unit(Permission.CATALOG_VIEW, public_catalog=True, lookup=True))
]


@router.get("/products", response_model=ProductList)
async def list_products(
    unit: CatalogUnit,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str | None, Query(max_length=100)] = None,
    size: Annotated[str | None, Query(max_length=40)] = None,
    colour: Annotated[str | None, Query(max_length=40)] = None,
    sort: Annotated[str, Query(pattern="^(name|-name|newest|price|-price)$")] = "name",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = service.PAGE_SIZE,
) -> Response:
    """Products you may see: full-text ``q``, ``category`` slug, ``size``, ``colour``,
    ``sort`` (``name``, ``-name``, ``newest``, ``price``: lowest first, ``-price``), paginated."""

    def work(ctx: Context) -> Response:
        result = service.list_products(
            ctx,
            q=q,
            category=category,
            size=size,
            colour=colour,
            sort=sort,
            page=page,
            page_size=page_size,
        )
        # A ProductList, written out here: each product's JSON is kept by what it shows
        # (returning the model would also have FastAPI validate the whole page again).
        items = ",".join(_product_json(ctx, view) for view in result.items)
        body = (
            f'{{"items":[{items}],"total":{result.total},"page":{result.page},'
            f'"page_size":{result.page_size}}}'
        )
        response = Response(body, media_type="application/json")
        cache_headers(ctx, response.headers)
        return response

    # The hottest read of a portal: sign-in and work in one unit (ApiUnit), on the event
    # loop when it is a slice of the catalog index, else in one thread hand-off.
    inline = service.from_index(q=q, size=size, colour=colour, sort=sort)
    return await unit.run(work, inline=inline)


# One product's JSON as the listing shows it, by everything it contains besides the
# tenant's configuration: the SKUs the viewer may see with their prices and stock.
_listed = ConfigCache[str](limit=50_000)


def _product_json(ctx: Context, view: service.ProductView) -> str:
    return _listed.get(ctx, lambda: ProductPublic.of(view).model_dump_json(), view.listing_shows)


@router.get("/products/{product_id}", response_model=ProductPublic)
def get_product(ctx: ViewerCtx, response: Response, product_id: int) -> ProductPublic:
    view = service.product_view(ctx, product_id)
    cache_headers(ctx, response.headers)
    public = ProductPublic.of(view)
    notes = entitlements.by_sku(
        ctx, [(s.sku.id, view.product.id, view.product.category_id) for s in view.skus]
    )
    if notes:
        public.skus = [
            s.model_copy(update={"entitlement": UsagePublic.of(notes[s.id])})
            if s.id in notes
            else s
            for s in public.skus
        ]
    return public


@router.get("/categories", response_model=list[CategoryPublic])
def list_categories(ctx: ViewerCtx) -> list[CategoryPublic]:
    return [
        CategoryPublic(id=c.id, slug=c.slug, name=c.name) for c in service.categories(ctx.session)
    ]
