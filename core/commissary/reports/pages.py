"""Report pages: filters, SVG charts and tables, with CSV downloads of every table.

The pages read the same report functions as the API; the filter form offers only what
the reader may filter on (a manager's own locations and their people).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from commissary.catalog import service as catalog
from commissary.context import Context
from commissary.identity.models import Location, User
from commissary.identity.permissions import Permission
from commissary.locations.tree import managed_by
from commissary.reports import charts, purchases, shipping, stock, tables, velocity
from commissary.reports.export import csv_response
from commissary.reports.schemas import ReportQuery, VelocityQuery
from commissary.reports.sql import Bucket, Filters, sees_everything
from commissary.segments import service as segments
from commissary.web.deps import page_requires
from commissary.web.rendering import render

router = APIRouter(prefix="/reports")
ReportsCtx = Annotated[Context, Depends(page_requires(Permission.REPORTS_VIEW))]
Query_ = Annotated[ReportQuery, Query()]
VelocityQuery_ = Annotated[VelocityQuery, Query()]
PEOPLE_IN_FILTER = 500


def _choices(ctx: Context) -> dict[str, Any]:
    """The filter form's options, limited to what the reader sees (four statements)."""
    s = ctx.session
    locations = select(Location).order_by(Location.name)
    people = select(User).where(User.is_active).order_by(User.name).limit(PEOPLE_IN_FILTER)
    if not sees_everything(ctx) and ctx.actor is not None:
        mine = managed_by(ctx.actor.id)
        locations = locations.where(Location.id.in_(mine))
        people = people.where(User.location_id.in_(mine))
    return {
        "filter_locations": s.scalars(locations).all(),
        "filter_people": s.scalars(people).all(),
        "filter_types": segments.customer_types(s),
        "filter_categories": catalog.categories(s),
    }


def _label(day: date, size: Bucket) -> str:
    if size is Bucket.MONTH:
        return day.strftime("%b %Y")
    return day.strftime("%d %b")


def _query_string(f: Filters, **extra: object) -> str:
    values = {
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "bucket": f.size.value,
        "location_id": f.location_id,
        "customer_type_id": f.customer_type_id,
        "category_id": f.category_id,
        "user_id": f.user_id,
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v is not None})


def _presets(ctx: Context, f: Filters, path: str) -> list[tuple[str, str, bool]]:
    """Period shortcuts keeping the other filters: (label, href, current)."""
    today = ctx.now.date()
    found = []
    for label, days in (("7 days", 7), ("30 days", 30), ("90 days", 90), ("12 months", 365)):
        start = today - timedelta(days=days - 1)
        shifted = Filters(
            start, today, Bucket.DAY, f.location_id, f.customer_type_id, f.category_id, f.user_id
        )
        query = _query_string(shifted).replace("bucket=day&", "")
        current = f.start == start and f.end == today
        found.append((label, f"{path}?{query}", current))
    return found


def _page(
    request: Request, ctx: Context, template: str, f: Filters, report: str, **values: Any
) -> HTMLResponse:
    base = f"/t/{ctx.tenant.slug}/reports"
    return render(
        request,
        template,
        ctx,
        report=report,
        f=f,
        buckets=[b.value for b in Bucket],
        query=_query_string(f),
        presets=_presets(ctx, f, f"{base}/{report}"),
        **_choices(ctx),
        **values,
    )


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def index(ctx: ReportsCtx) -> RedirectResponse:
    return RedirectResponse(f"/t/{ctx.tenant.slug}/reports/purchases", status_code=303)


@router.get("/purchases", response_class=HTMLResponse)
def purchases_page(request: Request, ctx: ReportsCtx, query: Query_) -> HTMLResponse:
    f = query.filters(ctx)
    periods = purchases.by_period(ctx, f)
    labels = [_label(p.start, f.size) for p in periods]
    spend = charts.bar_chart(
        "chart-spend",
        f"Points spent per {f.size.value}",
        labels,
        [p.points for p in periods],
        unit="pts",
    )
    units = charts.line_chart(
        "chart-units",
        f"Units and orders per {f.size.value}",
        labels,
        [
            charts.Series("Units", [p.units for p in periods]),
            charts.Series("Orders", [p.orders for p in periods]),
        ],
    )
    return _page(
        request,
        ctx,
        "reports/purchases.html",
        f,
        "purchases",
        totals=purchases.totals(ctx, f),
        periods=periods,
        people=purchases.by_person(ctx, f),
        items=purchases.by_item(ctx, f),
        by_location=purchases.by_location(ctx, f),
        spend_chart=spend,
        units_chart=units,
        top=purchases.TOP,
    )


@router.get("/purchases.csv", response_class=Response)
def purchases_csv(ctx: ReportsCtx, query: Query_, view: str = "detail") -> Response:
    table = tables.purchases_table(ctx, query.filters(ctx), view)
    return csv_response(table.filename, table.header, table.rows)


@router.get("/velocity", response_class=HTMLResponse)
def velocity_page(request: Request, ctx: ReportsCtx, query: VelocityQuery_) -> HTMLResponse:
    f = query.filters(ctx)
    as_of = query.as_of or ctx.now.date()
    rows = velocity.velocity(ctx, f, query.window, as_of)
    fastest = sorted(
        (r for r in rows if r.units), key=lambda r: (-r.projection.daily_demand, r.sku_code)
    )[:12]
    chart = charts.bar_chart(
        "chart-velocity",
        f"Units per day, fastest SKUs, last {query.window} days",
        [r.sku_code for r in fastest],
        [round(float(r.projection.daily_demand), 2) for r in fastest],
        unit="units/day",
        wide=True,
    )
    counts = {u: sum(1 for r in rows if r.projection.urgency is u) for u in velocity.Urgency}
    return _page(
        request,
        ctx,
        "reports/velocity.html",
        f,
        "velocity",
        rows=rows,
        chart=chart if fastest else None,
        counts=counts,
        Urgency=velocity.Urgency,
        window=query.window,
        windows=velocity.WINDOWS,
        as_of=as_of,
        policy=velocity.default_policy(ctx),
        velocity_query=_query_string(f, window=query.window, as_of=as_of.isoformat()),
    )


@router.get("/velocity.csv", response_class=Response)
def velocity_csv(ctx: ReportsCtx, query: VelocityQuery_) -> Response:
    as_of = query.as_of or ctx.now.date()
    table = tables.velocity_table(ctx, query.filters(ctx), query.window, as_of)
    return csv_response(table.filename, table.header, table.rows)


@router.get("/stock", response_class=HTMLResponse)
def stock_page(request: Request, ctx: ReportsCtx, query: Query_, low: bool = False) -> HTMLResponse:
    f = query.filters(ctx)
    report = stock.stock(ctx, f, low_only=low)
    chart = charts.bar_chart(
        "chart-stock",
        "Free stock per warehouse (on hand minus allocated)",
        [w.code for w in report.warehouses],
        [w.free for w in report.warehouses],
        unit="units",
        describe=lambda code, value: f"{code}: {value:,.0f} units free",
        wide=True,
    )
    return _page(
        request,
        ctx,
        "reports/stock.html",
        f,
        "stock",
        stock=report,
        chart=chart if report.warehouses else None,
        low=low,
    )


@router.get("/stock.csv", response_class=Response)
def stock_csv(ctx: ReportsCtx, query: Query_) -> Response:
    table = tables.stock_table(ctx, query.filters(ctx))
    return csv_response(table.filename, table.header, table.rows)


@router.get("/shipments", response_class=HTMLResponse)
def shipments_page(request: Request, ctx: ReportsCtx, query: Query_) -> HTMLResponse:
    f = query.filters(ctx)
    periods = shipping.shipped_by_period(ctx, f)
    chart = charts.bar_chart(
        "chart-shipped",
        f"Units shipped per {f.size.value}",
        [_label(p.start, f.size) for p in periods],
        [p.units for p in periods],
        unit="units",
        wide=True,
    )
    return _page(
        request,
        ctx,
        "reports/shipments.html",
        f,
        "shipments",
        periods=periods,
        shipped_units=sum(p.units for p in periods),
        shipments=sum(p.shipments for p in periods),
        chart=chart,
        warehouses=shipping.shipped_by_warehouse(ctx, f),
        items=shipping.shipped_by_item(ctx, f),
        backorders=shipping.backorders(ctx, f),
        backorder_limit=shipping.LIMIT,
        shown_backorders=50,
    )


@router.get("/shipments.csv", response_class=Response)
def shipments_csv(ctx: ReportsCtx, query: Query_, view: str = "periods") -> Response:
    table = tables.shipments_table(ctx, query.filters(ctx), view)
    return csv_response(table.filename, table.header, table.rows)
