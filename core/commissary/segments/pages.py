"""Catalog administration pages: access mode, customer types, curated catalogs, price lists.

Price-list items and discounts are edited as text, one per line (``SKU code, from quantity,
points`` and ``percent, category slug or catalog code``), the way buyers' price sheets
arrive; a bad line is refused with its line number and nothing changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from commissary.catalog import service as catalog
from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.models import Location, User
from commissary.identity.permissions import Permission
from commissary.pricing import lists
from commissary.pricing.models import PriceListDiscount, PriceListItem
from commissary.segments import service
from commissary.segments.models import CatalogSku, EntryKind, LocationCatalog, UserCustomerType
from commissary.tenants import service as tenants
from commissary.tenants.models import AccessMode
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/admin/catalog")
AdminCtx = Annotated[Context, Depends(page_requires(Permission.CATALOG_MANAGE))]


def _back(request: Request, ctx: Context, message: str) -> RedirectResponse:
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/catalog/", message)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, ctx: AdminCtx) -> HTMLResponse:
    s = ctx.session
    catalogs = service.catalogs(s)
    sizes = dict(
        s.execute(select(CatalogSku.catalog_id, func.count()).group_by(CatalogSku.catalog_id)).all()
    )
    members = dict(
        s.execute(
            select(UserCustomerType.customer_type_id, func.count()).group_by(
                UserCustomerType.customer_type_id
            )
        ).all()
    )
    price_lists = lists.price_lists(s)
    item_counts = dict(
        s.execute(
            select(PriceListItem.price_list_id, func.count()).group_by(PriceListItem.price_list_id)
        ).all()
    )
    discount_counts = dict(
        s.execute(
            select(PriceListDiscount.price_list_id, func.count()).group_by(
                PriceListDiscount.price_list_id
            )
        ).all()
    )
    entries = {c.id: service.catalog_entries(s, c.id) for c in catalogs}
    items_text: dict[int, list[str]] = {}
    for list_id, code, low, points in s.execute(
        select(
            PriceListItem.price_list_id,
            Sku.code,
            PriceListItem.min_quantity,
            PriceListItem.unit_points,
        )
        .join(Sku, Sku.id == PriceListItem.sku_id)
        .order_by(PriceListItem.price_list_id, Sku.code, PriceListItem.min_quantity)
    ):
        items_text.setdefault(list_id, []).append(f"{code}, {low}, {points}")
    entry_codes: dict[int, list[str]] = {}
    for c in catalogs:
        ids = entries[c.id]
        names = list(
            s.scalars(select(Product.slug).where(Product.id.in_(ids[EntryKind.PRODUCT])))
        ) + list(s.scalars(select(Sku.code).where(Sku.id.in_(ids[EntryKind.SKU]))))
        entry_codes[c.id] = sorted(names)
    return render(
        request,
        "catalog_admin.html",
        ctx,
        modes=[m.value for m in AccessMode],
        types=service.customer_types(s),
        type_catalogs=service.type_catalog_ids(s),
        members=members,
        catalogs=catalogs,
        catalog_names={c.id: c.name for c in catalogs},
        sizes=sizes,
        entries=entries,
        categories=catalog.categories(s),
        locations=s.scalars(select(Location).order_by(Location.name)).all(),
        location_catalogs=dict(
            s.execute(select(LocationCatalog.location_id, LocationCatalog.catalog_id)).all()
        ),
        users=s.scalars(select(User).where(User.is_active).order_by(User.name)).all(),
        price_lists=price_lists,
        item_counts=item_counts,
        discount_counts=discount_counts,
        EntryKind=EntryKind,
        items_text=items_text,
        entry_codes=entry_codes,
        type_names={t.id: t.name for t in service.customer_types(s)},
    )


@router.post("/portal")
def update_portal(
    request: Request,
    ctx: AdminCtx,
    access_mode: Annotated[str, Form()],
    min_order_points: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    if access_mode not in {m.value for m in AccessMode}:
        raise Invalid("choose an access mode from the list")
    minimum = min_order_points.strip()
    if minimum and not minimum.isdigit():
        raise Invalid("the minimum order value is a whole number of points")
    tenants.update_portal(
        ctx.session,
        ctx.tenant,
        changes={
            "access_mode": AccessMode(access_mode),
            "min_order_points": int(minimum) if minimum else None,
        },
    )
    return _back(request, ctx, "Portal settings saved.")


@router.post("/types")
def create_type(
    request: Request,
    ctx: AdminCtx,
    code: Annotated[str, Form(max_length=60)],
    name: Annotated[str, Form(max_length=200)],
) -> RedirectResponse:
    created = service.create_customer_type(ctx, code, name)
    return _back(request, ctx, f"Customer type {created.name} created.")


def _ids(values: list[str], what: str) -> list[int]:
    if not all(v.isdigit() for v in values):
        raise Invalid(f"choose {what} from the list")
    return [int(v) for v in values]


@router.post("/types/{type_id}/catalogs")
def set_type_catalogs(
    request: Request,
    ctx: AdminCtx,
    type_id: int,
    catalog_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
) -> RedirectResponse:
    service.set_type_catalogs(ctx, type_id, _ids(catalog_ids, "catalogs"))
    return _back(request, ctx, "Catalogs of the customer type saved.")


@router.post("/people")
def set_person_types(
    request: Request,
    ctx: AdminCtx,
    user_id: Annotated[str, Form()],
    type_ids: Annotated[list[str], Form()] = [],  # noqa: B006
) -> RedirectResponse:
    person = _ids([user_id], "a person")[0]
    service.set_user_types(ctx, person, _ids(type_ids, "customer types"))
    return _back(request, ctx, "Customer types of the person saved.")


@router.post("/catalogs")
def create_catalog(
    request: Request,
    ctx: AdminCtx,
    code: Annotated[str, Form(max_length=60)],
    name: Annotated[str, Form(max_length=200)],
) -> RedirectResponse:
    created = service.create_catalog(ctx, code, name)
    return _back(request, ctx, f"Catalog {created.name} created; now choose what it holds.")


@router.post("/catalogs/{catalog_id}/entries")
def set_entries(
    request: Request,
    ctx: AdminCtx,
    catalog_id: int,
    category_ids: Annotated[list[str], Form()] = [],  # noqa: B006
    codes: Annotated[str, Form(max_length=100_000)] = "",
) -> RedirectResponse:
    """Categories by checkbox; products (by slug) and SKUs (by code), one per line."""
    words = [w.strip() for w in codes.replace(",", "\n").splitlines() if w.strip()]
    skus = dict(ctx.session.execute(select(Sku.code, Sku.id).where(Sku.code.in_(words))).all())
    products = dict(
        ctx.session.execute(select(Product.slug, Product.id).where(Product.slug.in_(words))).all()
    )
    unknown = [w for w in words if w not in skus and w not in products]
    if unknown:
        raise Invalid(f"no SKU code or product slug {', '.join(unknown[:10])}")
    count = service.set_catalog_entries(
        ctx,
        catalog_id,
        category_ids=_ids(category_ids, "categories"),
        product_ids=[products[w] for w in words if w in products and w not in skus],
        sku_ids=[skus[w] for w in words if w in skus],
    )
    return _back(request, ctx, f"The catalog now holds {count:,} SKUs.")


@router.post("/locations/{location_id}")
def set_location_catalog(
    request: Request,
    ctx: AdminCtx,
    location_id: int,
    catalog_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    chosen = _ids([catalog_id], "a catalog")[0] if catalog_id else None
    service.set_location_catalog(ctx, location_id, chosen)
    return _back(request, ctx, "Location catalog saved.")


def _date(value: str, what: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=UTC)
    except ValueError:
        raise Invalid(f"{what} is a date like 2026-03-01") from None


@router.post("/price-lists")
def create_price_list(
    request: Request,
    ctx: AdminCtx,
    code: Annotated[str, Form(max_length=60)],
    name: Annotated[str, Form(max_length=200)],
    customer_type_id: Annotated[str, Form()] = "",
    valid_from: Annotated[str, Form(max_length=40)] = "",
    valid_until: Annotated[str, Form(max_length=40)] = "",
) -> RedirectResponse:
    created = lists.create_price_list(
        ctx,
        code=code,
        name=name,
        customer_type_id=_ids([customer_type_id], "a customer type")[0]
        if customer_type_id
        else None,
        valid_from=_date(valid_from, "valid from"),
        valid_until=_date(valid_until, "valid until"),
    )
    return _back(request, ctx, f"Price list {created.code} created.")


@router.post("/price-lists/{list_id}/items")
def set_items(
    request: Request,
    ctx: AdminCtx,
    list_id: int,
    text: Annotated[str, Form(max_length=2_000_000)] = "",
) -> RedirectResponse:
    rows = text.splitlines()
    codes = [r.split(",")[0].strip() for r in rows if r.strip()]
    skus = dict(ctx.session.execute(select(Sku.code, Sku.id).where(Sku.code.in_(codes))).all())
    tiers = []
    for number, row in enumerate(rows, start=1):
        if not row.strip():
            continue
        parts = [p.strip() for p in row.split(",")]
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise Invalid(f"line {number}: write SKU code, from quantity, points")
        if parts[0] not in skus:
            raise Invalid(f"line {number}: no SKU {parts[0]}")
        tiers.append(lists.Tier(skus[parts[0]], int(parts[1]), int(parts[2])))
    lists.set_items(ctx, list_id, tiers)
    return _back(request, ctx, f"{len(tiers):,} prices saved.")


@router.post("/price-lists/{list_id}/discounts")
def set_discounts(
    request: Request,
    ctx: AdminCtx,
    list_id: int,
    text: Annotated[str, Form(max_length=100_000)] = "",
) -> RedirectResponse:
    categories = {c.slug: c.id for c in catalog.categories(ctx.session)}
    catalogs = {c.code: c.id for c in service.catalogs(ctx.session)}
    found = []
    for number, row in enumerate(text.splitlines(), start=1):
        if not row.strip():
            continue
        parts = [p.strip() for p in row.split(",")]
        try:
            percent = Decimal(parts[0].rstrip("%").strip())
        except InvalidOperation:
            raise Invalid(f"line {number}: start with the percentage, like 12.5") from None
        target = parts[1] if len(parts) > 1 else ""
        if target and target not in categories and target not in catalogs:
            raise Invalid(f"line {number}: no category or catalog {target}")
        found.append(
            lists.Discount(
                percent,
                category_id=categories.get(target) if target in categories else None,
                catalog_id=catalogs.get(target) if target not in categories else None,
            )
        )
    lists.set_discounts(ctx, list_id, found)
    return _back(request, ctx, f"{len(found)} discount{'' if len(found) == 1 else 's'} saved.")
