"""Catalog benchmark: listing, search and the HTML catalog page for a segmented buyer, over
a generated catalog of 100,000 SKUs, 20 customer types and 50 price lists on PostgreSQL;
and pricing a 500-line cart through the hooks.

    .venv/bin/python bench/catalog.py                # ~3 minutes (most of it populating)
    .venv/bin/python bench/catalog.py --skus 20000   # smaller, quicker

Prints requests/s and p50/p99 at concurrency 16 per request kind, SQL statements per
request at two page sizes (they must not grow with the page), and the 500-line cart's
pricing time with the share spent inside hook implementations. Results go to
``bench/results/catalog-<time>.json`` and ``last_catalog.json`` (compared next run).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _loadgen import RawTransport  # noqa: E402

from commissary.web.csrf import new_token as new_csrf_token  # noqa: E402
from orders import RESULTS, SECRET, Server, db_url, log, recreate_database  # noqa: E402

TARGETS = {"json": 600.0, "html": 400.0, "p99_ms": 50.0, "cart_ms": 20.0}
WORDS = ["jacket", "boots", "gloves", "helmet", "shirt", "vest", "trousers", "cap", "mask"]
COLOURS = ["black", "navy", "red", "yellow", "white"]
SIZES = ["S", "M", "L", "XL", "XXL"]
console = Console(width=None if sys.stdout.isatty() else 140)


def populate(url: str, skus: int, types: int, lists: int) -> dict[str, Any]:
    """A tenant with ``skus`` SKUs (5 per product), customer types each restricted to a
    catalog of 10 categories, and price lists with tiers and discounts."""
    from rich.progress import Progress
    from sqlalchemy import insert, select

    from commissary.catalog.models import Category, Product, Sku
    from commissary.context import Context
    from commissary.db import Database, utcnow
    from commissary.identity import service as identity
    from commissary.identity.models import Location, TokenKind
    from commissary.inventory.models import StockLevel
    from commissary.migrate import upgrade
    from commissary.plugins import PluginHost
    from commissary.pricing.models import PriceList, PriceListDiscount, PriceListItem
    from commissary.segments import service as segments
    from commissary.settings import Settings
    from commissary.tenants import service as tenants

    upgrade(url)
    db = Database(url)
    host = PluginHost()
    rng = random.Random(7)
    products = skus // 5
    with db.transaction() as s, Progress(console=console, transient=True) as bar:
        tenant = tenants.create_tenant(s, slug="catalog", name="Catalog bench")
        tenants.set_plugin_enabled(s, host, tenant, "allowance", True, {})
        tid = tenant.id
        s.info["tenant_id"] = tid
        s.execute(
            insert(Category),
            [{"tenant_id": tid, "slug": f"c{i}", "name": f"Category {i}"} for i in range(50)],
        )
        cats = list(s.scalars(select(Category.id).order_by(Category.id)))
        task = bar.add_task("products and SKUs", total=products)
        for start in range(0, products, 2000):
            rows = []
            for p in range(start, min(start + 2000, products)):
                word = WORDS[p % len(WORDS)]
                name = f"{word.title()} model {p}"
                text = f"{name} {word} durable workwear item {p} " + " ".join(
                    f"SKU{p}-{z} {z.lower()} {COLOURS[p % 5]}" for z in SIZES
                )
                rows.append(
                    {
                        "tenant_id": tid,
                        "slug": f"p{p}",
                        "name": name,
                        "description": f"Durable {word} for work, model {p}.",
                        "category_id": cats[p % len(cats)],
                        "search_text": text.lower(),
                    }
                )
            ids = list(s.scalars(insert(Product).returning(Product.id), rows))
            sku_rows = [
                {
                    "tenant_id": tid,
                    "product_id": pid,
                    "code": f"SKU{start + i}-{z}",
                    "size": z,
                    "colour": COLOURS[(start + i) % 5],
                    "price_points": 20 + (start + i) % 200,
                    "position": k,
                }
                for i, pid in enumerate(ids)
                for k, z in enumerate(SIZES)
            ]
            sku_ids = list(s.scalars(insert(Sku).returning(Sku.id), sku_rows))
            s.execute(
                insert(StockLevel),
                [{"tenant_id": tid, "sku_id": x, "on_hand": 1000, "reserved": 0} for x in sku_ids],
            )
            bar.advance(task, len(ids))
        all_skus = list(s.scalars(select(Sku.id)))
        loc = Location(tenant_id=tid, code="L1", name="Store", address="Street 1")
        s.add(loc)
        s.flush()
        admin = identity.create_user(
            s,
            tenant,
            email="admin@bench.test",
            name="Admin",
            password="bench-password-123",
            roles=["tenant_admin"],
        )
        ctx = Context(
            tenant=tenant, session=s, hooks=tenants.hooks_for(s, host, tenant), actor=admin
        )
        type_ids = []
        task = bar.add_task("customer types and catalogs", total=types)
        for t in range(types):
            kind = segments.create_customer_type(ctx, f"t{t}", f"Type {t}")
            catalog = segments.create_catalog(ctx, f"k{t}", f"Catalog {t}")
            chosen = rng.sample(cats, 10)
            segments.set_catalog_entries(ctx, catalog.id, category_ids=chosen)
            segments.set_type_catalogs(ctx, kind.id, [catalog.id])
            type_ids.append(kind.id)
            bar.advance(task)
        task = bar.add_task("price lists", total=lists)
        now = utcnow()
        for n in range(lists):
            pl = PriceList(
                tenant_id=tid,
                code=f"pl{n}",
                name=f"List {n}",
                customer_type_id=type_ids[n % types] if n < types else None,
                valid_from=now.replace(year=now.year - 1),
                valid_until=now.replace(year=now.year + 1),
            )
            s.add(pl)
            s.flush()
            chosen_skus = rng.sample(all_skus, min(2000, len(all_skus)))
            s.execute(
                insert(PriceListItem),
                [
                    {
                        "tenant_id": tid,
                        "price_list_id": pl.id,
                        "sku_id": x,
                        "min_quantity": q,
                        "unit_points": price,
                    }
                    for x in chosen_skus
                    for q, price in ((1, 18), (10, 15))
                ],
            )
            s.add(
                PriceListDiscount(
                    tenant_id=tid,
                    price_list_id=pl.id,
                    category_id=rng.choice(cats),
                    percent=5 + n % 10,
                )
            )
            bar.advance(task)
        buyer = identity.create_user(
            s,
            tenant,
            email="buyer@bench.test",
            name="Buyer",
            password="bench-password-123",
            roles=["buyer"],
            location_id=loc.id,
        )
        segments.set_user_types(ctx, buyer.id, [type_ids[0]])
        settings = Settings(database_url=url, secret_key="x" * 40)
        tokens = {
            kind: identity.login(
                s,
                settings,
                tenant,
                email="buyer@bench.test",
                password="bench-password-123",
                client="bench",
                kind=kind,
            ).token
            for kind in (TokenKind.API, TokenKind.SESSION)
        }
        api_token, page_token = tokens[TokenKind.API], tokens[TokenKind.SESSION]
        buyer_id = buyer.id
    with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("ANALYZE")  # planner statistics for the fresh tables
    db.dispose()
    return {
        "api_token": api_token,
        "page_token": page_token,
        "buyer_id": buyer_id,
        "tenant_id": tid,
    }


def count_statements(url: str, info: dict[str, Any]) -> dict[str, list[int]]:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from commissary.app import create_app
    from commissary.settings import Settings

    app = create_app(Settings(database_url=url, secret_key="x" * 40, inprocess_worker=False))
    seen: list[str] = []
    result: dict[str, list[int]] = {}
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {info['api_token']}"
        client.cookies.set("cs_catalog", info["page_token"])
        requests: dict[str, Callable[[int], Any]] = {
            "json": lambda size: client.get(
                "/t/catalog/api/v1/products", params={"page_size": size}
            ),
            "search": lambda size: client.get(
                "/t/catalog/api/v1/products", params={"page_size": size, "q": "jacket black"}
            ),
            "html": lambda size: client.get("/t/catalog/"),
        }
        engine = app.state.db.engine
        for kind, call in requests.items():
            call(6)  # warm the per-process caches (cards, access, price books)
            call(24)
            counts = []
            for size in (6, 24):
                listener = lambda *a, **k: seen.append(a[2])  # noqa: E731
                event.listen(engine, "before_cursor_execute", listener)
                seen.clear()
                r = call(size)
                event.remove(engine, "before_cursor_execute", listener)
                assert r.status_code == 200, r.text
                counts.append(len(seen))
            result[kind] = counts
    return result


async def _load(
    base: str, info: dict[str, Any], kind: str, seconds: float, clients: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    rng = random.Random(3)

    def path() -> str:
        if kind == "json":
            return f"/api/v1/products?page={rng.randint(1, 40)}"
        if kind == "search":
            return f"/api/v1/products?q={rng.choice(WORDS)}+{rng.choice(COLOURS)}"
        return f"/?page={rng.randint(1, 40)}"

    async def client() -> None:
        nonlocal errors
        transport = RawTransport(f"{base}/t/catalog", info["api_token"])
        # A returning browser: its session and its CSRF cookie (signed with the server's key).
        csrf = new_csrf_token(SECRET)
        cookie = (
            {"Cookie": f"cs_catalog={info['page_token']}; csrftoken={csrf}"}
            if kind == "html"
            else {}
        )
        done = 0
        while time.monotonic() < stop:
            headers = dict(cookie)
            done += 1
            if done % 25 == 0:
                headers["Connection"] = "close"  # spread connections over the workers
            started = time.perf_counter()
            status, _ = await transport.request("GET", path(), headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += status != 200
        await transport.close()

    began = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2], 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "errors": errors,
    }


def _measure(
    base: str, info: dict[str, Any], kind: str, seconds: float, clients: int
) -> dict[str, Any]:
    """One load run, with this process's cyclic garbage collector out of the way: the load
    generator holds the populated catalog's data and the app's modules (~100,000 objects),
    and each full collection stopped every simulated client for 40-60 ms, which the
    latencies then counted as the server's. Nothing it allocates while measuring is cyclic
    garbage worth collecting."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return asyncio.run(_load(base, info, kind, seconds, clients))
    finally:
        gc.enable()
        gc.unfreeze()


def price_cart(
    url: str, info: dict[str, Any], lines: int = 500, *, promotion: bool = False
) -> dict[str, float]:
    """Price a ``lines``-line cart in process, and how much of it is spent in hooks.
    With ``promotion`` the example pricing plugin (``adjust_unit_price``, 15 % off half
    of the categories) is enabled for the tenant, so every line goes through the hooks."""
    from sqlalchemy import delete, insert, select

    from commissary.catalog.models import Category
    from commissary.context import Context
    from commissary.db import Database, utcnow
    from commissary.identity.models import User
    from commissary.orders import service
    from commissary.orders.models import CartLine
    from commissary.plugins import PluginHost
    from commissary.segments.models import CatalogSku, CustomerTypeCatalog, UserCustomerType
    from commissary.tenants import service as tenants
    from commissary.tenants.models import Tenant

    db = Database(url)
    sys.path.insert(0, str(HERE.parent / "examples" / "plugin_promotion"))
    import commissary_promotion

    host = PluginHost([("promotion", commissary_promotion)])
    in_hooks = [0.0]
    starts: list[float] = []
    host.pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: starts.append(time.perf_counter()),
        lambda outcome, name, impls, kwargs: in_hooks.__setitem__(
            0, in_hooks[0] + time.perf_counter() - starts.pop()
        ),
    )
    with db.transaction(info["tenant_id"]) as s:
        tenant = s.get(Tenant, info["tenant_id"])
        assert tenant is not None
        categories = list(s.scalars(select(Category.id).order_by(Category.id)))
        settings = {"label": "Bench sale", "percent": "15", "category_ids": categories[::2]}
        tenants.set_plugin_enabled(s, host, tenant, "promotion", promotion, settings)
        s.execute(delete(CartLine).where(CartLine.user_id == info["buyer_id"]))  # --reuse
        visible = (
            select(CatalogSku.sku_id)
            .join(CustomerTypeCatalog, CustomerTypeCatalog.catalog_id == CatalogSku.catalog_id)
            .join(
                UserCustomerType,
                UserCustomerType.customer_type_id == CustomerTypeCatalog.customer_type_id,
            )
            .where(UserCustomerType.user_id == info["buyer_id"])
            .limit(lines)
        )
        chosen = list(s.scalars(visible))
        s.execute(
            insert(CartLine),
            [
                {
                    "tenant_id": info["tenant_id"],
                    "user_id": info["buyer_id"],
                    "sku_id": x,
                    "quantity": 1 + i % 12,
                    "added_at": utcnow(),
                }
                for i, x in enumerate(chosen)
            ],
        )
    times, shares = [], []
    for run in range(7):
        if run == 1:
            # After the first (cold) pricing, as a web process is after start-up and
            # warm-up (COMMISSARY_GC_FREEZE): what is alive by then is left out of the
            # collector's full passes, which here walked this process's whole heap (the
            # populated catalog's data) in the middle of a timed pricing.
            gc.collect()
            gc.freeze()
        with db.session(info["tenant_id"]) as s:
            tenant = s.get(Tenant, info["tenant_id"])
            buyer = s.get(User, info["buyer_id"])
            assert tenant is not None and buyer is not None
            ctx = Context(
                tenant=tenant, session=s, hooks=tenants.hooks_for(s, host, tenant), actor=buyer
            )
            in_hooks[0] = 0.0
            started = time.perf_counter()
            priced = service.priced_cart(ctx)
            took = time.perf_counter() - started
            assert len(priced) == len(chosen)
            times.append(took * 1000)
            shares.append(in_hooks[0] / took)
    gc.unfreeze()
    db.dispose()
    return {
        "lines": len(chosen),
        "ms": round(statistics.median(times), 2),  # warm: the process priced it before
        "cold_ms": round(times[0], 2),  # the first time: price items and lines loaded
        "hook_share": round(statistics.median(shares), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db-name", default="commissary_bench_catalog")
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--types", type=int, default=20)
    parser.add_argument("--lists", type=int, default=50)
    # One web process per core: catalog browses run on each process's event loop (no
    # thread waits), so a third process only added time slices to wait for (measured
    # 2 vs 3: 636-712 vs 517-672 pages/s, p99 63-66 vs 77-99 ms, same code, same day).
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure again on the database the last run populated (same --skus)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    url = db_url(args.pg_url, args.db_name)
    saved = RESULTS / "catalog_data.json"
    known = json.loads(saved.read_text()) if args.reuse and saved.exists() else None
    if known and known.get("db") == args.db_name and known.get("skus") == args.skus:
        log(f"database {args.db_name}: reused ({args.skus:,} SKUs)")
        info = known["info"]
    else:
        log(f"database {args.db_name}: create, migrate, populate {args.skus:,} SKUs")
        recreate_database(args.pg_url, args.db_name)
        info = populate(url, args.skus, args.types, args.lists)
        RESULTS.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({"db": args.db_name, "skus": args.skus, "info": info}))
    log("counting SQL statements per request (page size 6 and 24)")
    statements = count_statements(url, info)
    log("pricing a 500-line cart in process (core prices only, then with a pricing plugin)")
    cart = price_cart(url, info)
    cart_plugin = price_cart(url, info, promotion=True)
    price_cart(url, info)  # leaves the plugin disabled again
    server = Server("uvicorn", args.workers, url, outbox="off", access_log=False, label="catalog")
    loads: dict[str, Any] = {}
    try:
        server.wait_ready()
        for kind in ("json", "html", "search"):
            _measure(server.base, info, kind, 3.0, args.clients)  # warm-up
            loads[kind] = _measure(server.base, info, kind, args.seconds, args.clients)
            log(f"  {kind}: {loads[kind]}")
    finally:
        server.stop()
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "skus": args.skus,
        "types": args.types,
        "lists": args.lists,
        "workers": args.workers,
        "statements": statements,
        "load": loads,
        "cart": cart,
        "cart_with_plugin": cart_plugin,
        "elapsed_s": round(time.monotonic() - started),
    }
    previous_path = RESULTS / "last_catalog.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else None
    table = Table(
        title=f"Catalog — {args.skus:,} SKUs, {args.types} types, {args.lists} price lists, "
        f"{args.clients} clients, uvicorn x{args.workers}"
    )
    for column in (
        "request",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "statements (6 / 24 items)",
        "vs last run",
        "target",
    ):
        table.add_column(column, justify="right" if column != "request" else "left")
    for kind, figures in loads.items():
        before = (previous or {}).get("load", {}).get(kind, {}).get("per_s")
        ratio = f"{figures['per_s'] / before:.2f}x" if before else "-"
        target = {"json": "≥ 600/s, p99 < 50", "html": "≥ 400/s, p99 < 50", "search": "-"}[kind]
        table.add_row(
            kind,
            f"{figures['per_s']:,.1f}",
            str(figures["p50_ms"]),
            str(figures["p99_ms"]),
            str(figures["errors"]),
            " / ".join(map(str, statements[kind])),
            ratio,
            target,
        )
    console.print(table)
    console.print(
        f"500-line cart, core prices only: {cart['ms']} ms warm, {cart['cold_ms']} ms the first "
        f"time ({cart['lines']} lines; {cart['hook_share'] * 100:.0f} % in hooks); "
        f"with a pricing plugin (adjust_unit_price): {cart_plugin['ms']} ms warm, "
        f"{cart_plugin['cold_ms']} ms the first time, "
        f"{cart_plugin['hook_share'] * 100:.0f} % inside hook implementations (target < 20 ms)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"catalog-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    previous_path.write_text(json.dumps(result, indent=2))
    console.print(f"results: {out}; {result['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
