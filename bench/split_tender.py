"""Split-tender checkout benchmark: points + card (localstripe) beside points only.

    .venv/bin/python bench/split_tender.py [--buyers 16] [--duration 10] [--workers 2]

One run, on a scratch PostgreSQL database ``commissary_bench_split`` (dropped and created
again each time) and a localstripe started on 127.0.0.1 for the run:

- tenant ``points``: the allowance plugin only; buyers hold 10M points; checkout pays
  with points (the path that must stay at 12 statements).
- tenant ``split``: allowance + Stripe, policy "the rest by the buyer's own card",
  1 point = 0.05 EUR; each buyer saved a card. Before each order the buyer's manager
  grants 20 points (one extra request, not part of the order's latency), so every order is
  paid by 20 points and the rest by a manual-capture-free card PaymentIntent.

N buyers loop: 3 x POST /cart/lines + POST /checkout. Prints orders/s and latency
percentiles per scenario and the ratio split / points-only; writes
bench/results/split_tender-<time>.json. Server and load generator helpers come from
bench/orders.py. localstripe answers each Stripe call in a few ms in-process on this
machine; real Stripe adds ~200-400 ms per PaymentIntent, which this bench does not model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import orders as bench_orders  # noqa: E402  (Server, free_port, recreate_database, ...)

LAUNCHER = ROOT / "tests" / "plugins" / "stripe" / "run_localstripe.py"
PASSWORD = bench_orders.PASSWORD
STRIPE_KEY = "sk_test_bench"


def start_localstripe() -> tuple[subprocess.Popen[bytes], str]:
    port = bench_orders.free_port()
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/v1/customers", auth=(STRIPE_KEY, ""))
            return proc, url
        except httpx.ConnectError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("localstripe did not start")


def populate(url: str, buyers: int, stripe_url: str) -> dict[str, dict[str, Any]]:
    from sqlalchemy import select

    from commissary.catalog import service as catalog
    from commissary.catalog.models import Sku
    from commissary.context import Context
    from commissary.db import Database
    from commissary.identity import service as identity
    from commissary.identity.models import Location
    from commissary.payments.policy import set_policy
    from commissary.plugins import PluginHost
    from commissary.tenants import service as tenants
    from commissary_allowance.models import EntryKind
    from commissary_allowance.service import ensure_wallet, move

    db, host = Database(url), PluginHost()
    out: dict[str, dict[str, Any]] = {}
    stripe_settings = {"secret_key": STRIPE_KEY, "api_base": stripe_url}
    for slug, plugins, points in (
        ("points", {"allowance": {}}, 10_000_000),
        ("split", {"allowance": {}, "stripe": stripe_settings}, 0),
    ):
        with db.transaction() as s:
            tenant = tenants.create_tenant(s, slug=slug, name=slug.title())
            for name, settings in plugins.items():
                tenants.set_plugin_enabled(s, host, tenant, name, True, settings)
            tenant_id = tenant.id
        with db.transaction(tenant_id) as s:
            tenant = tenants.tenant_by_slug(s, slug)
            manager = identity.create_user(
                s,
                tenant,
                email=f"manager@{slug}.test",
                name="Manager",
                password=PASSWORD,
                roles=["manager"],
            )
            location = Location(
                tenant_id=tenant_id,
                code="L1",
                name="Store",
                address="Bench Street 1",
                manager_id=manager.id,
            )
            s.add(location)
            s.flush()
            people = []
            for i in range(buyers):
                email = f"buyer{i:02d}@{slug}.test"
                user = identity.create_user(
                    s,
                    tenant,
                    email=email,
                    name=f"Buyer {i}",
                    password=PASSWORD,
                    roles=["buyer"],
                    location_id=location.id,
                )
                ensure_wallet(s, tenant_id, user.id)
                if points:
                    move(
                        s,
                        tenant_id,
                        user.id,
                        EntryKind.GRANT,
                        points,
                        key=f"bench:{uuid.uuid4().hex}",
                        reason="benchmark grant",
                    )
                people.append({"email": email, "id": user.id})
            category = catalog.create_category(s, tenant_id, "uniforms", "Uniforms")
            skus = []
            for p in range(5):
                product = catalog.create_product(
                    s,
                    tenant_id,
                    slug=f"item-{p}",
                    name=f"Bench item {p}",
                    description="benchmark product",
                    category=category,
                    variants=[(f"B{p:02d}-{z}", z, None, 20 + 5 * p, 10_000_000) for z in "SML"],
                )
                skus += list(s.scalars(select(Sku.id).where(Sku.product_id == product.id)))
            if slug == "split":
                ctx = Context(tenant=tenant, session=s, hooks=tenants.hooks_for(s, host, tenant))
                set_policy(
                    ctx,
                    remainder_methods=["stripe"],
                    employee_card=True,
                    currency="EUR",
                    point_value=Decimal("0.05"),
                )
        out[slug] = {"slug": slug, "buyers": people, "skus": skus}
    db.dispose()
    return out


async def save_cards(base: str, info: dict[str, Any], stripe_url: str) -> None:
    """What Stripe.js and the storefront do once per buyer: a pm_… id, saved."""
    async with httpx.AsyncClient(timeout=30) as client:
        for buyer in info["buyers"]:
            r = await client.post(
                f"{stripe_url}/v1/payment_methods",
                auth=(STRIPE_KEY, ""),
                data={
                    "type": "card",
                    "card[number]": "4242424242424242",
                    "card[exp_month]": "12",
                    "card[exp_year]": "2031",
                    "card[cvc]": "123",
                },
            )
            r.raise_for_status()
            token = await login(client, base, buyer["email"])
            saved = await client.post(
                f"{base}/stripe/cards",
                json={"payment_method": r.json()["id"]},
                headers={"Authorization": f"Bearer {token}"},
            )
            saved.raise_for_status()
            buyer["card"] = saved.json()["id"]


async def login(client: httpx.AsyncClient, base: str, email: str) -> str:
    r = await client.post(f"{base}/auth/token", json={"email": email, "password": PASSWORD})
    r.raise_for_status()
    return str(r.json()["access_token"])


def pct(values: list[float], q: float) -> float:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return float("nan")
    return round(ms[min(len(ms) - 1, max(0, round(q / 100 * len(ms) + 0.5) - 1))], 1)


async def load(base: str, info: dict[str, Any], warmup: float, duration: float) -> dict[str, Any]:
    split = info["slug"] == "split"
    rng = random.Random(1)
    orders: list[tuple[float, float]] = []
    checkouts: list[tuple[float, float]] = []
    errors: list[str] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as client:
        manager = await login(client, base, f"manager@{info['slug']}.test")
        tokens = [await login(client, base, b["email"]) for b in info["buyers"]]
        start = time.perf_counter()
        warm_end, end = start + warmup, start + warmup + duration

        async def buyer(i: int) -> None:
            me = info["buyers"][i]
            headers = {"Authorization": f"Bearer {tokens[i]}"}
            n = 0
            while time.perf_counter() < end:
                n += 1
                if split:  # the 20 points this order spends first (not timed)
                    await client.post(
                        f"{base}/wallet/grants",
                        json={"user_id": me["id"], "points": 20, "reason": "bench"},
                        headers={
                            "Authorization": f"Bearer {manager}",
                            "Idempotency-Key": uuid.uuid4().hex,
                        },
                    )
                began = time.perf_counter()
                for sku in rng.sample(info["skus"], 3):
                    r = await client.post(
                        f"{base}/cart/lines", json={"sku_id": sku, "quantity": 1}, headers=headers
                    )
                    if r.status_code != 201:
                        errors.append(f"cart {r.status_code}")
                body = (
                    {"payment": {"method": "stripe", "data": {"payment_method": me["card"]}}}
                    if split
                    else {}
                )
                t = time.perf_counter()
                r = await client.post(
                    f"{base}/checkout",
                    json=body,
                    headers={**headers, "Idempotency-Key": f"{i}-{n}-{uuid.uuid4().hex[:8]}"},
                )
                done = time.perf_counter()
                if r.status_code != 201:
                    errors.append(f"checkout {r.status_code}: {r.text[:200]}")
                    continue
                if warm_end <= done <= end:
                    orders.append((done, done - began))
                    checkouts.append((done, done - t))

        await asyncio.gather(*(buyer(i) for i in range(len(info["buyers"]))))
    return {
        "orders": len(orders),
        "orders_per_s": round(len(orders) / duration, 2),
        "order_p50_ms": pct([v for _, v in orders], 50),
        "order_p99_ms": pct([v for _, v in orders], 99),
        "checkout_p50_ms": pct([v for _, v in checkouts], 50),
        "checkout_p99_ms": pct([v for _, v in checkouts], 99),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--db-name", default="commissary_bench_split")
    args = parser.parse_args()

    from commissary.migrate import upgrade

    bench_orders.recreate_database(args.pg_url, args.db_name)
    url = bench_orders.db_url(args.pg_url, args.db_name)
    upgrade(url)
    stripe_proc, stripe_url = start_localstripe()
    server = None
    results: dict[str, Any] = {}
    try:
        info = populate(url, args.buyers, stripe_url)
        server = bench_orders.Server(
            "uvicorn", args.workers, url, outbox="inprocess", access_log=False, label="split"
        )
        server.wait_ready()
        for slug in ("points", "split"):
            base = f"{server.base}/t/{slug}/api/v1"
            if slug == "split":
                asyncio.run(save_cards(base, info[slug], stripe_url))
            results[slug] = asyncio.run(load(base, info[slug], args.warmup, args.duration))
            bench_orders.log(f"{slug}: {results[slug]}")
    finally:
        if server is not None:
            server.stop()
        stripe_proc.terminate()
        stripe_proc.wait(10)
    ratio = results["split"]["orders_per_s"] / max(results["points"]["orders_per_s"], 1e-9)
    print(
        f"{'scenario':<10} {'orders/s':>9} {'order p50':>10} {'order p99':>10} "
        f"{'checkout p99':>13} {'errors':>7}"
    )
    for slug, r in results.items():
        print(
            f"{slug:<10} {r['orders_per_s']:>9} {r['order_p50_ms']:>8} ms {r['order_p99_ms']:>7} ms"
            f" {r['checkout_p99_ms']:>10} ms {r['errors']:>7}"
        )
    print(f"split / points-only orders/s: {ratio:.2f}")
    out = {
        "at": datetime.now(UTC).isoformat(),
        "args": vars(args),
        "cores": os.cpu_count(),
        "host": socket.gethostname(),
        "results": results,
        "ratio": round(ratio, 3),
    }
    bench_orders.RESULTS.mkdir(parents=True, exist_ok=True)
    path = bench_orders.RESULTS / f"split_tender-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
