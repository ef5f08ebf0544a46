"""CPU accounting from /proc (Linux only): per process group and for the whole machine.

Shared by ``orders.py`` and ``_loadgen.py``; standard library only.
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds user+system) of one process, or None once it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # comm is in parentheses and may hold spaces: split after the last ')'
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    ppid = int(fields[1])
    utime, stime = int(fields[11]), int(fields[12])
    return comm, ppid, (utime + stime) / TICK


def _all() -> dict[int, tuple[str, int, float]]:
    out = {}
    for entry in PROC.iterdir() if PROC.exists() else ():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None:
                out[int(entry.name)] = st
    return out


def descendants(root: int, table: dict[int, tuple[str, int, float]] | None = None) -> list[int]:
    table = table if table is not None else _all()
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, (_c, ppid, _t) in table.items() if ppid == parent]
        found += kids
        frontier += kids
    return [pid for pid in found if pid in table]


def machine_jiffies() -> tuple[float, float]:
    """(busy seconds, total seconds) summed over all CPUs since boot."""
    try:
        parts = [int(x) for x in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)  # idle + iowait
    total = sum(parts[:8])  # guest time is already inside user
    return (total - idle) / TICK, total / TICK


def snapshot(server_root: int | None, client_pid: int | None) -> dict[str, object]:
    """CPU seconds so far of the server tree (per process), the client and PostgreSQL."""
    table = _all()
    server = {}
    if server_root:
        for pid in descendants(server_root, table):
            server[pid] = table[pid][2]
    postgres = sum(t for (comm, _p, t) in table.values() if comm.startswith("postgres"))
    busy, total = machine_jiffies()
    return {
        "server": server,
        "client": table[client_pid][2] if client_pid and client_pid in table else 0.0,
        "postgres": postgres,
        "machine_busy": busy,
        "machine_total": total,
    }


def delta(before: dict[str, object], after: dict[str, object], seconds: float) -> dict[str, object]:
    """CPU use between two snapshots, in cores (1.0 = one core busy all the time)."""
    b_srv: dict[int, float] = before["server"]  # type: ignore[assignment]
    a_srv: dict[int, float] = after["server"]  # type: ignore[assignment]
    per_proc = {pid: (a_srv[pid] - b_srv.get(pid, 0.0)) / seconds for pid in a_srv}
    ncpu = os.cpu_count() or 1
    busy = float(after["machine_busy"]) - float(before["machine_busy"])  # type: ignore[arg-type]
    total = float(after["machine_total"]) - float(before["machine_total"])  # type: ignore[arg-type]
    machine = busy / total * ncpu if total else 0.0
    client = (float(after["client"]) - float(before["client"])) / seconds  # type: ignore[arg-type]
    pg = (float(after["postgres"]) - float(before["postgres"])) / seconds  # type: ignore[arg-type]
    return {
        "server_cores": round(sum(per_proc.values()), 3),
        "other_cores": round(max(0.0, machine - sum(per_proc.values()) - client - pg), 3),
        "server_per_process_cores": sorted((round(v, 3) for v in per_proc.values()), reverse=True),
        "client_cores": round(
            (float(after["client"]) - float(before["client"])) / seconds,
            3,  # type: ignore[arg-type]
        ),
        "postgres_cores": round(
            (float(after["postgres"]) - float(before["postgres"])) / seconds,
            3,  # type: ignore[arg-type]
        ),
        "machine_busy_cores": round(busy / total * ncpu, 3) if total else 0.0,
        "cpus": ncpu,
    }
