"""Load generator for bench/orders.py, run as its own process (``python bench/_loadgen.py
'<json config>'``) so that its CPU use is measured apart and never slows the caller.

N buyers, each with its own token and keep-alive connection, loop: 3 x POST /cart/lines
(distinct SKUs) + POST /checkout (unique Idempotency-Key). One order = those 4 requests.
Orders finished inside the measured window (after the warm-up) are counted. Prints one
JSON document on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import _procstat


def _pg_counters(dsn: str, dbname: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted,"
            " tup_fetched, deadlocks FROM pg_stat_database WHERE datname = %s",
            (dbname,),
        ).fetchone()
    keys = [
        "xact_commit",
        "xact_rollback",
        "tup_inserted",
        "tup_updated",
        "tup_deleted",
        "tup_fetched",
        "deadlocks",
    ]
    return dict(zip(keys, (int(v) for v in row), strict=True)) if row else {}


def _analyze(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")


# Sent on the last request of a connection (--connections order/request): the server
# answers and closes it; the next request opens a new one.
CLOSE = {"Connection": "close"}


class HttpxTransport:
    """httpx.AsyncClient, one per buyer (creating one costs ~20 ms of CPU: keep it)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url, self.token = base_url, token
        self.client: httpx.AsyncClient | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        if self.client is None:
            self.client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=httpx.Timeout(30.0),
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                headers={"Authorization": f"Bearer {self.token}"},
            )
        extra = {"Content-Type": "application/json"} if body is not None else {}
        r = await self.client.request(
            method, path, content=body, headers={**extra, **(headers or {})}
        )
        return r.status_code, r.content

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None


class RawTransport:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: a few tens of microseconds
    of CPU per request, where httpx spends about 2 ms; the load generator shares the two
    cores with the server, so every millisecond it burns is taken from the server."""

    def __init__(self, base_url: str, token: str) -> None:
        url = httpx.URL(base_url)
        self.host, self.port = url.host, url.port or 80
        self.prefix = url.raw_path.decode().rstrip("/")
        self.fixed = (
            f"Host: {self.host}:{self.port}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: application/json\r\nUser-Agent: commissary-bench\r\n"
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        async with asyncio.timeout(30.0):
            try:
                return await self._request(method, path, body, headers)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()  # the server dropped the idle connection: once more
                return await self._request(method, path, body, headers)

    async def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            await self._connect()
        assert self.reader is not None and self.writer is not None
        head = f"{method} {self.prefix}{path} HTTP/1.1\r\n{self.fixed}"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        elif method in ("POST", "PUT", "PATCH"):
            head += "Content-Length: 0\r\n"
        self.writer.write((head + "\r\n").encode("latin-1") + (body or b""))
        line = await self.reader.readuntil(b"\r\n")
        if not line:
            raise ConnectionError("connection closed")
        status = int(line.split(b" ", 2)[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            raw_name, _, value = line.partition(b":")
            field = raw_name.strip().lower()
            if field == b"content-length":
                length = int(value)
            elif field == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif field == b"connection" and b"close" in value.lower():
                close = True
        if status in (204, 304) or status < 200 or method == "HEAD":
            data = b""
        elif chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size + 2))
            data = b"".join(p[:-2] for p in parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data, close = await self.reader.read(), True
        if close or (headers or {}).get("Connection") == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class Buyer:
    def __init__(self, cfg: dict[str, Any], index: int, email: str, skus: list[int]) -> None:
        self.cfg, self.index, self.email, self.skus = cfg, index, email, skus
        self.rng = random.Random(cfg["seed"] * 1000 + index)
        self.http: HttpxTransport | RawTransport | None = None
        self.orders: list[tuple[float, float]] = []  # (finished at, seconds)
        self.errors: list[tuple[float, str]] = []  # (finished at, description)
        self.cart_add: list[tuple[float, float]] = []
        self.checkout: list[tuple[float, float]] = []

    async def login(self) -> None:
        async with httpx.AsyncClient(base_url=self.cfg["base_url"], timeout=60) as client:
            r = await client.post(
                "/auth/token", json={"email": self.email, "password": self.cfg["password"]}
            )
            r.raise_for_status()
        kind = RawTransport if self.cfg.get("client", "raw") == "raw" else HttpxTransport
        self.http = kind(self.cfg["base_url"], r.json()["access_token"])

    async def _reset_cart(self) -> None:
        assert self.http is not None
        try:
            _status, data = await self.http.request("GET", "/cart")
            for line in json.loads(data).get("lines", []):
                await self.http.request("DELETE", f"/cart/lines/{line['id']}")
        except Exception:  # best effort; the next order reports any lasting problem
            pass

    async def run(self, end: float) -> None:
        assert self.http is not None
        http, n, clock = self.http, 0, time.perf_counter
        per_request = self.cfg.get("connections") == "request"
        per_order = self.cfg.get("connections") == "order"
        while clock() < end:
            n += 1
            started = clock()
            failure = ""
            try:
                for sku in self.rng.sample(self.skus, 3):
                    t = clock()
                    body = b'{"sku_id":%d,"quantity":%d}' % (sku, self.rng.randint(1, 3))
                    status, data = await http.request(
                        "POST", "/cart/lines", body, CLOSE if per_request else None
                    )
                    self.cart_add.append((clock(), clock() - t))
                    if status != 201:
                        failure = f"cart {status}: {data[:300].decode(errors='replace')}"
                        break
                if not failure:
                    t = clock()
                    status, data = await http.request(
                        "POST",
                        "/checkout",
                        headers={
                            "Idempotency-Key": f"{self.cfg['run_id']}-{self.index}-{n}",
                            **(CLOSE if per_request or per_order else {}),
                        },
                    )
                    self.checkout.append((clock(), clock() - t))
                    if status != 201:
                        failure = f"checkout {status}: {data[:300].decode(errors='replace')}"
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
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
            skus += [
                s["id"] for item in body["items"] for s in item["skus"] if s["available"] > 100
            ]
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
            if label == "before":
                print("window-start", flush=True)  # the caller may start profilers now

    await asyncio.gather(sampler(), *(b.run(end) for b in buyers))
    for b in buyers:
        if b.http is not None:
            await b.http.close()

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
        "error_kinds": dict(Counter(e.split(":")[0] for e in errors)),
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
    print(json.dumps(runner(main(config))), flush=True)
