"""Reports benchmark: millions of order lines over two years on PostgreSQL, each report's
median time, and its ratio to the same aggregate written as one raw SQL query.

    .venv/bin/python bench/reports.py --lines 100000     # a small run first (~1 minute)
    .venv/bin/python bench/reports.py                    # 5,000,000 lines (see README)
    .venv/bin/python bench/reports.py --reuse            # measure again, keep the data

One run:

1. **Data** in a scratch database ``commissary_bench_reports`` (dropped and recreated,
   left for inspection; ``--reuse`` keeps it): one tenant; a location tree of 4 regions,
   20 districts and 200 stores; ``--users`` buyers spread over the stores, in 3 customer
   types; 10 categories, 100 products, 500 SKUs with stock in 3 warehouses; then
   ``--lines`` order lines, 4 per order, submitted evenly over the two years up to now,
   SKUs skewed towards a popular few; lines older than 14 days are delivered (5 %
   rejected, 3 % cancelled) with a shipment per order, newer ones pending, approved or in
   fulfilment. Everything is ``INSERT ... SELECT generate_series`` in chunks, with a
   progress bar, then ``ANALYZE``.
2. **Reports**, in-process against that database, as the API routes call them (the same
   service functions, ORM statements, tenant scoping and row mapping): each case runs
   ``--runs`` times after one warm-up run; the median is reported.
3. **Raw SQL**: the same aggregate as one hand-written query, run with psycopg on a plain
   connection the same number of times. The ratio ``report / raw`` is the price of the
   framework over the database's own work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Table as SATable
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "core"))
console = Console(width=None if sys.stdout.isatty() else 150)
DB_NAME = "commissary_bench_reports"
LINES_PER_ORDER = 4
DAYS = 730
RECENT_DAYS = 14  # orders newer than this are still open


def _scratch(url: str, reuse: bool) -> str:
    admin = create_engine(str(make_url(url).set(database="postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME})
        if not (reuse and exists):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return str(make_url(url).set(database=DB_NAME).render_as_string(hide_password=False))


def _columns(table_name: str, given: dict[str, str]) -> tuple[str, str]:
    """The column list and SELECT list for an ``INSERT ... SELECT`` into ``table_name``:
    ``given`` maps columns to SQL expressions; other NOT NULL columns get their model
    default, so columns added later by other modules do not break the bench."""
    import commissary.models  # noqa: F401
    from commissary.db import Base

    table = Base.metadata.tables[table_name]
    assert isinstance(table, SATable)
    values = dict(given)
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        default = column.default
        arg = getattr(default, "arg", None)
        if default is None:
            raise RuntimeError(f"{table_name}.{column.name} needs a value in the bench")
        if callable(arg):  # SQLAlchemy wraps it to take an execution context
            arg = arg(None)
        if isinstance(arg, datetime):
            values[column.name] = "now()"
        elif isinstance(arg, bool):
            values[column.name] = "true" if arg else "false"
        elif isinstance(arg, int):
            values[column.name] = str(arg)
        elif isinstance(arg, str):
            values[column.name] = "'" + arg.replace("'", "''") + "'"
        elif isinstance(arg, list | dict):
            values[column.name] = "'[]'" if isinstance(arg, list) else "'{}'"
        else:
            raise RuntimeError(f"{table_name}.{column.name}: unknown default {arg!r}")
    return ", ".join(values), ", ".join(values.values())


def insert_select(table_name: str, given: dict[str, str], tail: str) -> str:
    columns, expressions = _columns(table_name, given)
    return f"INSERT INTO {table_name} ({columns}) SELECT {expressions} {tail}"


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
    )


def seed(url: str, lines: int, users: int) -> dict[str, Any]:
    """The data set; returns the ids the cases need."""
    from commissary.db import Database
    from commissary.identity.passwords import use_cheapest_hashing_for_tests
    from commissary.migrate import upgrade
    from commissary.testing import Portal, Shop

    use_cheapest_hashing_for_tests()
    upgrade(url)
    db = Database(url)
    from fastapi.testclient import TestClient

    from commissary.app import create_app
    from commissary.settings import Settings

    app = create_app(
        Settings(database_url=url, secret_key="bench", inprocess_worker=False), database=db
    )
    portal = Portal(app, db, TestClient(app))
    shop: Shop = portal.tenant("bench")
    shop.user("admin@bench.test", roles=["tenant_admin"])
    manager = shop.user("manager@bench.test", roles=["manager"])
    t = shop.tenant.id
    started = time.perf_counter()
    with console.status("catalog, locations, people"):
        for c in range(10):
            for p in range(10):
                shop.product(
                    f"Product {c}-{p}",
                    [(f"SKU-{c}-{p}-{v}", 10 + 5 * v + p, 1_000 + 97 * v) for v in range(5)],
                    category=f"cat{c}",
                )
        with db.transaction(t) as s:
            run = s.execute
            loc = {"tenant_id": ":t", "address": "''"}
            run(
                text(
                    insert_select(
                        "locations",
                        {**loc, "code": "'R' || r", "name": "'Region ' || r"},
                        "FROM generate_series(1, 4) r",
                    )
                ),
                {"t": t},
            )
            run(
                text(
                    insert_select(
                        "locations",
                        {
                            **loc,
                            "code": "'D' || r || '-' || d",
                            "name": "'District ' || r || '-' || d",
                            "parent_id": "p.id",
                        },
                        "FROM generate_series(1, 4) r CROSS JOIN generate_series(1, 5) d "
                        "JOIN locations p ON p.tenant_id = :t AND p.code = 'R' || r",
                    )
                ),
                {"t": t},
            )
            run(
                text(
                    insert_select(
                        "locations",
                        {
                            **loc,
                            "code": "p.code || '-' || k",
                            "name": "'Store ' || substr(p.code, 2) || '-' || k",
                            "parent_id": "p.id",
                        },
                        "FROM locations p CROSS JOIN generate_series(1, 10) k "
                        "WHERE p.tenant_id = :t AND p.code LIKE 'D%'",
                    )
                ),
                {"t": t},
            )
            run(
                text("UPDATE locations SET manager_id = :m WHERE tenant_id = :t AND code = 'R1'"),
                {"m": manager.id, "t": t},
            )
            run(
                text(
                    "CREATE TABLE bench_stores AS SELECT"
                    " row_number() OVER (ORDER BY id) - 1 AS idx, id FROM locations"
                    " WHERE tenant_id = :t AND parent_id IS NOT NULL"
                    " AND code LIKE 'D%-%-%'"
                ),
                {"t": t},
            )
            run(
                text(
                    insert_select(
                        "users",
                        {
                            "tenant_id": ":t",
                            "email": "'u' || g || '@bench.test'",
                            "name": "'Buyer ' || g",
                            "roles": "'[\"buyer\"]'",
                            "location_id": "st.id",
                            "is_active": "true",
                        },
                        "FROM generate_series(0, :n - 1) g "
                        "JOIN bench_stores st ON st.idx = g % 200",
                    )
                ),
                {"t": t, "n": users},
            )
            run(
                text(
                    "CREATE TABLE bench_users AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx,"
                    " id, location_id FROM users WHERE tenant_id = :t AND email LIKE 'u%'"
                ),
                {"t": t},
            )
            for k, name in enumerate(("Store staff", "Drivers", "Office")):
                run(
                    text(
                        insert_select(
                            "customer_types",
                            {"tenant_id": ":t", "code": f"'type{k}'", "name": f"'{name}'"},
                            "",
                        )
                    ),
                    {"t": t},
                )
            run(
                text(
                    insert_select(
                        "user_customer_types",
                        {"tenant_id": ":t", "user_id": "u.id", "customer_type_id": "ct.id"},
                        "FROM bench_users u JOIN customer_types ct ON ct.tenant_id = :t "
                        "AND ct.code = 'type' || (u.idx % 3)",
                    )
                ),
                {"t": t},
            )
            run(
                text(
                    "CREATE TABLE bench_skus AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx,"
                    " id, code, price_points FROM skus WHERE tenant_id = :t"
                ),
                {"t": t},
            )
            for code in ("EAST", "WEST"):
                run(
                    text(
                        insert_select(
                            "warehouses",
                            {
                                "tenant_id": ":t",
                                "code": f"'{code}'",
                                "name": f"'{code.title()} warehouse'",
                                "kind": "'TENANT'",
                            },
                            "",
                        )
                    ),
                    {"t": t},
                )
            run(
                text(
                    insert_select(
                        "warehouse_stock",
                        {
                            "tenant_id": ":t",
                            "warehouse_id": "w.id",
                            "sku_id": "s.id",
                            "on_hand": "(s.idx * 37) % 400",
                            "allocated": "0",
                        },
                        "FROM bench_skus s JOIN warehouses w ON w.tenant_id = :t "
                        "AND w.code IN ('EAST', 'WEST')",
                    )
                ),
                {"t": t},
            )
            run(
                text(
                    "UPDATE stock_levels sl SET on_hand = x.total FROM (SELECT sku_id, "
                    "sum(on_hand) AS total FROM warehouse_stock WHERE tenant_id = :t "
                    "GROUP BY sku_id) x WHERE sl.sku_id = x.sku_id AND sl.tenant_id = :t"
                ),
                {"t": t},
            )
            main = s.scalar(
                text("SELECT id FROM warehouses WHERE tenant_id = :t ORDER BY id LIMIT 1"),
                {"t": t},
            )
    console.print(
        f"catalog, 224 locations, {users:,} people: {time.perf_counter() - started:.1f} s"
    )
    _orders(db, t, lines, main)
    with db.engine.connect() as conn:
        conn.execute(text("DROP TABLE bench_users, bench_skus, bench_stores"))
        conn.commit()
    return _ids(db, t)


def _orders(db: Any, t: int, lines: int, warehouse_id: int) -> None:
    orders = max(lines // LINES_PER_ORDER, 1)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    chunk = 25_000  # orders per transaction: 100,000 lines
    first = 0
    params = {"t": t, "n": orders, "start": start, "span": DAYS * 86400, "now": now}
    age = "(:now - o.submitted_at)"
    recent = f"{age} < interval '{RECENT_DAYS} days'"
    pick = "(o.id * 7 + k * 13) % 100"
    status = (
        f"CASE WHEN {pick} < 5 THEN 'REJECTED' WHEN {pick} < 8 THEN 'CANCELLED' "
        f"WHEN NOT {recent} THEN 'DELIVERED' WHEN {pick} < 40 THEN 'PENDING' "
        f"WHEN {pick} < 70 THEN 'APPROVED' ELSE 'IN_FULFILMENT' END"
    )
    order_sql = insert_select(
        "orders",
        {
            "tenant_id": ":t",
            "user_id": "u.id",
            "location_id": "u.location_id",
            "status": "'APPROVED'",
            "total_points": "0",
            "ship_to": "''",
            "submitted_at": ":start + (g::float8 * :span / :n) * interval '1 second'",
        },
        "FROM generate_series(:a, :b - 1) g "
        "JOIN bench_users u ON u.idx = (g::bigint * 7919) % (SELECT count(*) FROM bench_users)",
    )
    line_sql = insert_select(
        "order_lines",
        {
            "tenant_id": ":t",
            "order_id": "o.id",
            "sku_id": "s.id",
            "sku_code": "s.code",
            "description": "s.code",
            "quantity": "1 + (o.id * 13 + k * 17) % 5",
            "unit_points": "s.price_points",
            "line_points": "s.price_points * (1 + (o.id * 13 + k * 17) % 5)",
            "price_source": "'list'",
            "status": status,
            "shipped_quantity": f"CASE WHEN {pick} >= 8 AND NOT {recent} "
            "THEN 1 + (o.id * 13 + k * 17) % 5 ELSE 0 END",
        },
        "FROM orders o CROSS JOIN generate_series(0, 3) k "
        "JOIN bench_skus s ON s.idx = floor(power(((o.id * 31 + k * 7919) % 1000) / 1000.0, 3)"
        " * (SELECT count(*) FROM bench_skus))::int "
        "WHERE o.tenant_id = :t AND o.id >= :lo AND o.id < :hi",
    )
    shipment_sql = insert_select(
        "shipments",
        {
            "tenant_id": ":t",
            "order_id": "o.id",
            "warehouse_id": ":w",
            "status": "'DELIVERED'",
            "carrier": "'Parcelo'",
            "tracking_number": "'T' || o.id",
            "created_at": "o.submitted_at + interval '1 day'",
            "shipped_at": "o.submitted_at + interval '2 days'",
            "delivered_at": "o.submitted_at + interval '4 days'",
        },
        f"FROM orders o WHERE o.tenant_id = :t AND o.id >= :lo AND o.id < :hi AND NOT {recent}",
    )
    shipment_line_sql = insert_select(
        "shipment_lines",
        {
            "tenant_id": ":t",
            "shipment_id": "sh.id",
            "order_line_id": "l.id",
            "sku_id": "l.sku_id",
            "quantity": "l.shipped_quantity",
        },
        "FROM shipments sh JOIN order_lines l ON l.order_id = sh.order_id "
        "WHERE sh.tenant_id = :t AND sh.order_id >= :lo AND sh.order_id < :hi "
        "AND l.shipped_quantity > 0",
    )
    started = time.perf_counter()
    indexes = _drop_indexes(db)
    with _progress() as progress:
        task = progress.add_task("order lines", total=orders * LINES_PER_ORDER, rate="")
        while first < orders:
            last = min(first + chunk, orders)
            with db.transaction(t) as s:
                # Generated rows are consistent by construction: skip the foreign-key
                # triggers while loading (needs a superuser, as the scratch database has).
                s.execute(text("SET LOCAL session_replication_role = replica"))
                lo = s.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM orders"))
                s.execute(text(order_sql), {**params, "a": first, "b": last})
                hi = s.scalar(text("SELECT max(id) + 1 FROM orders"))
                window = {**params, "lo": lo, "hi": hi, "w": warehouse_id}
                s.execute(text(line_sql), window)
                s.execute(text(shipment_sql), window)
                s.execute(text(shipment_line_sql), window)
            progress.update(
                task,
                advance=(last - first) * LINES_PER_ORDER,
                rate=f"{last * LINES_PER_ORDER / (time.perf_counter() - started):,.0f} lines/s",
            )
            first = last
    with console.status(f"{len(indexes)} indexes"), db.engine.connect() as conn:
        for definition in indexes:
            conn.execute(text(definition))
        conn.commit()
    console.print(f"loaded and indexed in {time.perf_counter() - started:.0f} s")
    with console.status("order totals, ANALYZE"):
        with db.engine.connect() as conn:
            conn.execute(
                text(
                    "UPDATE orders o SET total_points = x.total FROM (SELECT order_id, "
                    "sum(line_points) AS total FROM order_lines GROUP BY order_id) x "
                    "WHERE o.id = x.order_id"
                )
            )
            conn.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    console.print(
        f"{orders * LINES_PER_ORDER:,} order lines in {time.perf_counter() - started:.0f} s"
    )


LOADED = ("orders", "order_lines", "shipments", "shipment_lines")


def _drop_indexes(db: Any) -> list[str]:
    """Drop the secondary indexes of the tables about to be loaded and return their
    definitions: building an index once at the end is far cheaper than keeping it up to
    date row by row. Indexes behind constraints (primary keys, unique) stay."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(:tables) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            ),
            {"tables": list(LOADED)},
        ).all()
        for name, _ in rows:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.commit()
    return [definition for _, definition in rows]


def _ids(db: Any, t: int) -> dict[str, Any]:
    with db.engine.connect() as conn:
        one = conn.execute(
            text(
                "SELECT (SELECT id FROM locations WHERE tenant_id = :t AND code = 'R2'),"
                " (SELECT id FROM categories WHERE tenant_id = :t AND slug = 'cat3'),"
                " (SELECT id FROM customer_types WHERE tenant_id = :t AND code = 'type1'),"
                " (SELECT count(*) FROM order_lines WHERE tenant_id = :t)"
            ),
            {"t": t},
        ).one()
    return {"tenant": t, "region": one[0], "category": one[1], "type": one[2], "lines": one[3]}


LIVE = ["PENDING", "APPROVED", "IN_FULFILMENT", "SHIPPED", "DELIVERED"]
FROM_LINES = (
    "FROM order_lines l JOIN orders o ON o.id = l.order_id "
    "WHERE l.tenant_id = %(t)s AND o.tenant_id = %(t)s AND l.status = ANY(%(live)s) "
    "AND o.submitted_at >= %(since)s AND o.submitted_at < %(until)s"
)
SUBTREE = (
    "o.location_id IN (WITH RECURSIVE tree(id) AS (SELECT id FROM locations WHERE tenant_id ="
    " %(t)s AND id = %(loc)s UNION SELECT c.id FROM locations c JOIN tree ON c.parent_id ="
    " tree.id WHERE c.tenant_id = %(t)s) SELECT id FROM tree)"
)
MANAGED = (
    "o.location_id IN (WITH RECURSIVE tree(id) AS (SELECT id FROM locations WHERE tenant_id ="
    " %(t)s AND manager_id = %(m)s UNION SELECT c.id FROM locations c JOIN tree ON c.parent_id"
    " = tree.id WHERE c.tenant_id = %(t)s) SELECT id FROM tree)"
)
RAW = {
    "totals": "SELECT count(DISTINCT o.id), count(l.id), coalesce(sum(l.quantity), 0), "
    f"coalesce(sum(l.line_points), 0) {FROM_LINES}",
    "by_period": "SELECT "
    "CAST(date_trunc('{size}', o.submitted_at AT TIME ZONE 'UTC') AS DATE) AS b, "
    "count(DISTINCT o.id), sum(l.quantity), sum(l.line_points) "
    f"{FROM_LINES} GROUP BY b",
    "by_person": "SELECT u.id, u.name, u.email, count(DISTINCT o.id), sum(l.quantity), "
    f"sum(l.line_points) AS p {FROM_LINES.replace('WHERE', 'JOIN users u ON u.id = o.user_id AND u.tenant_id = %(t)s WHERE')} "  # noqa: E501
    "GROUP BY u.id, u.name, u.email ORDER BY p DESC, u.name LIMIT 50",
    "by_item": "SELECT s.id, s.code, p.name, c.name, sum(l.quantity) AS q, sum(l.line_points) "
    "FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN skus s ON s.id = l.sku_id "
    "JOIN products p ON p.id = s.product_id LEFT JOIN categories c ON c.id = p.category_id "
    "WHERE l.tenant_id = %(t)s AND o.tenant_id = %(t)s AND l.status = ANY(%(live)s) "
    "AND o.submitted_at >= %(since)s AND o.submitted_at < %(until)s "
    "GROUP BY s.id, s.code, p.name, c.name ORDER BY q DESC, s.code LIMIT 50",
    "by_location": "SELECT lo.id, lo.name, count(DISTINCT o.id), sum(l.quantity), "
    "sum(l.line_points) AS p FROM order_lines l JOIN orders o ON o.id = l.order_id "
    "LEFT JOIN locations lo ON lo.id = o.location_id "
    "WHERE l.tenant_id = %(t)s AND o.tenant_id = %(t)s AND l.status = ANY(%(live)s) "
    "AND o.submitted_at >= %(since)s AND o.submitted_at < %(until)s "
    "GROUP BY lo.id, lo.name ORDER BY p DESC, lo.name LIMIT 50",
    "velocity": "SELECT s.id, s.code, p.name, coalesce(d.units, 0), coalesce(sl.on_hand, 0), "
    "coalesce(sl.reserved, 0), r.lead_time_days, r.safety_days, r.cover_days FROM skus s "
    "JOIN products p ON p.id = s.product_id LEFT JOIN (SELECT l.sku_id, sum(l.quantity) AS units "
    f"{FROM_LINES} GROUP BY l.sku_id) d ON d.sku_id = s.id "
    "LEFT JOIN stock_levels sl ON sl.sku_id = s.id AND sl.tenant_id = %(t)s "
    "LEFT JOIN reorder_settings r ON r.sku_id = s.id AND r.tenant_id = %(t)s "
    "WHERE s.tenant_id = %(t)s AND s.is_active AND (d.units > 0 OR sl.on_hand > 0)",
    "stock": "SELECT w.id, w.code, w.name, coalesce(sum(ws.on_hand), 0), "
    "coalesce(sum(ws.allocated), 0) FROM warehouses w LEFT JOIN warehouse_stock ws "
    "ON ws.warehouse_id = w.id AND ws.tenant_id = %(t)s WHERE w.tenant_id = %(t)s AND "
    "w.is_active GROUP BY w.id, w.code, w.name, w.priority ORDER BY w.priority, w.code",
    "stock_levels": "SELECT s.id, s.code, p.name, sl.on_hand, sl.reserved, "
    "sl.low_stock_threshold FROM stock_levels sl JOIN skus s ON s.id = sl.sku_id JOIN products p "
    "ON p.id = s.product_id WHERE sl.tenant_id = %(t)s AND s.is_active ORDER BY s.code LIMIT 501",
    "stock_split": "SELECT ws.sku_id, w.id, w.code, w.name, ws.on_hand, ws.allocated FROM "
    "warehouse_stock ws JOIN warehouses w ON w.id = ws.warehouse_id WHERE ws.tenant_id = %(t)s "
    "AND w.is_active AND ws.sku_id IN (SELECT sl.sku_id FROM stock_levels sl JOIN skus s ON "
    "s.id = sl.sku_id WHERE sl.tenant_id = %(t)s AND s.is_active ORDER BY s.code LIMIT 500) "
    "ORDER BY w.priority, w.code",
    "shipped": "SELECT CAST(date_trunc('{size}', sh.shipped_at AT TIME ZONE 'UTC') AS DATE) AS b, "
    "count(DISTINCT sh.id), sum(sl.quantity) FROM shipment_lines sl "
    "JOIN shipments sh ON sh.id = sl.shipment_id WHERE sl.tenant_id = %(t)s "
    "AND sh.tenant_id = %(t)s AND sh.status IN ('SHIPPED', 'DELIVERED') "
    "AND sh.shipped_at >= %(since)s AND sh.shipped_at < %(until)s GROUP BY b",
    "backorders": "SELECT o.id, o.submitted_at, u.name, coalesce(lo.name, ''), s.code, p.name, "
    "l.quantity, l.shipped_quantity, CASE WHEN q.running - coalesce(st.on_hand, 0) < q.open "
    "THEN q.running - coalesce(st.on_hand, 0) ELSE q.open END FROM (SELECT l.id AS line_id, "
    "l.sku_id, l.quantity - l.shipped_quantity AS open, sum(l.quantity - l.shipped_quantity) "
    "OVER (PARTITION BY l.sku_id ORDER BY o.submitted_at, l.id) AS running FROM order_lines l "
    "JOIN orders o ON o.id = l.order_id WHERE l.tenant_id = %(t)s AND o.tenant_id = %(t)s AND "
    "l.status IN ('PENDING', 'APPROVED', 'IN_FULFILMENT') AND l.quantity - l.shipped_quantity"
    " > 0) q JOIN order_lines l ON l.id = q.line_id JOIN orders o ON o.id = l.order_id "
    "JOIN users u ON u.id = o.user_id LEFT JOIN locations lo ON lo.id = o.location_id "
    "JOIN skus s ON s.id = l.sku_id JOIN products p ON p.id = s.product_id LEFT JOIN "
    "stock_levels st ON st.sku_id = q.sku_id AND st.tenant_id = %(t)s WHERE q.running - "
    "coalesce(st.on_hand, 0) > 0 ORDER BY o.submitted_at, l.id LIMIT 500",
}


@contextmanager
def _context(db: Any, hooks: Any, tenant: Any, actor: Any) -> Iterator[Any]:
    """A fresh session per run, as a request gets (the plugin hooks are cached per tenant
    in the app too, so they are built once, outside the timing)."""
    from commissary.context import Context

    session = db.session(tenant.id)
    try:
        yield Context(tenant=tenant, session=session, hooks=hooks, actor=actor)
    finally:
        session.close()


def _median_ms(call: Callable[[], Any], runs: int) -> float:
    call()  # warm: plan caches, buffers, SQLAlchemy's compiled cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(
    url: str, ids: dict[str, Any], runs: int, only: str = ""
) -> list[tuple[str, float, float, int, int]]:
    import psycopg
    from sqlalchemy import select

    from commissary.db import Database
    from commissary.identity.models import User
    from commissary.plugins import PluginHost
    from commissary.reports import purchases, shipping, stock, velocity
    from commissary.reports.sql import Bucket, make_filters
    from commissary.tenants.models import Tenant
    from commissary.tenants.service import hooks_for

    db = Database(url)
    host = PluginHost()
    with db.session(ids["tenant"]) as s:
        tenant = s.get(Tenant, ids["tenant"])
        assert tenant is not None
        hooks = hooks_for(s, host, tenant)
        admin = s.scalar(select(User).where(User.email == "admin@bench.test"))
        manager = s.scalar(select(User).where(User.email == "manager@bench.test"))
        s.expunge_all()
    today = datetime.now(UTC).date()

    def period(days: int) -> tuple[date, date]:
        return today - timedelta(days=days - 1), today

    def since_until(days: int) -> dict[str, Any]:
        start, end = period(days)
        return {
            "since": datetime.combine(start, datetime.min.time(), UTC),
            "until": datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC),
        }

    base = {"t": ids["tenant"], "live": LIVE, "m": manager.id, "loc": ids["region"]}
    Case = tuple[str, Any, Callable[[Any], Any], list[tuple[str, dict[str, Any]]]]
    cases: list[Case] = []

    def case(
        name: str, actor: Any, app: Callable[[Any], Any], *raw: tuple[str, dict[str, Any]]
    ) -> None:
        cases.append((name, actor, app, list(raw)))

    def f(ctx: Any, days: int, size: Bucket, **kw: Any) -> Any:
        start, end = period(days)
        return make_filters(ctx, start=start, end=end, size=size, **kw)

    w90, w365, w730 = since_until(90), since_until(365), since_until(DAYS)
    case(
        "purchases: totals, 90 days",
        admin,
        lambda c: purchases.totals(c, f(c, 90, Bucket.WEEK)),
        (RAW["totals"], {**base, **w90}),
    )
    case(
        "purchases: spend per week, 90 days",
        admin,
        lambda c: purchases.by_period(c, f(c, 90, Bucket.WEEK)),
        (RAW["by_period"], {**base, **w90, "size": "week"}),
    )
    case(
        "purchases: spend per month, 2 years",
        admin,
        lambda c: purchases.by_period(c, f(c, DAYS, Bucket.MONTH)),
        (RAW["by_period"], {**base, **w730, "size": "month"}),
    )
    case(
        "purchases: top people, 1 year",
        admin,
        lambda c: purchases.by_person(c, f(c, 365, Bucket.MONTH)),
        (RAW["by_person"], {**base, **w365}),
    )
    case(
        "purchases: top items, 1 year",
        admin,
        lambda c: purchases.by_item(c, f(c, 365, Bucket.MONTH)),
        (RAW["by_item"], {**base, **w365}),
    )
    case(
        "purchases: per location, 1 year",
        admin,
        lambda c: purchases.by_location(c, f(c, 365, Bucket.MONTH)),
        (RAW["by_location"], {**base, **w365}),
    )
    case(
        "purchases: region subtree, per month, 2 years",
        admin,
        lambda c: purchases.by_period(c, f(c, DAYS, Bucket.MONTH, location_id=ids["region"])),
        (
            RAW["by_period"].replace("GROUP BY", f"AND {SUBTREE} GROUP BY"),
            {**base, **w730, "size": "month"},
        ),
    )
    case(
        "purchases: manager's scope, totals, 1 year",
        manager,
        lambda c: purchases.totals(c, f(c, 365, Bucket.MONTH)),
        (RAW["totals"] + f" AND {MANAGED}", {**base, **w365}),
    )
    case(
        "velocity: 30-day window, all SKUs",
        admin,
        lambda c: velocity.velocity(c, f(c, 30, Bucket.DAY), 30, today),
        (RAW["velocity"], {**base, **since_until(30)}),
    )
    case(
        "velocity: 90-day window, all SKUs",
        admin,
        lambda c: velocity.velocity(c, f(c, 90, Bucket.WEEK), 90, today),
        (RAW["velocity"], {**base, **w90}),
    )
    case(
        "stock: 500 SKUs, split per warehouse, totals",
        admin,
        lambda c: stock.stock(c, f(c, 30, Bucket.DAY)).rows,
        (RAW["stock_levels"], base),
        (RAW["stock_split"], base),
        (RAW["stock"], base),
    )
    case(
        "shipped: units per month, 2 years",
        admin,
        lambda c: shipping.shipped_by_period(c, f(c, DAYS, Bucket.MONTH)),
        (RAW["shipped"], {**base, **w730, "size": "month"}),
    )
    case(
        "backorders: oldest 500",
        admin,
        lambda c: shipping.backorders(c, f(c, 30, Bucket.DAY)),
        (RAW["backorders"], base),
    )

    cases = [c for c in cases if only in c[0]]
    results = []
    raw_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(raw_url, autocommit=True) as conn, _progress() as progress:
        task = progress.add_task("reports", total=len(cases), rate="")
        for name, actor, app, raw in cases:
            progress.update(task, description=name)

            def run_app(app: Callable[[Any], Any] = app, actor: Any = actor) -> Any:
                with _context(db, hooks, tenant, actor) as ctx:
                    return app(ctx)

            def run_raw(raw: list[tuple[str, dict[str, Any]]] = raw) -> int:
                rows = 0
                for sql, params in raw:
                    # The bucket size is part of the statement, as the report writes it:
                    # date_trunc() with a bound unit is planned differently.
                    statement = sql.replace("{size}", params.get("size", ""))
                    rows += len(conn.execute(statement, params).fetchall())  # type: ignore[arg-type]
                return rows

            found = run_app()
            count = len(found) if isinstance(found, list) else 1
            rows = run_raw()
            results.append(
                (name, _median_ms(run_app, runs), _median_ms(run_raw, runs), count, rows)
            )
            progress.advance(task)
    db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--lines", type=int, default=5_000_000, help="order lines to generate")
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (median)")
    parser.add_argument("--reuse", action="store_true", help="keep the existing data set")
    parser.add_argument("--only", default="", help="measure only reports whose name has this")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    url = _scratch(args.pg_url, args.reuse)
    if args.reuse:
        engine = create_engine(url)
        with engine.connect() as conn:
            tenant = conn.scalar(text("SELECT id FROM tenants WHERE slug = 'bench'"))
        engine.dispose()
        from commissary.db import Database

        ids = _ids(Database(url), tenant)
    else:
        ids = seed(url, args.lines, args.users)
    results = measure(url, ids, args.runs, args.only)
    table = Table(
        title=f"Reports on {ids['lines']:,} order lines over two years (PostgreSQL), "
        f"median of {args.runs} runs"
    )
    for column in ("report", "rows", "raw rows", "report ms", "raw SQL ms", "ratio"):
        table.add_column(column, justify="left" if column == "report" else "right")
    for name, app_ms, raw_ms, count, rows in results:
        table.add_row(
            name,
            f"{count:,}",
            f"{rows:,}",
            f"{app_ms:,.1f}",
            f"{raw_ms:,.1f}",
            f"{app_ms / raw_ms:.2f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
