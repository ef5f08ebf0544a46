"""SQL building blocks shared by the reports: period buckets and the report filters.

Date bucketing differs between the databases, so :class:`bucket` is one SQL function
compiled per dialect; both give the first day of the bucket as a date (SQLite computes
``YYYY-MM-DD`` text, which the ``Date`` type reads back). Weeks start on Monday (ISO 8601).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, false, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.errors import Invalid, NotFound
from commissary.identity.models import Location, User
from commissary.identity.permissions import acts_tenant_wide
from commissary.locations.tree import managed_by, subtree
from commissary.orders.lifecycle import LIVE_LINE_STATES
from commissary.orders.models import Order, OrderLine
from commissary.segments.models import CustomerType, UserCustomerType


class Bucket(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


MAX_DAYS = 3 * 366  # the longest period a report covers
MAX_DAY_BUCKETS = 366  # more days than this read better as weeks or months


class bucket(FunctionElement[date]):
    """``bucket(Bucket.WEEK, Order.submitted_at)``: the bucket's first day (UTC)."""

    type = Date()
    inherit_cache = True
    name = "report_bucket"

    def __init__(self, size: Bucket, column: Any) -> None:
        self.size = size
        super().__init__(column)


@compiles(bucket, "sqlite")
def _bucket_sqlite(element: bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    if element.size is Bucket.DAY:
        return f"date({column})"
    if element.size is Bucket.WEEK:  # back up to six days, then forward to a Monday
        return f"date({column}, '-6 days', 'weekday 1')"
    return f"strftime('%Y-%m-01', {column})"


@compiles(bucket, "postgresql")
def _bucket_postgresql(element: bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    # A date, not text: grouping by it is cheaper than formatting every row.
    return f"CAST(date_trunc('{element.size.value}', ({column}) AT TIME ZONE 'UTC') AS DATE)"


def bucket_start(day: date, size: Bucket) -> date:
    """The same bucketing in Python, to fill the empty buckets of a chart."""
    if size is Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    if size is Bucket.MONTH:
        return day.replace(day=1)
    return day


def bucket_range(start: date, end: date, size: Bucket) -> list[date]:
    """Every bucket from ``start`` to ``end`` inclusive, so gaps show as zero, not missing."""
    found: list[date] = []
    current = bucket_start(start, size)
    while current <= end:
        found.append(current)
        if size is Bucket.DAY:
            current += timedelta(days=1)
        elif size is Bucket.WEEK:
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to. ``end`` is inclusive; ids are checked to exist in the
    tenant (a foreign id is a 404) and, for managers, to lie in what they manage."""

    start: date
    end: date
    size: Bucket
    location_id: int | None = None
    customer_type_id: int | None = None
    category_id: int | None = None
    user_id: int | None = None

    @property
    def since(self) -> datetime:
        return midnight(self.start)

    @property
    def until(self) -> datetime:
        return midnight(self.end + timedelta(days=1))


def auto_bucket(days: int) -> Bucket:
    if days <= 31:
        return Bucket.DAY
    if days <= 190:
        return Bucket.WEEK
    return Bucket.MONTH


def make_filters(
    ctx: Context,
    *,
    start: date | None = None,
    end: date | None = None,
    size: Bucket | None = None,
    location_id: int | None = None,
    customer_type_id: int | None = None,
    category_id: int | None = None,
    user_id: int | None = None,
    default_days: int = 90,
) -> Filters:
    """Validate the filters a person asked for; the checks cost one statement per id."""
    end = end or ctx.now.date()
    start = start or end - timedelta(days=default_days - 1)
    if start > end:
        raise Invalid("the period starts after it ends", field="start")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise Invalid(f"a report covers at most {MAX_DAYS} days", field="start")
    size = size or auto_bucket(days)
    if size is Bucket.DAY and days > MAX_DAY_BUCKETS:
        raise Invalid("that period is too long for daily figures; choose weeks or months")
    s = ctx.session
    checks: tuple[tuple[type[Any], int | None, str], ...] = (
        (Location, location_id, "location"),
        (CustomerType, customer_type_id, "customer type"),
        (Category, category_id, "category"),
        (User, user_id, "person"),
    )
    for model, value, name in checks:
        if value is not None and s.get(model, value) is None:
            raise NotFound(f"there is no such {name} here")
    if location_id is not None and not sees_everything(ctx):
        allowed = s.scalar(select(Location.id).where(Location.id == location_id, _managed(ctx)))
        if allowed is None:
            raise NotFound("there is no such location among those you manage")
    return Filters(start, end, size, location_id, customer_type_id, category_id, user_id)


def sees_everything(ctx: Context) -> bool:
    """Tenant admins (and approvers) see the whole tenant; managers their locations."""
    return ctx.actor is not None and acts_tenant_wide(ctx.actor)


def _managed(ctx: Context) -> ColumnElement[bool]:
    assert ctx.actor is not None
    return Location.id.in_(managed_by(ctx.actor.id))


def order_scope(ctx: Context, filters: Filters) -> list[ColumnElement[bool]]:
    """Conditions on :class:`Order` for the person's scope and the people filters."""
    where: list[ColumnElement[bool]] = []
    if not sees_everything(ctx):
        if ctx.actor is None:
            return [false()]
        where.append(Order.location_id.in_(managed_by(ctx.actor.id)))
    if filters.location_id is not None:
        where.append(Order.location_id.in_(subtree([filters.location_id])))
    if filters.user_id is not None:
        where.append(Order.user_id == filters.user_id)
    if filters.customer_type_id is not None:
        where.append(
            Order.user_id.in_(
                select(UserCustomerType.user_id).where(
                    UserCustomerType.customer_type_id == filters.customer_type_id
                )
            )
        )
    return where


def sku_scope(filters: Filters, column: Any = OrderLine.sku_id) -> list[ColumnElement[bool]]:
    """Conditions on a SKU id ``column`` for the category filter."""
    if filters.category_id is None:
        return []
    return [
        column.in_(
            select(Sku.id)
            .join(Product, Product.id == Sku.product_id)
            .where(Product.category_id == filters.category_id)
        )
    ]


def purchased_lines(
    ctx: Context, filters: Filters, *, dated: bool = True
) -> list[ColumnElement[bool]]:
    """Conditions on the joined order lines and orders that count as purchases: lines
    not rejected or cancelled, in the period (when ``dated``), within scope and filters."""
    where = [OrderLine.status.in_(sorted(LIVE_LINE_STATES)), *order_scope(ctx, filters)]
    if dated:
        where += [Order.submitted_at >= filters.since, Order.submitted_at < filters.until]
    return where + sku_scope(filters)


def lines_with_orders() -> Select[Any]:
    """``FROM order_lines JOIN orders``: the base most report queries build on."""
    return select().select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
