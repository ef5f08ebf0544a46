"""Scheduled jobs (reminders and other periodic work), run by the outbox worker.

Plugins declare jobs with the ``register_jobs`` hook. Each worker process keeps its own
clock and runs a job when its interval has passed: with several workers a job may run
twice at about the same time, so every job must be safe to overlap. The reminder jobs
are: whatever they send is keyed once per user, subject and threshold in
``notification_reminders`` (a unique constraint), so an overlapping run sends nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commissary.db import Database

if TYPE_CHECKING:
    from commissary.plugins import PluginHost

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    """Work run every ``every_seconds`` by each worker: ``run(db, host)`` returns how many
    things it did (for logs and tests)."""

    name: str
    every_seconds: float
    run: Callable[[Database, PluginHost], int]


def jobs_of(host: PluginHost) -> list[ScheduledJob]:
    """Every installed plugin's jobs, core first (jobs check tenant enablement themselves)."""
    found: list[ScheduledJob] = []
    for name in host.names():
        impl = getattr(host.pm.get_plugin(name), "register_jobs", None)
        if impl is not None and hasattr(impl, "commissary_impl"):
            found.extend(impl() or [])
    return found


class Scheduler:
    """Runs due jobs; a failing job is logged and tried again at its next interval."""

    def __init__(self, db: Database, host: PluginHost) -> None:
        self.db, self.host = db, host
        self.jobs = jobs_of(host)
        now = time.monotonic()
        self._next = {job.name: now for job in self.jobs}

    def run_due(self) -> int:
        done = 0
        now = time.monotonic()
        for job in self.jobs:
            if now < self._next[job.name]:
                continue
            self._next[job.name] = now + job.every_seconds
            try:
                done += job.run(self.db, self.host)
            except Exception:
                log.exception("scheduled job %s failed", job.name)
        return done
