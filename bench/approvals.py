"""Approvals inbox benchmark: 10,000 pending orders, the inbox in a bounded number of SQL
statements whatever the page size.

    .venv/bin/python bench/approvals.py [--orders 10000] [--pg-url URL] [--repeat 20]

One run:

1. **Data**: a scratch PostgreSQL database ``commissary_bench_approvals`` (dropped and
   recreated, left for inspection), migrated; one tenant, a region with a store under it,
   a store manager, 100 buyers, one SKU; ``--orders`` pending orders of two lines each,
   with their approval steps (one per line, open, for the store manager), bulk-inserted
   with ``INSERT ... SELECT generate_series`` (placing them through the API would measure
   checkout, which ``bench/orders.py`` does).
2. **Inbox**: the manager's ``GET /api/v1/approvals?limit=N`` and the inbox page
   ``GET /t/<slug>/approvals?per_page=N`` at N = 50 and 200, in-process (FastAPI
   ``TestClient``, same database), warm. For each: SQL statements per request (counted with
   a ``before_cursor_execute`` listener; BEGIN/COMMIT excluded) and the median time of
   ``--repeat`` requests; also the same for a filtered inbox (``min_total``, ``waiting_days``).
3. **Raw SQL**: the service's two statements (count + page) alone, timed the same way: the
   floor the request time can be read against.

Prints a table; the statement count must be the same at 50 and at 200 rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "core"))
console = Console(width=None if sys.stdout.isatty() else 150)
DB_NAME = "commissary_bench_approvals"


def _scratch(url: str) -> str:
    admin = create_engine(str(make_url(url).set(database="postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return str(make_url(url).set(database=DB_NAME).render_as_string(hide_password=False))


def _seed(url: str, orders: int) -> tuple[Any, Any, Any]:
    from commissary.app import create_app
    from commissary.db import Database
    from commissary.migrate import upgrade
    from commissary.settings import Settings
    from commissary.testing import Portal, Shop

    upgrade(url)
    db = Database(url)
    app = create_app(
        Settings(database_url=url, secret_key="bench", inprocess_worker=False), database=db
    )
    client = TestClient(app)
    client.__enter__()
    portal = Portal(app, db, client)
    shop: Shop = portal.tenant("acme", threshold=0)
    manager = shop.user("manager@acme.test", roles=["manager"])
    region = shop.location("R", "Region")
    store = shop.location("S1", "Store 1", manager=manager)
    with db.transaction(shop.tenant.id) as s:
        s.execute(
            text("UPDATE locations SET parent_id = :r WHERE id = :s"),
            {"r": region.id, "s": store.id},
        )
    for i in range(100):
        shop.user(f"b{i}@acme.test", location=store)
    (sku,) = shop.product("Parka", [("PARKA", 350, 1_000_000)])
    started = time.perf_counter()
    with db.transaction(shop.tenant.id) as s:
        params = {"t": shop.tenant.id, "n": orders, "loc": store.id, "sku": sku, "m": manager.id}
        s.execute(
            text(
                """
                INSERT INTO orders (tenant_id, user_id, placed_by_id, version, location_id, status,
                                    total_points, approval, ship_to, submitted_at, decided_at)
                SELECT :t, u.id, NULL, 1, :loc, 'PENDING_APPROVAL', 700 + (g % 7) * 350,
                       '[{"rule": "points_threshold", "approver": "location_manager",
                          "reason": "every order needs approval", "level": 1}]',
                       'Store 1', now() - (g || ' minutes')::interval, NULL
                FROM generate_series(1, :n) AS g
                JOIN LATERAL (SELECT id FROM users WHERE tenant_id = :t AND email LIKE 'b%'
                              ORDER BY id OFFSET (g % 100) LIMIT 1) u ON true
                """
            ),
            params,
        )
        s.execute(
            text(
                """
                INSERT INTO order_lines (tenant_id, order_id, sku_id, sku_code, description,
                    quantity, shipped_quantity, unit_points, line_points, price_source, status,
                    decision_reason)
                SELECT :t, o.id, :sku, 'PARKA', 'Parka', 1 + k, 0, 350, 350 * (1 + k), 'list',
                       'PENDING', ''
                FROM orders o CROSS JOIN generate_series(0, 1) AS k WHERE o.tenant_id = :t
                """
            ),
            params,
        )
        s.execute(
            text(
                """
                INSERT INTO order_approval_steps (tenant_id, order_id, line_id, level, rule,
                    reason, approver_kind, approver_user_id, approver_role, approver_location_id,
                    status, opened_at, escalate_after_days, escalations)
                SELECT :t, l.order_id, l.id, 1, 'points_threshold', 'every order needs approval',
                       'LOCATION_MANAGER', :m, NULL, :loc, 'OPEN', o.submitted_at, NULL, 0
                FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.tenant_id = :t
                """
            ),
            params,
        )
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    console.print(f"seeded {orders:,} pending orders in {time.perf_counter() - started:.1f} s")
    return portal, shop, manager


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args: Any) -> None:
        statement = args[2]
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1")):
            self.n += 1


def _measure(engine: Any, call: Callable[[], Any], repeat: int) -> tuple[int, float]:
    call()  # warm
    counter = Counter()
    event.listen(engine, "before_cursor_execute", counter)
    call()
    event.remove(engine, "before_cursor_execute", counter)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return counter.n, statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    url = _scratch(args.pg_url)
    portal, shop, manager = _seed(url, args.orders)
    from commissary.approvals import service

    api = shop.api(manager)
    browser = shop.browser(manager)
    engine = portal.db.engine
    table = Table(title=f"Approvals inbox, {args.orders:,} pending orders (PostgreSQL)")
    for col in ("request", "rows", "SQL statements", "median ms"):
        table.add_column(col, justify="right" if col != "request" else "left")
    counts: dict[str, set[int]] = {}
    for size in (50, 200):
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("API inbox", lambda size=size: api.get("/approvals", params={"limit": size})),
            ("page inbox", lambda size=size: browser.get(f"/t/acme/approvals?per_page={size}")),
            (
                "API inbox, filtered",
                lambda size=size: api.get(
                    "/approvals", params={"limit": size, "min_total": 1400, "waiting_days": 0}
                ),
            ),
        ]

        def raw(size: int = size) -> None:
            ctx = shop.context(manager)
            try:
                service.inbox(ctx, limit=size)
            finally:
                ctx.session.close()

        cases.append(("service.inbox() alone", raw))
        for name, call in cases:
            n, ms = _measure(engine, call, args.repeat)
            counts.setdefault(name, set()).add(n)
            table.add_row(name, str(size), str(n), f"{ms:.1f}")
    console.print(table)
    same = all(len(v) == 1 for v in counts.values())
    console.print(
        "statement count independent of page size: "
        + ("[green]yes[/green]" if same else f"[red]NO[/red] {counts}")
    )
    portal.client.__exit__(None, None, None)
    portal.db.dispose()


if __name__ == "__main__":
    main()
