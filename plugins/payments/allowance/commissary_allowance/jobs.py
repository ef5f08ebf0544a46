"""Scheduled work of the allowance plugin: renewals, expiry and expiry reminders.

Every job is an idempotent service function over a way to open write transactions, so it
can be run by any scheduler, twice, or by two processes at once:

- ``renew_all`` (in :mod:`commissary_allowance.programs`): each program's period, once;
- ``expire_all``: what is left of lots past their expiry, earliest-expiring first;
- ``remind_all``: a ``points_expiring`` event per user, lot and threshold, once (a
  unique ``allowance_reminders`` row is the dedupe key).

The reminder thresholds are each tenant's (tenant admins set them on the notifications
admin page). The worker runs all three hourly (``register_jobs`` in the plugin's
``__init__``). They
can also be run by hand or from cron::

    python -m commissary_allowance.jobs renew|expire|remind [--days 14,3]

which reads the database from ``COMMISSARY_DATABASE_URL`` as the ``commissary`` command
does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta

from sqlalchemy import create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from commissary import all_notification_settings, emit_event, utcnow
from commissary_allowance.lots import due_wallets, expire_wallet, expiring
from commissary_allowance.models import Lot, Reminder, Wallet
from commissary_allowance.programs import renew_all

Transactions = Callable[[], AbstractContextManager[Session]]
REMINDER_DAYS = (14, 3)  # a tenant without notification settings of its own

__all__ = ["expire_all", "remind_all", "renew_all"]


def expire_all(transaction: Transactions, now: datetime) -> int:
    """Expire every due lot; one transaction per wallet. Returns the points expired."""
    with transaction() as session:
        due = due_wallets(session, now)
    expired = 0
    for tenant_id, wallet_id in due:
        with transaction() as session:
            session.info["tenant_id"] = tenant_id
            expired += expire_wallet(session, tenant_id, wallet_id, now)
    return expired


def remind_all(
    transaction: Transactions, now: datetime, days: tuple[int, ...] | None = None
) -> int:
    """Emit ``points_expiring`` for lots expiring within a threshold; returns how many.

    The thresholds are each tenant's own (``points_expiring_days`` of its notification
    settings, 14 and 3 days by default); ``days`` overrides them for every tenant. For a
    lot within several thresholds at once, every threshold's key is recorded and one
    event is sent, for the smallest (the most urgent) threshold."""
    with transaction() as session:
        own = (
            {t: x.points_expiring_days for t, x in all_notification_settings(session).items()}
            if days is None
            else {}
        )
    default = days if days is not None else REMINDER_DAYS
    longest = max([*default, *(d for ds in own.values() for d in ds)], default=0)
    if not longest:
        return 0
    horizon = now + timedelta(days=longest)
    with transaction() as session:
        wallets = session.execute(
            select(Lot.tenant_id, Lot.wallet_id, Wallet.user_id)
            .join(Wallet, Wallet.id == Lot.wallet_id)
            .where(Lot.closed_at.is_(None), Lot.expires_at > now, Lot.expires_at <= horizon)
            .distinct()
            .order_by(Lot.wallet_id)
        ).all()
    sent = 0
    for tenant_id, wallet_id, user_id in wallets:
        thresholds = own.get(tenant_id, default)
        if not thresholds:
            continue  # the tenant turned points reminders off
        until = now + timedelta(days=max(thresholds))
        with transaction() as session:
            session.info["tenant_id"] = tenant_id
            insert = (
                postgresql.insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite.insert
            )
            for lot in expiring(session, wallet_id, now, until):
                assert lot.expires_at is not None and lot.lot_id is not None
                fired = []
                for threshold in sorted(thresholds):
                    if lot.expires_at > now + timedelta(days=threshold):
                        continue
                    new = session.scalar(
                        insert(Reminder)
                        .values(tenant_id=tenant_id, lot_id=lot.lot_id, days=threshold)
                        .on_conflict_do_nothing(index_elements=["tenant_id", "lot_id", "days"])
                        .returning(Reminder.id)
                    )
                    if new is not None:
                        fired.append(threshold)
                if fired:
                    emit_event(
                        session,
                        tenant_id,
                        "points_expiring",
                        {
                            "user_id": user_id,
                            "lot_id": lot.lot_id,
                            "points": lot.remaining,
                            "expires_at": lot.expires_at.isoformat(),
                            "days": min(fired),
                        },
                    )
                    sent += 1
    return sent


def _transactions(url: str) -> Transactions:
    """Write transactions for the command line (SQLite: WAL and ``BEGIN IMMEDIATE``, as
    the core's own database does)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi: object, _record: object) -> None:
            dbapi.isolation_level = None  # type: ignore[attr-defined]
            cursor = dbapi.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: object) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction() -> Iterator[Session]:
        with factory.begin() as session:
            yield session

    return transaction


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m commissary_allowance.jobs renew|expire|remind [--days 14,3]"
    if not args or args[0] not in {"renew", "expire", "remind"}:
        print(usage, file=sys.stderr)
        return 2
    url = os.environ.get("COMMISSARY_DATABASE_URL", "sqlite:///var/commissary.sqlite")
    transaction, now = _transactions(url), utcnow()
    if args[0] == "renew":
        print(f"renewed {renew_all(transaction, now)} people's allowances")
    elif args[0] == "expire":
        print(f"expired {expire_all(transaction, now)} points")
    else:
        days: tuple[int, ...] | None = None  # each tenant's own thresholds
        if len(args) == 3 and args[1] == "--days":
            try:
                days = tuple(int(d) for d in args[2].split(",") if d.strip())
            except ValueError:
                print(usage, file=sys.stderr)
                return 2
        print(f"sent {remind_all(transaction, now, days)} reminders")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
