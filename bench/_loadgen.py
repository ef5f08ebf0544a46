"""Load generator for bench/orders.py, run as its own process (``python bench/_loadgen.py
'<json config>'``) so that its CPU use is measured apart and never slows the caller.

N buyers, each with its own token and keep-alive connection, loop: 3 x POST /cart/lines
(distinct SKUs) + POST /checkout (unique Idempotency-Key). One order = those 4 requests.
Orders finished inside the measured window (after the warm-up) are counted. Prints one
JSON document on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import _procstat  # noqa: E402


def _pg_counters(dsn: str, dbname: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted,"
            " tup_fetched, deadlocks FROM pg_stat_database WHERE datname = %s",
            (dbname,),
        ).fetchone()
    keys = ["xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted",
            "tup_fetched", "deadlocks"]
    return dict(zip(keys, (int(v) for v in row), strict=True)) if row else {}


def _analyze(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")


class Buyer:
    def __init__(self, cfg: dict[str, Any], index: int, email: str, skus: list[int]) -> None:
        self.cfg, self.index, self.email, self.skus = cfg, index, email, skus
        self.rng = random.Random(cfg["seed"] * 1000 + index)
        self.client = httpx.AsyncClient(
            base_url=cfg["base_url"],
            timeout=httpx.Timeout(30.0),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self.orders: list[tuple[float, float]] = []  # (finished at, seconds)
        self.errors: list[tuple[float, str]] = []  # (finished at, description)
        self.cart_add: list[tuple[float, float]] = []
        self.checkout: list[tuple[float, float]] = []

    async def login(self) -> None:
        r = await self.client.post(
            "/auth/token", json={"email": self.email, "password": self.cfg["password"]}
        )
        r.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    async def _reset_cart(self) -> None:
        try:
            cart = (await self.client.get("/cart")).json()
            for line in cart.get("lines", []):
                await self.client.delete(f"/cart/lines/{line['id']}")
        except Exception:  # best effort; the next order reports any lasting problem
            pass

    async def run(self, end: float) -> None:
        n = 0
        clock = time.perf_counter
        while clock() < end:
            n += 1
            started = clock()
            failure = ""
            try:
                for sku in self.rng.sample(self.skus, 3):
                    t = clock()
                    r = await self.client.post(
                        "/cart/lines", json={"sku_id": sku, "quantity": self.rng.randint(1, 3)}
                    )
                    self.cart_add.append((clock(), clock() - t))
                    if r.status_code != 201:
                        failure = f"cart {r.status_code}: {r.text[:300]}"
                        break
                if not failure:
                    t = clock()
                    r = await self.client.post(
                        "/checkout",
                        headers={"Idempotency-Key": f"{self.cfg['run_id']}-{self.index}-{n}"},
                    )
                    self.checkout.append((clock(), clock() - t))
                    if r.status_code != 201:
                        failure = f"checkout {r.status_code}: {r.text[:300]}"
            except httpx.HTTPError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            finished = clock()
            if failure:
                self.errors.append((finished, failure))
                await self._reset_cart()
            else:
                self.orders.append((finished, finished - started))


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def _summary(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "mean": round(sum(ms) / len(ms), 2),
        "p50": round(_pct(ms, 50), 2),
        "p95": round(_pct(ms, 95), 2),
        "p99": round(_pct(ms, 99), 2),
        "max": round(ms[-1], 2),
    }


async def main(cfg: dict[str, Any]) -> dict[str, Any]:
    skus: list[int] = []
    async with httpx.AsyncClient(base_url=cfg["base_url"], timeout=30) as probe:
        r = await probe.post(
            "/auth/token", json={"email": cfg["emails"][0], "password": cfg["password"]}
        )
        r.raise_for_status()
        probe.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        page = 1
        while True:
            r = await probe.get("/products", params={"page": page, "page_size": 100})
            r.raise_for_status()
            body = r.json()
            skus += [s["id"] for item in body["items"] for s in item["skus"] if s["available"] > 100]
            if page * body["page_size"] >= body["total"]:
                break
            page += 1
    if len(skus) < 3:
        raise SystemExit(f"need at least 3 orderable SKUs, found {len(skus)}")

    buyers = [Buyer(cfg, i, email, skus) for i, email in enumerate(cfg["emails"])]
    await asyncio.gather(*(b.login() for b in buyers))

    start = time.perf_counter()
    warm_end = start + cfg["warmup"]
    end = warm_end + cfg["duration"]
    snaps: dict[str, Any] = {}

    async def sampler() -> None:
        if cfg.get("analyze_dsn"):
            # Fresh tables have no planner statistics (autovacuum would gather them within
            # a minute in production): analyze once the warm-up has written some orders.
            await asyncio.sleep(max(0.0, warm_end - 1.0 - time.perf_counter()))
            await asyncio.to_thread(_analyze, cfg["analyze_dsn"])
        for label, at in (("before", warm_end), ("after", end)):
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            snaps[label] = {
                "t": time.perf_counter(),
                "cpu": _procstat.snapshot(cfg.get("server_pid"), os.getpid()),
                "pg": _pg_counters(cfg["pg_dsn"], cfg["pg_db"]) if cfg.get("pg_dsn") else {},
            }

    await asyncio.gather(sampler(), *(b.run(end) for b in buyers))
    for b in buyers:
        await b.client.aclose()

    window = snaps["after"]["t"] - snaps["before"]["t"]

    def inside(rows: list[tuple[float, Any]]) -> list[Any]:
        return [v for at, v in rows if warm_end <= at <= end]

    orders = [v for b in buyers for v in inside(b.orders)]
    errors = [v for b in buyers for v in inside(b.errors)]
    all_errors = [v for b in buyers for _at, v in b.errors]
    pg_before, pg_after = snaps["before"]["pg"], snaps["after"]["pg"]
    pg = {k: pg_after[k] - pg_before[k] for k in pg_after} if pg_before else {}
    per_buyer = sorted(len(inside(b.orders)) for b in buyers)
    return {
        "window_s": round(window, 3),
        "orders": len(orders),
        "orders_per_s": round(len(orders) / window, 2),
        "order_ms": _summary(orders),
        "cart_add_ms": _summary([v for b in buyers for v in inside(b.cart_add)]),
        "checkout_ms": _summary([v for b in buyers for v in inside(b.checkout)]),
        "errors": len(errors),
        "errors_total": len(all_errors),
        "error_samples": sorted(set(all_errors))[:8],
        "orders_per_buyer_min_max": [per_buyer[0], per_buyer[-1]],
        "cpu": _procstat.delta(snaps["before"]["cpu"], snaps["after"]["cpu"], window),
        "pg": pg,
        "skus": len(skus),
    }


if __name__ == "__main__":
    config = json.loads(sys.argv[1])
    try:
        from uvloop import run as runner
    except ImportError:
        runner = asyncio.run
    print(json.dumps(runner(main(config))))
