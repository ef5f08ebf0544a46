"""Each report's CSV tables: a header and rows, shared by the API and the pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

from commissary.context import Context
from commissary.errors import Invalid
from commissary.reports import purchases, shipping, stock, velocity
from commissary.reports.sql import Filters


@dataclass(frozen=True)
class Table:
    filename: str
    header: Sequence[str]
    rows: list[Sequence[object]]


def _name(report: str, view: str, filters: Filters) -> str:
    return f"{report}-{view}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"


def purchases_table(ctx: Context, filters: Filters, view: str) -> Table:
    builders: dict[str, Callable[[], tuple[Sequence[str], list[Sequence[object]]]]] = {
        "periods": lambda: (
            ["period start", "orders", "units", "points"],
            [(r.start, r.orders, r.units, r.points) for r in purchases.by_period(ctx, filters)],
        ),
        "people": lambda: (
            ["person", "email", "orders", "units", "points"],
            [
                (r.name, r.email, r.orders, r.units, r.points)
                for r in purchases.by_person(ctx, filters, limit=None)
            ],
        ),
        "items": lambda: (
            ["sku", "product", "category", "units", "points"],
            [
                (r.sku_code, r.product, r.category, r.units, r.points)
                for r in purchases.by_item(ctx, filters, limit=None)
            ],
        ),
        "locations": lambda: (
            ["location", "orders", "units", "points"],
            [
                (r.name, r.orders, r.units, r.points)
                for r in purchases.by_location(ctx, filters, limit=None)
            ],
        ),
        "detail": lambda: (
            ["person", "email", "location", "sku", "product", "units", "points"],
            [
                (r.name, r.email, r.location, r.sku_code, r.product, r.units, r.points)
                for r in purchases.detail(ctx, filters)
            ],
        ),
    }
    if view not in builders:
        raise Invalid(f"choose a view: {', '.join(builders)}", field="view")
    header, rows = builders[view]()
    return Table(_name("purchases", view, filters), header, rows)


def stock_table(ctx: Context, filters: Filters) -> Table:
    report = stock.stock(ctx, filters)
    rows: list[Sequence[object]] = []
    for r in report.rows:
        rows.append((r.sku_code, r.product, "all", r.on_hand, r.reserved, r.available, "", ""))
        for w in r.warehouses:
            rows.append((r.sku_code, r.product, w.code, w.on_hand, "", "", w.allocated, w.free))
    header = [
        "sku",
        "product",
        "warehouse",
        "on hand",
        "reserved",
        "available",
        "allocated",
        "free",
    ]
    today = ctx.now.date().isoformat()
    return Table(f"stock-{today}.csv", header, rows)


def _decimal(value: Fraction, places: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """A fraction as a decimal with at most ``places``, without trailing zeros (nor the
    exponent form ``Decimal.normalize`` gives whole hundreds)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    text = str(exact.quantize(Decimal(places), rounding=rounding))
    return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)


def velocity_table(ctx: Context, filters: Filters, window: int, as_of: date) -> Table:
    header = [
        "sku",
        "product",
        f"units in {window} days",
        "daily demand",
        "available",
        "days of cover",
        "stock-out date",
        "safety stock",
        "reorder point",
        "reorder date",
        "reorder quantity",
        "status",
    ]
    rows: list[Sequence[object]] = []
    for r in velocity.velocity(ctx, filters, window, as_of):
        p = r.projection
        rows.append(
            (
                r.sku_code,
                r.product,
                r.units,
                _decimal(p.daily_demand, "0.0001"),
                r.available,
                None if p.days_of_cover is None else _decimal(p.days_of_cover, "0.1", ROUND_FLOOR),
                p.stockout_on,
                p.safety_stock,
                p.reorder_point,
                p.reorder_on,
                p.reorder_quantity,
                p.urgency.value.replace("_", " "),
            )
        )
    return Table(f"velocity-{window}d-{as_of.isoformat()}.csv", header, rows)


def shipments_table(ctx: Context, filters: Filters, view: str) -> Table:
    if view == "periods":
        header: Sequence[str] = ["period start", "shipments", "units"]
        rows: list[Sequence[object]] = [
            (r.start, r.shipments, r.units) for r in shipping.shipped_by_period(ctx, filters)
        ]
    elif view in ("warehouses", "items"):
        found = (
            shipping.shipped_by_warehouse(ctx, filters)
            if view == "warehouses"
            else shipping.shipped_by_item(ctx, filters, limit=10_000)
        )
        header = ["code", "name", "shipments", "units"]
        rows = [(r.key, r.name, r.shipments, r.units) for r in found]
    elif view == "backorders":
        header = [
            "order",
            "submitted",
            "person",
            "location",
            "sku",
            "product",
            "ordered",
            "shipped",
            "backordered",
        ]
        rows = [
            (
                b.order_number,
                b.submitted_at,
                b.person,
                b.location,
                b.sku_code,
                b.product,
                b.ordered,
                b.shipped,
                b.backordered,
            )
            for b in shipping.backorders(ctx, filters, limit=None)
        ]
    else:
        raise Invalid("choose a view: periods, warehouses, items, backorders", field="view")
    return Table(_name("shipments", view, filters), header, rows)
