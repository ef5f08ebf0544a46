"""Notification delivery benchmark: queued messages through one worker into an SMTP sink.

    .venv/bin/python bench/notifications.py [--events 100000] [--postgres URL] [--batch 100]

One run:

1. **Raw SMTP**: a sample of messages sent straight with ``smtplib`` to the sink, once
   with one connection per message and once over one connection (as the e-mail plugin
   now does within a worker batch): the yardsticks.
2. **Queue**: a scratch database (a SQLite file, or a scratch PostgreSQL database with
   ``--postgres``) migrated; one tenant with the ``email`` plugin pointing at the sink;
   ``--events`` rendered ``notification`` events inserted into the outbox.
3. **Deliver**: one ``commissary worker`` process (as in production) delivers them; the
   sink (aiosmtpd, in this process) counts arrivals. Messages/s, the worker's CPU time and
   peak memory (VmHWM from /proc), duplicates (by Message-ID) and what stayed undelivered.

Prints a table and writes bench/results/notifications-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
VENV_BIN = Path(sys.executable).parent
console = Console(width=None if sys.stdout.isatty() else 150)


class CountingSink:
    """Counts messages and their Message-IDs (to find duplicates); keeps no bodies."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.content
        start = content.find(b"Message-ID: ")
        mid = content[start : content.find(b"\r\n", start)].decode() if start >= 0 else ""
        with self.lock:
            self.ids[mid] += 1
            self.count += 1
        return "250 OK"


def free_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def log(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {message}")


def raw_smtp(port: int, n: int, reuse: bool = False) -> float:
    """Messages/s sent straight with smtplib: one connection each, or one for all."""
    started = time.perf_counter()
    shared = smtplib.SMTP("127.0.0.1", port, timeout=10) if reuse else None
    for i in range(n):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@bench.test", f"p{i}@bench.test", "raw"
        msg["Message-ID"] = f"<raw{i}@bench.test>"
        msg.set_content("Hello\n")
        msg.add_alternative("<p>Hello</p>", subtype="html")
        if shared is not None:
            shared.send_message(msg)
            continue
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(msg)
    if shared is not None:
        shared.quit()
    return n / (time.perf_counter() - started)


def scratch_database(postgres: str | None, folder: Path) -> str:
    if not postgres:
        return f"sqlite:///{folder / 'bench.sqlite'}"
    name = f"commissary_bench_notifications_{uuid.uuid4().hex[:6]}"
    admin = create_engine(
        str(make_url(postgres).set(database="postgres")), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(postgres).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    name = make_url(url).database
    admin = create_engine(str(make_url(url).set(database="postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, port: int, events: int) -> None:
    from commissary.db import Database
    from commissary.jobs.models import OutboxEvent
    from commissary.migrate import upgrade
    from commissary.plugins import PluginHost
    from commissary.tenants.service import create_tenant, set_plugin_enabled

    upgrade(url)
    db = Database(url)
    host = PluginHost()
    settings = {"smtp_host": "127.0.0.1", "smtp_port": port, "security": "none"}
    with db.transaction() as s:
        tenant = create_tenant(s, slug="bench", name="Bench")
        set_plugin_enabled(s, host, tenant, "email", True, settings)
        tenant_id = tenant.id
    html = "<!doctype html><html><body><p>Hello Person,</p><p>50 points.</p></body></html>"
    chunk = 5000
    for start in range(0, events, chunk):
        rows = [
            {
                "tenant_id": tenant_id,
                "topic": "notification",
                "payload": {
                    "id": f"b{i}",
                    "kind": "points_granted",
                    "language": "en",
                    "user_id": 1,
                    "email": f"person{i}@bench.test",
                    "name": f"Person {i}",
                    "subject": f"You received 50 points ({i})",
                    "text": "Hello Person,\n\n50 points.\n",
                    "html": html,
                    "source": "bench",
                },
            }
            for i in range(start, min(start + chunk, events))
        ]
        with db.transaction() as s:
            s.execute(insert(OutboxEvent), rows)
    db.dispose()


def peak_memory_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    from _procstat import TICK

    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def deliver(url: str, sink: CountingSink, events: int, batch_timeout: float) -> dict[str, Any]:
    env = {**os.environ, "COMMISSARY_DATABASE_URL": url}
    worker = subprocess.Popen(
        [str(VENV_BIN / "commissary"), "worker", "--interval", "0.05"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    memory = cpu = 0.0
    try:
        with Progress(
            TextColumn("delivering"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("deliver", total=events)
            last_change, last = time.perf_counter(), 0
            while sink.count < events:
                time.sleep(0.25)
                bar.update(task, completed=sink.count)
                memory = max(memory, peak_memory_mb(worker.pid))
                cpu = cpu_seconds(worker.pid) or cpu
                if sink.count != last:
                    last_change, last = time.perf_counter(), sink.count
                elif time.perf_counter() - last_change > batch_timeout:
                    break  # stalled: report what arrived
        elapsed = time.perf_counter() - started
        memory = max(memory, peak_memory_mb(worker.pid))
        cpu = cpu_seconds(worker.pid) or cpu
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
    return {"seconds": elapsed, "worker_peak_mb": memory, "worker_cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--raw-sample", type=int, default=2_000, help="messages for raw SMTP")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--stall", type=float, default=60.0, help="give up after N idle s")
    args = parser.parse_args()

    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    folder = Path(tempfile.mkdtemp(prefix="commissary-bench-"))
    url = scratch_database(args.postgres, folder)
    try:
        log(f"raw smtplib, {args.raw_sample:,} messages, one connection each")
        raw = raw_smtp(port, args.raw_sample)
        log(f"raw smtplib, {args.raw_sample:,} messages over one connection")
        raw_reused = raw_smtp(port, args.raw_sample, reuse=True)
        sink.ids.clear()
        sink.count = 0
        log(f"queueing {args.events:,} notification events in {url.split('@')[-1]}")
        prepare(url, port, args.events)
        log("one `commissary worker` process delivers them")
        measured = deliver(url, sink, args.events, args.stall)
        from commissary.jobs.models import OutboxEvent

        engine = create_engine(url)
        with engine.connect() as conn:
            undelivered = conn.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.delivered_at.is_(None))
            )
        engine.dispose()
    finally:
        controller.stop()
        drop_database(url)
    duplicates = sum(n - 1 for n in sink.ids.values() if n > 1)
    rate = sink.count / measured["seconds"] if measured["seconds"] else 0.0
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql" if args.postgres else "sqlite",
        "events": args.events,
        "received": sink.count,
        "unique": len(sink.ids),
        "duplicates": duplicates,
        "undelivered": undelivered,
        "messages_per_s": round(rate, 1),
        "raw_smtp_per_s": round(raw, 1),
        "ratio_vs_raw": round(rate / raw, 3) if raw else None,
        "raw_smtp_one_connection_per_s": round(raw_reused, 1),
        "ratio_vs_raw_one_connection": round(rate / raw_reused, 3) if raw_reused else None,
        **{k: round(v, 2) for k, v in measured.items()},
    }
    table = Table(title=f"Notification delivery ({result['database']}, one worker process)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int | float) else str(value))
    console.print(table)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"notifications-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
