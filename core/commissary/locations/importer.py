"""CSV import of locations and of who may order for them, with a dry run.

Both imports run every row through the same services as the pages (so the same tree
permissions apply) inside a savepoint, and keep it only when the import is not a dry run
and no row failed: a file is applied whole or not at all, and the dry run reports
exactly what the real run would. Errors name the file's line (the header is line 1).

Locations: ``code,name,address,parent_code,manager_email`` (header required; ``code``
and ``name`` needed, the rest optional). A row whose code exists updates that location;
a parent may appear later in the same file. An empty ``parent_code`` creates a top-level
location (admins only) but leaves an existing location where it is.

Assignments: ``email,default_location,locations,may_enter_address``: ``locations`` is a
``;``-separated list of further location codes, ``may_enter_address`` is yes/no (empty
leaves it unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from commissary import csvfile
from commissary.context import Context
from commissary.csvfile import count_rows
from commissary.errors import DomainError, Invalid
from commissary.identity.models import Location, User
from commissary.locations import service, tree
from commissary.sync import report_sync_failure

LOCATION_COLUMNS = ("code", "name", "address", "parent_code", "manager_email")
ASSIGNMENT_COLUMNS = ("email", "default_location", "locations", "may_enter_address")
MAX_ROWS = 50_000
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.errors


def _users_by_email(ctx: Context, emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    rows = ctx.session.execute(
        select(func.lower(User.email), User.id).where(func.lower(User.email).in_(emails))
    )
    return {email: user_id for email, user_id in rows}


def _run(
    ctx: Context,
    report: ImportReport,
    apply: Callable[[], None],
    source: str = "locations import",
) -> ImportReport:
    savepoint = ctx.session.begin_nested()
    try:
        apply()
    except DomainError as exc:  # a file-wide problem (header, size)
        report.errors.append((1, exc.message))
    if report.applied:
        savepoint.commit()
    else:
        savepoint.rollback()
    if report.errors and not report.dry_run:
        # A refused real run is a failed sync: the tenant admins hear of it (a preview is not).
        shown = "\n".join(f"line {line}: {message}" for line, message in report.errors[:10])
        more = len(report.errors) - 10
        report_sync_failure(
            ctx.session,
            source,
            f"{len(report.errors)} row(s) failed, nothing was imported.\n{shown}"
            + (f"\n… and {more} more" if more > 0 else ""),
            tenant_id=ctx.tenant.id,
        )
    ctx.memo.pop("locations.manageable", None)
    return report


def import_locations(
    ctx: Context, text: str, *, dry_run: bool, progress: Progress | None = None
) -> ImportReport:
    """Create or update the locations in ``text``; see the module docstring."""
    report = ImportReport(dry_run=dry_run)

    def apply() -> None:
        rows = list(csvfile.rows(text, ("code", "name"), LOCATION_COLUMNS, max_rows=MAX_ROWS))
        report.rows = len(rows)
        codes = {row["code"] for _, row in rows} | {row.get("parent_code", "") for _, row in rows}
        by_code = {
            loc.code: loc
            for loc in ctx.session.scalars(select(Location).where(Location.code.in_(codes)))
        }
        managers = _users_by_email(
            ctx, {row["manager_email"].lower() for _, row in rows if row.get("manager_email")}
        )
        for line, row in _parents_first(rows):
            try:
                manager_id = None
                if row.get("manager_email"):
                    manager_id = managers.get(row["manager_email"].lower())
                    if manager_id is None:
                        raise Invalid(f"there is no user {row['manager_email']}")
                parent_code = row.get("parent_code", "")
                parent = by_code.get(parent_code) if parent_code else None
                if parent_code and parent is None:
                    raise Invalid(f"there is no location {parent_code} to place it under")
                parent_id = parent.id if parent else None
                existing = by_code.get(row["code"])
                if existing is None:
                    by_code[row["code"]] = service.create_location(
                        ctx,
                        code=row["code"],
                        name=row["name"],
                        address=row.get("address", ""),
                        manager_id=manager_id,
                        parent_id=parent_id,
                    )
                    report.created += 1
                else:
                    service.update_location(
                        ctx,
                        existing.id,
                        name=row["name"],
                        address=row.get("address", existing.address),
                        manager_id=manager_id if row.get("manager_email") else existing.manager_id,
                        parent_id=parent_id,
                        fields=frozenset(
                            {"name", "address", "manager_id"} | ({"parent_id"} if parent else set())
                        ),
                    )
                    report.updated += 1
            except DomainError as exc:
                report.errors.append((line, exc.message))
            if progress:
                progress(1)
        report.errors.sort()

    return _run(ctx, report, apply)


def _parents_first(rows: list[tuple[int, dict[str, str]]]) -> list[tuple[int, dict[str, str]]]:
    """The rows ordered so that a location comes after its parent when both are in the
    file (a parent may be listed after its children); file order otherwise."""
    in_file = {row["code"]: row for _, row in rows}

    def depth(row: dict[str, str]) -> int:
        seen: set[str] = set()
        level = 0
        code = row.get("parent_code", "")
        while code in in_file and code not in seen and level <= tree.MAX_DEPTH:
            seen.add(code)
            level += 1
            code = in_file[code].get("parent_code", "")
        return level

    return sorted(rows, key=lambda item: (depth(item[1]), item[0]))


def _yes(value: str, line: int) -> bool | None:
    value = value.strip().lower()
    if not value:
        return None
    if value in {"yes", "y", "true", "1"}:
        return True
    if value in {"no", "n", "false", "0"}:
        return False
    raise Invalid(f"may_enter_address must be yes or no, not {value!r}")


def import_assignments(
    ctx: Context, text: str, *, dry_run: bool, progress: Progress | None = None
) -> ImportReport:
    """Set each listed user's locations; see the module docstring."""
    report = ImportReport(dry_run=dry_run)

    def apply() -> None:
        rows = list(
            csvfile.rows(text, ("email", "default_location"), ASSIGNMENT_COLUMNS, max_rows=MAX_ROWS)
        )
        report.rows = len(rows)
        codes: set[str] = set()
        for _, row in rows:
            codes.add(row["default_location"])
            codes |= {c.strip() for c in row.get("locations", "").split(";") if c.strip()}
        by_code = {
            code: loc_id
            for code, loc_id in ctx.session.execute(
                select(Location.code, Location.id).where(Location.code.in_(codes))
            )
        }
        users = _users_by_email(ctx, {row["email"].lower() for _, row in rows})
        for line, row in rows:
            try:
                user_id = users.get(row["email"].lower())
                if user_id is None:
                    raise Invalid(f"there is no user {row['email']}")
                wanted = [row["default_location"]] if row["default_location"] else []
                extra = [c.strip() for c in row.get("locations", "").split(";") if c.strip()]
                unknown = [c for c in [*wanted, *extra] if c not in by_code]
                if unknown:
                    raise Invalid(f"there is no location {unknown[0]}")
                service.set_user_locations(
                    ctx,
                    user_id,
                    default_id=by_code[wanted[0]] if wanted else None,
                    extra_ids=[by_code[c] for c in extra],
                    may_enter_address=_yes(row.get("may_enter_address", ""), line),
                )
                report.updated += 1
            except DomainError as exc:
                report.errors.append((line, exc.message))
            if progress:
                progress(1)

    return _run(ctx, report, apply, "location assignments import")


__all__ = ["ImportReport", "count_rows", "import_assignments", "import_locations"]
