"""Catalog pages: browse with search and category filter, and the product page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from commissary.catalog import index, service
from commissary.catalog.models import Category
from commissary.context import Context
from commissary.entitlements import service as entitlements
from commissary.identity.permissions import Permission
from commissary.kits import service as kit_service
from commissary.tenants.cache import ConfigCache
from commissary.web.deps import ApiUnit, cache_headers, catalog_viewer, page_unit
from commissary.web.rendering import render

router = APIRouter()
ViewerCtx = Annotated[Context, Depends(catalog_viewer(api=False))]
CatalogPageUnit = Annotated[
    ApiUnit, Depends(page_unit(Permission.CATALOG_VIEW, public_catalog=True, lookup=True))
]


@router.get("/", response_class=HTMLResponse, name="catalog")
async def catalog(
    request: Request,
    unit: CatalogPageUnit,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str | None, Query(max_length=100)] = None,
    size: Annotated[str | None, Query(max_length=40)] = None,
    colour: Annotated[str | None, Query(max_length=40)] = None,
    sort: Annotated[str, Query(pattern="^(name|-name|newest|price|-price)$")] = "name",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    def work(ctx: Context) -> HTMLResponse:
        result = service.list_products(
            ctx,
            q=q,
            category=category or None,
            size=size or None,
            colour=colour or None,
            sort=sort,
            page=page,
        )
        categories = index.offered_categories(ctx)
        current = next((c for c in categories if c.slug == category), None) if category else None
        response = render(
            request,
            "catalog.html",
            ctx,
            result=result,
            catalog_body=_catalog_body(
                request,
                ctx,
                result,
                categories,
                current,
                q=q,
                category=category,
                size=size,
                colour=colour,
                sort=sort,
            ),
            q=q,
            category=category,
            current=current,
            # Signed-in buyers learn of kits here (no query once cached for the tenant).
            sells_kits=ctx.actor is not None and kit_service.sold_here(ctx),
        )
        cache_headers(ctx, response.headers)
        return response

    # Sign-in, the listing and the rendering in one unit (``ApiUnit``): on the event loop
    # for a browse of the catalog index, else in one thread hand-off.
    inline = service.from_index(q=q, size=size or None, colour=colour or None, sort=sort)
    return await unit.run(work, inline=inline)


# Rendered product grids, by what they show: a grid's HTML is fully determined by the
# tenant's configuration (names, categories, sizes) and, per product, the SKUs the viewer
# may see, their price range for the viewer and whether one is in stock; so a grid kept
# here can never show stale data or one person's view to another.
_grids = ConfigCache[Markup](limit=5_000)


# Rendered page bodies (search form, filters, grid, pages), by everything they show: the
# query, the categories the viewer is offered and the grid's products as they see them.
_bodies = ConfigCache[Markup](limit=5_000)


def _catalog_body(
    request: Request,
    ctx: Context,
    result: service.ProductPage,
    categories: tuple[Category, ...],
    current: Category | None,
    **query: str | None,
) -> Markup:
    env = request.app.state.templates
    price_sorts = service.prices_shown(ctx)

    def body() -> Markup:
        sizes, colours = service.attribute_values(ctx)
        return Markup(
            env.get_template("_catalog_body.html").render(
                base=f"/t/{ctx.tenant.slug}",
                result=result,
                product_grid=_product_grid(request, ctx, result.items),
                price_sorts=price_sorts,
                sizes=sizes,
                colours=colours,
                categories=categories,
                current=current,
                **query,
            )
        )

    shows = tuple(v.card_shows for v in result.items)
    page = (result.page, result.page_size, result.total)
    offered = tuple(c.id for c in categories)
    return _bodies.get(ctx, body, id(env), tuple(query.items()), price_sorts, offered, page, shows)


def _product_grid(request: Request, ctx: Context, items: list[service.ProductView]) -> Markup:
    base = f"/t/{ctx.tenant.slug}"
    shows = tuple(v.card_shows for v in items)
    env = request.app.state.templates
    return _grids.get(
        ctx,
        lambda: Markup(env.get_template("_product_grid.html").render(items=items, base=base)),
        id(env),
        base,
        shows,
    )


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product(request: Request, ctx: ViewerCtx, product_id: int) -> HTMLResponse:
    view = service.product_view(ctx, product_id)
    notes = entitlements.by_sku(
        ctx, [(s.sku.id, view.product.id, view.product.category_id) for s in view.skus]
    )
    response = render(request, "product.html", ctx, view=view, entitlement_notes=notes)
    cache_headers(ctx, response.headers)
    return response
