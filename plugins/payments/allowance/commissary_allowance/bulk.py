"""Bulk grants from a CSV file: every row is checked before any is written.

The file has a header ``email,points,reason`` (column order free, an optional
``expires_on`` column in ISO format). A bad row refuses the whole file with a 422 that
names the row (the header is row 1) and nothing changes; a retried upload with the same
key grants once (each row's grant is keyed ``bulk:<key>:<row>``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from commissary import Context, Forbidden, Invalid, emit_event
from commissary_allowance.models import LedgerEntry
from commissary_allowance.service import check_grant, credit, grantable_people

MAX_ROWS = 5_000
REQUIRED = ("email", "points", "reason")


@dataclass(frozen=True)
class BulkRow:
    row: int
    user_id: int
    points: int
    reason: str
    expires_at: datetime | None


@dataclass(frozen=True)
class BulkResult:
    people: int
    points: int
    replayed: bool


def parse(ctx: Context, text: str) -> list[BulkRow]:
    """Check every row; the first problem raises ``Invalid`` naming its row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Invalid(f"row 1: the header needs the columns {', '.join(REQUIRED)}")
    reader.fieldnames = header
    people = {u.email.lower(): u.id for u in grantable_people(ctx)}
    rows: list[BulkRow] = []
    for number, record in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise Invalid(f"a file has at most {MAX_ROWS:,} rows")
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            continue  # blank line
        email = (record.get("email") or "").strip().lower()
        try:
            points = int((record.get("points") or "").strip())
        except ValueError:
            raise Invalid(f"row {number}: points must be a whole number") from None
        user_id = people.get(email)
        if user_id is None:
            raise Invalid(f"row {number}: {email or 'an empty e-mail'} is not one of your people")
        try:
            reason = check_grant(ctx, points, record.get("reason") or "")
        except Invalid as exc:
            raise Invalid(f"row {number}: {exc.message}") from None
        expires_at = None
        raw = (record.get("expires_on") or "").strip()
        if raw:
            try:
                expires_at = datetime.combine(date.fromisoformat(raw), time(0), tzinfo=UTC)
            except ValueError:
                raise Invalid(f"row {number}: expires_on must be a date like 2026-12-31") from None
            if expires_at <= ctx.now:
                raise Invalid(f"row {number}: expires_on must lie in the future")
        rows.append(BulkRow(number, user_id, points, reason, expires_at))
    if not rows:
        raise Invalid("the file has no rows to grant")
    return rows


def grant_csv(ctx: Context, text: str, key: str) -> BulkResult:
    """Grant every row of the file, or none."""
    actor = ctx.actor
    if actor is None:
        raise Forbidden("sign in to grant points")
    prefix = f"bulk:{actor.id}:{key}:"
    done = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(LedgerEntry.available_delta), 0)).where(
            LedgerEntry.idempotency_key.startswith(prefix, autoescape=True)
        )
    ).one()
    if done[0]:
        return BulkResult(int(done[0]), int(done[1]), replayed=True)
    rows = parse(ctx, text)
    for r in rows:
        credit(
            ctx.session,
            ctx.tenant.id,
            r.user_id,
            r.points,
            key=f"{prefix}{r.row}",
            reason=r.reason,
            actor_id=actor.id,
            expires_at=r.expires_at,
        )
        emit_event(
            ctx.session,
            ctx.tenant.id,
            "points_granted",
            {"user_id": r.user_id, "points": r.points, "reason": r.reason, "granted_by": actor.id},
        )
    return BulkResult(len(rows), sum(r.points for r in rows), replayed=False)
