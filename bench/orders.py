"""Order-placement benchmark: Commissary's API under 16 concurrent buyers on PostgreSQL.

    .venv/bin/python bench/orders.py [--workers 3] [--duration 20] [--buyers 16]

One run, on a scratch database that is dropped and created again each time:

1. pgbench TPC-B-like on a scratch database: the raw write transactions/s of this
   PostgreSQL on this machine, the yardstick for everything else.
2. SQL statements per cart-line add, per checkout request and per ``orders.service.submit``,
   counted in-process (TestClient) with a ``before_cursor_execute`` listener.
3. The server run as in production (uvicorn, several worker processes, the outbox worker
   in-process as by default) and a load generator in its own process: N buyers, each
   looping 3 x POST /cart/lines + POST /checkout. Orders/s, latency per order, CPU split.
   Scenario "auto": no approval (points spent at once); "approval": every order waits
   for approval (points held).

Prints a table, writes bench/results/orders-<time>.json and bench/results/last_orders.json
(the previous last_orders.json is the baseline for the "vs last run" ratio).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))  # _procstat, _loadgen
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench-password-123"
SECRET = "bench-secret-key-not-for-production"
TARGETS = {"orders_per_s": 50.0, "p99_ms": 500.0, "submit_statements": 12}
SCENARIOS = {
    # name: (tenant slug, approval threshold)
    "auto": ("bench", None),
    "approval": ("bench-approval", 0),
}
console = Console(width=None if sys.stdout.isatty() else 150)


# --------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {message}")


def db_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def recreate_database(base: str, name: str) -> None:
    admin = create_engine(db_url(base, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def checkpoint(base: str) -> None:
    """Flush dirty buffers so that a checkpoint does not land in a measured window."""
    admin = create_engine(db_url(base, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CHECKPOINT"))
    admin.dispose()


def machine_load(seconds: float) -> float:
    """Busy cores over ``seconds`` of the whole machine (other work skews results)."""
    import _procstat

    b0, t0 = _procstat.machine_jiffies()
    time.sleep(seconds)
    b1, t1 = _procstat.machine_jiffies()
    return (b1 - b0) / (t1 - t0) * (os.cpu_count() or 1) if t1 > t0 else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- pgbench


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    return None


def run_pgbench(base: str, *, clients: int, seconds: int, scale: int) -> dict[str, Any]:
    exe = find_pgbench()
    if exe is None:
        return {"skipped": "pgbench not found"}
    url = make_url(base)
    name = "commissary_bench_pgbench"
    recreate_database(base, name)
    conn = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    log(f"pgbench: initialising scale {scale}")
    subprocess.run(
        [exe, "-i", "-q", "-s", str(scale), *conn, name],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    checkpoint(base)
    cmd = [exe, "-c", str(clients), "-j", "2", "-T", str(seconds), *conn, name]
    log(f"pgbench: TPC-B-like, {clients} clients, {seconds} s")
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    lat = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    checkpoint(base)
    return {
        "tps": float(tps.group(1)) if tps else None,
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "clients": clients,
        "seconds": seconds,
        "scale": scale,
        "command": " ".join(cmd),
    }


# --------------------------------------------------------------------------- data


def populate(url: str, buyers: int) -> dict[str, dict[str, Any]]:
    """One tenant per scenario: 2 locations, a manager, ``buyers`` buyers with 10M points
    each, a probe buyer for statement counting, 50 SKUs with 10M units each."""
    from commissary.catalog import service as catalog
    from commissary.db import Database
    from commissary.identity import service as identity
    from commissary.identity.models import Location
    from commissary.plugins import PluginHost
    from commissary.tenants import service as tenants
    from commissary_allowance.models import EntryKind
    from commissary_allowance.service import ensure_wallet, move

    db, host = Database(url), PluginHost()
    out: dict[str, dict[str, Any]] = {}
    for scenario, (slug, threshold) in SCENARIOS.items():
        with db.transaction() as s:
            tenant = tenants.create_tenant(
                s, slug=slug, name=f"Bench {scenario}", approval_threshold_points=threshold
            )
            tenants.set_plugin_enabled(s, host, tenant, "allowance", True, {})
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
            locations = []
            for code in ("L1", "L2"):
                loc = Location(
                    tenant_id=tenant_id,
                    code=code,
                    name=f"Store {code}",
                    address=f"{code} Bench Street 1",
                    manager_id=manager.id,
                )
                s.add(loc)
                locations.append(loc)
            s.flush()
            emails = [f"buyer{i:02d}@{slug}.test" for i in range(buyers)] + [f"probe@{slug}.test"]
            for i, email in enumerate(emails):
                user = identity.create_user(
                    s,
                    tenant,
                    email=email,
                    name=email.split("@")[0].title(),
                    password=PASSWORD,
                    roles=["buyer"],
                    location_id=locations[i % 2].id,
                )
                ensure_wallet(s, tenant_id, user.id)
                move(
                    s,
                    tenant_id,
                    user.id,
                    EntryKind.GRANT,
                    10_000_000,
                    key=f"bench:{uuid.uuid4().hex}",
                    reason="benchmark grant",
                )
            category = catalog.create_category(s, tenant_id, "uniforms", "Uniforms")
            for p in range(10):
                catalog.create_product(
                    s,
                    tenant_id,
                    slug=f"item-{p}",
                    name=f"Bench item {p}",
                    description="benchmark product",
                    category=category,
                    variants=[
                        (f"B{p:02d}-{size}", size, None, 10 + 5 * p, 10_000_000)
                        for size in ("XS", "S", "M", "L", "XL")
                    ],
                )
        out[scenario] = {
            "slug": slug,
            "threshold": threshold,
            "emails": emails[:-1],
            "probe": emails[-1],
        }
    db.dispose()
    return out


# --------------------------------------------------------------------------- statements


def count_statements(url: str, tenants: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Statements per cart add, per checkout request and per submit(), for each tenant,
    counted on a warm app (one order placed first) through a TestClient."""
    import warnings

    with warnings.catch_warnings():  # "use httpx2" from starlette.testclient: not ours
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    import commissary.orders.service as order_service
    from commissary.app import create_app
    from commissary.settings import Settings

    app = create_app(Settings(database_url=url, secret_key=SECRET, inprocess_worker=False))
    engine = app.state.db.engine
    statements: list[tuple[str, str]] = []  # (phase, sql)
    phase = ["request"]

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((phase[0], statement))

    original_submit = order_service.submit

    def submit(*args: Any, **kwargs: Any) -> Any:
        phase[0] = "submit"
        try:
            return original_submit(*args, **kwargs)
        finally:
            phase[0] = "request"

    results: dict[str, Any] = {}
    order_service.submit = submit  # type: ignore[assignment]
    try:
        with TestClient(app) as client:
            for scenario, info in tenants.items():
                base = f"/t/{info['slug']}/api/v1"
                r = client.post(
                    f"{base}/auth/token", json={"email": info["probe"], "password": PASSWORD}
                )
                r.raise_for_status()
                client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
                products = client.get(f"{base}/products", params={"page_size": 100}).json()
                skus = [s["id"] for item in products["items"] for s in item["skus"]][:6]

                def order(skus3: list[int], key: str, base: str = base) -> tuple[list[int], int]:
                    adds = []
                    for sku in skus3:
                        before = len(statements)
                        r = client.post(f"{base}/cart/lines", json={"sku_id": sku, "quantity": 1})
                        assert r.status_code == 201, r.text
                        adds.append(len(statements) - before)
                    before = len(statements)
                    r = client.post(f"{base}/checkout", headers={"Idempotency-Key": key})
                    assert r.status_code == 201, r.text
                    return adds, before

                order(skus[:3], f"probe-warm-{uuid.uuid4().hex}")  # warm caches (hooks, SQL)
                event.listen(engine, "before_cursor_execute", listener)
                try:
                    statements.clear()
                    adds, checkout_from = order(skus[3:6], f"probe-{uuid.uuid4().hex}")
                finally:
                    event.remove(engine, "before_cursor_execute", listener)
                checkout = statements[checkout_from:]
                results[scenario] = {
                    "cart_add": adds,
                    "cart_add_sql": [sql for _p, sql in statements[: sum(adds[:1])]],
                    "checkout": len(checkout),
                    "submit": sum(1 for p, _s in checkout if p == "submit"),
                    "checkout_sql": [
                        f"{'S' if p == 'submit' else '-'} {sql}" for p, sql in checkout
                    ],
                }
                client.headers.pop("Authorization")
    finally:
        order_service.submit = original_submit  # type: ignore[assignment]
        app.state.db.dispose()
    return results


# --------------------------------------------------------------------------- server


class Server:
    """The app as deployed: uvicorn (or gunicorn) with several worker processes."""

    def __init__(
        self, kind: str, workers: int, url: str, *, outbox: str, access_log: bool, label: str
    ) -> None:
        self.kind, self.workers = kind, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "COMMISSARY_DATABASE_URL": url,
            "COMMISSARY_SECRET_KEY": SECRET,
            "COMMISSARY_INPROCESS_WORKER": "true" if outbox == "inprocess" else "false",
            # As in production (docs/operators.md): templates are not re-read from disk.
            "COMMISSARY_TEMPLATE_RELOAD": "false",
        }
        if kind == "gunicorn":
            cmd = [
                str(VENV_BIN / "gunicorn"),
                "-k",
                "uvicorn.workers.UvicornWorker",
                "-w",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "commissary.app:create_app()",
            ]
            if access_log:
                cmd += ["--access-logfile", "-"]
        else:
            cmd = [
                str(VENV_BIN / "uvicorn"),
                "--factory",
                "commissary.app:create_app",
                "--workers",
                str(workers),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "info" if access_log else "warning",
            ]
            if not access_log:
                cmd.append("--no-access-log")
        self.command = " ".join([Path(cmd[0]).name, *cmd[1:]])
        if outbox == "separate":
            # Production: web processes without the worker thread, one `commissary worker`
            # beside them (a child of the same shell, so its CPU counts as the server's).
            worker = f"{VENV_BIN / 'commissary'} worker"
            cmd = ["sh", "-c", f"{worker} & exec {shlex.join(cmd)}"]
            self.command += " + commissary worker"
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / f"server-{label}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() ends exactly this tree
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        import _procstat

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}); see {self.log_path}")
            procs = len(_procstat.descendants(self.proc.pid)) - 1
            with suppress(httpx.HTTPError):
                if (
                    httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200
                    and procs >= self.workers
                ):
                    time.sleep(1.0)  # let the other workers finish their start-up
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log.close()


def run_load(
    server: Server,
    info: dict[str, Any],
    args: argparse.Namespace,
    pg_base: str,
    db_name: str,
    profile: str | None = None,
) -> dict[str, Any]:
    cfg = {
        "base_url": f"{server.base}/t/{info['slug']}/api/v1",
        "emails": info["emails"],
        "password": PASSWORD,
        "warmup": args.warmup,
        "duration": args.duration,
        "seed": args.seed,
        "client": args.client,
        "connections": args.connections,
        "run_id": uuid.uuid4().hex[:12],
        "server_pid": server.proc.pid,
        "pg_dsn": make_url(pg_base)
        .set(drivername="postgresql", database="postgres")
        .render_as_string(hide_password=False),
        "pg_db": db_name,
        "analyze_dsn": None
        if args.no_analyze
        else make_url(pg_base)
        .set(drivername="postgresql", database=db_name)
        .render_as_string(hide_password=False),
    }
    gen = subprocess.Popen(
        [sys.executable, str(HERE / "_loadgen.py"), json.dumps(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    profiles: list[tuple[subprocess.Popen[str], Path]] = []
    try:
        if profile:
            assert gen.stdout is not None
            deadline = time.monotonic() + args.warmup + 120
            while time.monotonic() < deadline:  # wait for the measured window to begin
                line = gen.stdout.readline()
                if not line or line.strip() == "window-start":
                    break
            profiles = start_profiles(server, args, profile)
        out, err = gen.communicate(timeout=args.warmup + args.duration + 120)
        out = out.strip().splitlines()[-1] if out.strip() else out
    finally:
        if gen.poll() is None:
            gen.kill()
            gen.wait()
        for spy, _path in profiles:
            with suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=30)
            if spy.poll() is None:
                spy.kill()
    if gen.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{err[-3000:]}")
    result: dict[str, Any] = json.loads(out)
    if profiles and profile:
        result["profile"] = summarise_profiles([path for _spy, path in profiles], profile)
    return result


def start_profiles(
    server: Server, args: argparse.Namespace, label: str
) -> list[tuple[subprocess.Popen[str], Path]]:
    """py-spy on every server process for the measured window (raw collapsed stacks)."""
    import _procstat

    spy = VENV_BIN / "py-spy"
    if not spy.exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    out = []
    for pid in _procstat.descendants(server.proc.pid):
        path = RESULTS / f"profile-{label}-{pid}.txt"
        cmd = [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(args.duration) - 1),
            "--rate",
            "67",
            "--gil",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(path),
        ]
        out.append(
            (
                subprocess.Popen(
                    cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
                ),
                path,
            )
        )
    return out


def summarise_profiles(paths: list[Path], label: str, top: int = 30) -> dict[str, Any]:
    """Inclusive and self sample shares per function over all server processes. py-spy
    runs with --gil (only the thread holding the GIL is sampled: Python CPU, not waits);
    idle loops are left out."""
    idle = (
        "_worker (concurrent/futures/thread.py",
        "wait (threading.py",
        "select (selectors.py",
        "run_forever (asyncio/base_events.py",
        "_run_once (asyncio/base_events.py",
        "_bootstrap (threading.py",
        "_wait (",
        "get (queue.py",
    )
    inclusive: dict[str, int] = {}
    self_: dict[str, int] = {}
    parts: dict[str, int] = {}
    total = 0
    merged = RESULTS / f"profile-{label}.txt"
    with merged.open("w") as sink:
        for path in paths:
            if not path.exists():
                continue
            for line in path.read_text().splitlines():
                stack, _, count_s = line.rpartition(" ")
                if not stack or not count_s.isdigit():
                    continue
                frames = stack.split(";")
                leaf = frames[-1]
                if any(leaf.startswith(i) or i in leaf for i in idle):
                    continue  # an idle thread, not work
                sink.write(line + "\n")
                count = int(count_s)
                total += count
                self_[leaf] = self_.get(leaf, 0) + count
                for frame in set(frames):
                    inclusive[frame] = inclusive.get(frame, 0) + count
                for part, keys in PARTS:
                    if any(f.startswith(keys) for f in frames):
                        parts[part] = parts.get(part, 0) + count
            path.unlink()  # merged into profile-<label>.txt

    def short(frame: str) -> str:
        return frame.replace(str(ROOT) + "/", "").replace(
            "/.venv/lib/python3.11/site-packages/", ""
        )

    def rank(table: dict[str, int]) -> list[tuple[str, float]]:
        return (
            [
                (short(f), round(100 * c / total, 1))
                for f, c in sorted(table.items(), key=lambda kv: -kv[1])[:top]
            ]
            if total
            else []
        )

    layers: dict[str, int] = {}
    for leaf, count in self_.items():
        layer = next((name for name, keys in LAYERS if any(k in leaf for k in keys)), "other")
        layers[layer] = layers.get(layer, 0) + count
    return {
        "samples": total,
        "collapsed": str(merged.relative_to(ROOT)),
        "inclusive_pct": rank(inclusive),
        "self_pct": rank(self_),
        "self_by_layer_pct": rank(layers),
        # the frames of one part may nest in another's (commit inside the endpoint)
        "parts_pct": [
            (k, round(100 * parts.get(k, 0) / total, 1) if total else 0.0) for k, _keys in PARTS
        ],
    }


# A run is compared with the previous one only when these settings are the same.
COMPARABLE_KEYS = (
    "buyers",
    "duration_s",
    "server",
    "client",
    "connections",
    "outbox_worker",
    "access_log",
    "analyze",
)

# Self time by the library its leaf frame lives in (first match wins).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("SQLAlchemy ORM", ("sqlalchemy/orm/",)),
    ("SQLAlchemy Core / engine / pool", ("sqlalchemy/",)),
    ("psycopg driver", ("psycopg",)),
    ("pydantic", ("pydantic",)),
    ("FastAPI / Starlette", ("fastapi/", "starlette/")),
    (
        "thread pool hand-off (anyio, threading, queue)",
        ("anyio/", "threading.py", "concurrent/", "queue.py"),
    ),
    ("uvicorn / asyncio event loop", ("uvicorn/", "httptools", "asyncio/", "uvloop")),
    ("pluggy", ("pluggy/",)),
    ("Commissary code", ("commissary",)),
    ("json / stdlib", ("json/", "enum.py", "typing.py", "datetime", "uuid.py", "hashlib")),
]
# Inclusive time of selected frames: a sample counts once in each part one of whose
# frames (matched by how the frame's text starts) is on its stack.
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("POST /cart/lines endpoint (add_line)", ("add_line (commissary/orders/api.py",)),
    ("  add_to_cart()", ("add_to_cart (commissary/orders/service.py",)),
    ("  _cart() response: priced_cart + points_balance", ("_cart (commissary/orders/api.py",)),
    ("POST /checkout endpoint", ("checkout (commissary/orders/api.py",)),
    ("  submit()", ("submit (commissary/orders/service.py",)),
    ("  order_for() + OrderPublic", ("order_for (commissary", "OrderPublic.of (")),
    ("dependencies: tenant lookup", ("current_tenant (commissary/web/deps.py",)),
    ("dependencies: bearer token + user", ("api_actor (commissary/web/deps.py",)),
    ("dependencies: hooks_for / context", ("_context (commissary/web/deps.py",)),
    ("open_session (begin/commit/close)", ("open_session (commissary/web/deps.py",)),
    ("Session.commit", ("Session.commit (sqlalchemy",)),
    ("pool checkout incl. pre-ping", ("_ConnectionFairy._checkout",)),
    ("tenant criteria (_add_tenant_criteria)", ("_add_tenant_criteria",)),
    ("FastAPI solve_dependencies", ("solve_dependencies (fastapi",)),
    ("FastAPI run_in_threadpool / anyio to_thread", ("run_sync (anyio/to_thread",)),
    ("response validation / serialisation", ("serialize_response (fastapi",)),
    ("TenantHostMiddleware._slug_for", ("_slug_for (commissary/app.py",)),
    ("outbox worker thread", ("InProcessWorker._run",)),
]


def outbox_backlog(url: str) -> dict[str, int]:
    from commissary.jobs.models import OutboxEvent

    engine = create_engine(url)
    with engine.connect() as conn:
        pending = conn.scalar(select(func.count()).where(OutboxEvent.delivered_at.is_(None)))
        total = conn.scalar(select(func.count()).select_from(OutboxEvent))
    engine.dispose()
    return {"undelivered": int(pending or 0), "total": int(total or 0)}


# --------------------------------------------------------------------------- report


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def yes(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]NO[/red]"


def report(result: dict[str, Any], previous: dict[str, Any] | None) -> None:
    tps = (result.get("pgbench") or {}).get("tps")
    runs = result["runs"]
    stmts = result["statements"]
    best = result["best"]

    if len(result["worker_counts"]) > 1:
        sweep = Table(title="Worker processes (scenario auto)")
        for col in (
            "workers",
            "orders/s",
            "p50 ms",
            "p99 ms",
            "server cores",
            "postgres cores",
            "machine busy",
            "errors",
        ):
            sweep.add_column(col, justify="right")
        for run in runs:
            if run["scenario"] != "auto":
                continue
            r, cpu = run["load"], run["load"]["cpu"]
            sweep.add_row(
                str(run["workers"]),
                fmt(r["orders_per_s"]),
                fmt(r["order_ms"].get("p50")),
                fmt(r["order_ms"].get("p99")),
                fmt(cpu["server_cores"], 2),
                fmt(cpu["postgres_cores"], 2),
                f"{cpu['machine_busy_cores']:.2f}/{cpu['cpus']}",
                fmt(r["errors"]),
            )
        console.print(sweep)

    headline = [r for r in runs if r["workers"] == best]
    table = Table(
        title=f"Commissary order placement — {result['buyers']} buyers, "
        f"{result['server']} x{best} workers, {result['duration_s']} s measured"
    )
    table.add_column("metric")
    for run in headline:
        table.add_column(f"{run['scenario']}", justify="right")
    table.add_column("target", justify="right")

    def row(label: str, values: list[str], target: str = "") -> None:
        table.add_row(label, *values, target)

    loads = [r["load"] for r in headline]
    row("orders/s", [fmt(x["orders_per_s"]) for x in loads], f"≥ {TARGETS['orders_per_s']:.0f}")
    row("orders (errors)", [f"{x['orders']} ({x['errors']})" for x in loads], "0 errors")
    for q in ("p50", "p95", "p99", "max"):
        row(
            f"order latency {q} ms",
            [fmt(x["order_ms"].get(q)) for x in loads],
            f"< {TARGETS['p99_ms']:.0f}" if q == "p99" else "",
        )
    row(
        "  cart add p50 / p99 ms",
        [f"{fmt(x['cart_add_ms'].get('p50'))} / {fmt(x['cart_add_ms'].get('p99'))}" for x in loads],
    )
    row(
        "  checkout p50 / p99 ms",
        [f"{fmt(x['checkout_ms'].get('p50'))} / {fmt(x['checkout_ms'].get('p99'))}" for x in loads],
    )
    row(
        "SQL statements / submit()",
        [fmt(stmts[r["scenario"]]["submit"]) for r in headline],
        f"≤ {TARGETS['submit_statements']}",
    )
    row(
        "SQL statements / checkout request",
        [fmt(stmts[r["scenario"]]["checkout"]) for r in headline],
    )
    row("SQL statements / cart add", [fmt(stmts[r["scenario"]]["cart_add"][0]) for r in headline])
    row(
        "SQL statements / order (3 adds + checkout)",
        [
            fmt(sum(stmts[r["scenario"]]["cart_add"]) + stmts[r["scenario"]]["checkout"])
            for r in headline
        ],
    )
    row(
        "PG transactions / order (incl. outbox)",
        [fmt(x["pg"].get("xact_commit", 0) / max(x["orders"], 1), 2) for x in loads],
    )
    row(
        "CPU cores: server / client / postgres",
        [
            f"{x['cpu']['server_cores']:.2f} / {x['cpu']['client_cores']:.2f} / "
            f"{x['cpu']['postgres_cores']:.2f}"
            for x in loads
        ],
    )
    row(
        "CPU: machine busy (of cores) / other procs",
        [
            f"{x['cpu']['machine_busy_cores']:.2f} / {x['cpu']['cpus']}  "
            f"({x['cpu'].get('other_cores', 0):.2f})"
            for x in loads
        ],
        "other ≈ 0",
    )
    row(
        "server CPU ms / order",
        [fmt(x["cpu"]["server_cores"] * 1000 / max(x["orders_per_s"], 0.01)) for x in loads],
    )
    row(
        "postgres CPU ms / order",
        [fmt(x["cpu"]["postgres_cores"] * 1000 / max(x["orders_per_s"], 0.01)) for x in loads],
    )
    row(
        "errors by kind / PG deadlocks",
        [
            (", ".join(f"{k} x{v}" for k, v in x.get("error_kinds", {}).items()) or "none")
            + f" / {x['pg'].get('deadlocks', 0)}"
            for x in loads
        ],
        "none / 0",
    )
    row("outbox undelivered after run", [fmt(r["outbox"]["undelivered"]) for r in headline])
    row("pgbench TPC-B tps (same run)", [fmt(tps) for _ in headline])
    row("orders/s ÷ pgbench tps", [f"{x['orders_per_s'] / tps:.4f}" if tps else "-" for x in loads])
    comparable = previous is not None and all(
        previous.get(k) == result.get(k) for k in COMPARABLE_KEYS
    )
    prev_runs = {
        (r["scenario"]): r
        for r in (previous or {}).get("runs", [])
        if comparable and r["workers"] == (previous or {}).get("best")
    }
    row(
        "orders/s vs last run" + ("" if comparable or previous is None else " (other settings)"),
        [
            f"{x['orders_per_s'] / prev_runs[r['scenario']]['load']['orders_per_s']:.2f}x"
            if r["scenario"] in prev_runs and prev_runs[r["scenario"]]["load"]["orders_per_s"]
            else "-"
            for r, x in zip(headline, loads, strict=True)
        ],
    )
    if previous and previous.get("pgbench", {}).get("tps") and tps:
        row(
            "pgbench tps vs last run",
            [f"{tps / previous['pgbench']['tps']:.2f}x" for _ in headline],
        )
    row(
        "targets met",
        [
            yes(all(r["targets_met"].values()))
            + " ("
            + ", ".join(f"{k}={'ok' if v else 'miss'}" for k, v in r["targets_met"].items())
            + ")"
            for r in headline
        ],
    )
    console.print(table)

    for run in runs:
        prof = run["load"].get("profile")
        if not prof or not prof["samples"]:
            continue
        hot = Table(
            title=f"py-spy, {run['scenario']} x{run['workers']} workers: % of busy samples "
            f"({prof['samples']:,}; stacks in {prof['collapsed']})"
        )
        hot.add_column("self %", justify="right")
        hot.add_column("function (self)")
        hot.add_column("incl. %", justify="right")
        hot.add_column("function (inclusive)")
        for (fs, ps), (fi, pi) in zip(
            prof["self_pct"][:20], prof["inclusive_pct"][:20], strict=False
        ):
            hot.add_row(f"{ps:.1f}", fs[:70], f"{pi:.1f}", fi[:70])
        console.print(hot)
        split = Table(title="py-spy: where the server's CPU goes (% of busy samples)")
        split.add_column("self time by layer")
        split.add_column("%", justify="right")
        split.add_column("inclusive time of")
        split.add_column("%", justify="right")
        lay, parts = prof.get("self_by_layer_pct", []), prof.get("parts_pct", [])
        for i in range(max(len(lay), len(parts))):
            a = lay[i] if i < len(lay) else ("", None)
            b = parts[i] if i < len(parts) else ("", None)
            split.add_row(a[0], fmt(a[1]), b[0], fmt(b[1]))
        console.print(split)

    samples = [e for r in runs for e in r["load"]["error_samples"]]
    if samples:
        console.print("[red]error samples:[/red]")
        for e in samples[:8]:
            console.print(f"  {e}")


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workers",
        default="3",
        help="server worker processes; a comma list (2,3,4) sweeps them "
        "(scenario auto only for all but the best)",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds per run")
    parser.add_argument("--buyers", type=int, default=16, help="concurrent buyers")
    parser.add_argument(
        "--scenarios",
        default="auto,approval",
        help="auto (no approval: points spent at once), approval (threshold 0: "
        "every order waits, points held)",
    )
    parser.add_argument("--server", choices=["uvicorn", "gunicorn"], default="uvicorn")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator HTTP client: raw asyncio HTTP/1.1 (lean) or httpx",
    )
    parser.add_argument(
        "--connections",
        choices=["order", "request", "keepalive"],
        default="order",
        help="a new connection per order (default), per request, or one "
        "keep-alive connection per buyer for the whole run",
    )
    parser.add_argument(
        "--outbox-worker",
        choices=("separate", "inprocess", "off"),
        default="separate",
        help="where outbox events are delivered: one `commissary worker` process beside the "
        "web processes, as in production (default); a thread in every web process (the "
        "embedded `make run` default); or nowhere (events pile up undelivered)",
    )
    parser.add_argument("--access-log", action="store_true", help="server access log on")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--db-name", default="commissary_bench")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--show-sql", action="store_true", help="print the checkout's statements")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each load run, wait up to SECONDS for other processes to "
        "leave the machine idle (< 0.3 cores busy)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="skip the ANALYZE at the end of the warm-up (fresh, unanalysed tables)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy every server process during the measured window; prints the "
        "hottest functions, writes collapsed stacks to bench/results/",
    )
    args = parser.parse_args()
    worker_counts = [int(w) for w in str(args.workers).split(",") if w.strip()]
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    last_path = RESULTS / "last_orders.json"
    previous = json.loads(last_path.read_text()) if last_path.exists() else None
    started = time.monotonic()
    idle = machine_load(1.0)
    if idle > 0.25:
        console.print(
            f"[yellow]warning: the machine is already busy ({idle:.2f} cores) before "
            "the benchmark starts; figures will be low and noisy[/yellow]"
        )

    pgbench = (
        {"skipped": "--no-pgbench"}
        if args.no_pgbench
        else run_pgbench(
            args.pg_url, clients=args.buyers, seconds=args.pgbench_seconds, scale=args.pgbench_scale
        )
    )
    if pgbench.get("tps"):
        log(f"pgbench: {pgbench['tps']:,.0f} tps")

    url = db_url(args.pg_url, args.db_name)
    log(f"database {args.db_name}: create, migrate, populate")
    recreate_database(args.pg_url, args.db_name)
    from commissary.migrate import upgrade

    upgrade(url)
    tenants = populate(url, args.buyers)
    tenants = {k: v for k, v in tenants.items() if k in scenarios}

    log("counting SQL statements (in-process TestClient)")
    statements = count_statements(url, tenants)
    for scenario, counts in statements.items():
        log(
            f"  {scenario}: cart add {counts['cart_add']}, checkout {counts['checkout']}, "
            f"submit() {counts['submit']}"
        )
    checkpoint(args.pg_url)

    runs: list[dict[str, Any]] = []
    server_command = ""

    def one(workers: int, scenario: str) -> None:
        nonlocal server_command
        if args.wait_quiet:
            deadline = time.monotonic() + args.wait_quiet
            while (busy := machine_load(2.0)) > 0.3 and time.monotonic() < deadline:
                log(f"  machine busy ({busy:.2f} cores), waiting for it to calm down")
        server = Server(
            args.server,
            workers,
            url,
            outbox=args.outbox_worker,
            access_log=args.access_log,
            label=f"{scenario}-w{workers}",
        )
        server_command = server.command
        try:
            server.wait_ready()
            log(
                f"load: {scenario}, {args.buyers} buyers, {workers} workers, "
                f"{args.warmup:g} s warm-up + {args.duration:g} s"
            )
            load = run_load(
                server,
                tenants[scenario],
                args,
                args.pg_url,
                args.db_name,
                profile=f"{scenario}-w{workers}" if args.profile else None,
            )
        finally:
            server.stop()
        time.sleep(1.0)  # let the outbox drain counters settle
        backlog = outbox_backlog(url)
        log(
            f"  {load['orders_per_s']:.1f} orders/s, p50 {load['order_ms'].get('p50')} ms, "
            f"p99 {load['order_ms'].get('p99')} ms, errors {load['errors']}, "
            f"cpu server {load['cpu']['server_cores']:.2f} pg {load['cpu']['postgres_cores']:.2f} "
            f"client {load['cpu']['client_cores']:.2f}"
        )
        p99 = load["order_ms"].get("p99", float("inf"))
        runs.append(
            {
                "workers": workers,
                "scenario": scenario,
                "load": load,
                "outbox": backlog,
                "targets_met": {
                    "orders_per_s": load["orders_per_s"] >= TARGETS["orders_per_s"],
                    "p99": p99 < TARGETS["p99_ms"],
                    "submit_statements": statements[scenario]["submit"]
                    <= TARGETS["submit_statements"],
                    "no_errors": load["errors"] == 0,
                },
            }
        )

    try:
        # A sweep runs scenario "auto" for every worker count, then the other scenarios
        # with the best one.
        first = scenarios[0]
        for workers in worker_counts:
            one(workers, first)
        best = max((r for r in runs), key=lambda r: r["load"]["orders_per_s"])["workers"]
        for scenario in scenarios[1:]:
            one(best, scenario)
    except KeyboardInterrupt:
        console.print("[red]interrupted[/red]")
        return 130

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        or None,
        "machine": {"cpus": os.cpu_count(), "busy_cores_before_start": round(idle, 2)},
        "buyers": args.buyers,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "server": args.server,
        "client": args.client,
        "connections": args.connections,
        "server_command": server_command,
        "outbox_worker": args.outbox_worker,
        "access_log": args.access_log,
        "analyze": not args.no_analyze,
        "worker_counts": worker_counts,
        "best": best,
        "pgbench": pgbench,
        "statements": statements,
        "runs": runs,
        "targets": TARGETS,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"orders-{stamp}.json").write_text(json.dumps(result, indent=2))
    if not args.profile:  # a profiled run is slower: no baseline for the next one
        last_path.write_text(json.dumps(result, indent=2))

    if args.show_sql:
        for scenario, counts in statements.items():
            console.print(f"[bold]checkout statements, {scenario}[/bold] (S = inside submit())")
            for sql in counts["checkout_sql"]:
                console.print("  " + " ".join(sql.split())[:160], markup=False, highlight=False)
            console.print(f"[bold]cart add statements, {scenario}[/bold]")
            for sql in counts["cart_add_sql"]:
                console.print("  " + " ".join(sql.split())[:160], markup=False, highlight=False)
    report(result, previous)
    console.print(
        f"[dim]server: {server_command}; outbox worker: "
        f"{args.outbox_worker}; results: {RESULTS.relative_to(ROOT)}/orders-{stamp}.json; "
        f"{result['elapsed_s']:.0f} s[/dim]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
