"""Location pages for tenant admins and managers: the tree, a person's locations, and the
CSV upload with a preview (dry run) before anything changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.models import Location, User
from commissary.identity.permissions import Permission
from commissary.locations import importer, service
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/admin/locations")
ManagerCtx = Annotated[Context, Depends(page_requires(Permission.LOCATIONS_MANAGE))]
MAX_UPLOAD = 5_000_000


def _optional_id(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise Invalid(f"choose a {what} from the list")
    return int(value)


def tree_rows(locations: list[Location]) -> list[tuple[int, Location]]:
    """``(depth, location)`` in tree order (children under their parent, by name); a
    manager's subtree starts at the locations whose parent they cannot see."""
    ids = {loc.id for loc in locations}
    children: dict[int | None, list[Location]] = {}
    for loc in locations:
        parent = loc.parent_id if loc.parent_id in ids else None
        children.setdefault(parent, []).append(loc)
    rows: list[tuple[int, Location]] = []

    def walk(parent: int | None, depth: int) -> None:
        for loc in sorted(children.get(parent, []), key=lambda x: x.name.lower()):
            rows.append((depth, loc))
            walk(loc.id, depth + 1)

    walk(None, 0)
    return rows


def _people(ctx: Context) -> list[User]:
    ids = service.manageable_ids(ctx)
    query = select(User).order_by(User.name)
    if ids is not None:
        query = query.where(User.location_id.in_(ids))
    return list(ctx.session.scalars(query))


@router.get("", response_class=HTMLResponse)
def locations_page(request: Request, ctx: ManagerCtx) -> HTMLResponse:
    locations = service.visible_locations(ctx)
    people = _people(ctx)
    extra = service.assignments(ctx, [p.id for p in people])
    managers = ctx.session.scalars(select(User).order_by(User.name)).all()
    return render(
        request,
        "locations.html",
        ctx,
        rows=tree_rows(locations),
        locations=locations,
        names={loc.id: loc.name for loc in locations},
        people=people,
        extra=extra,
        managers=managers,
        manager_names={u.id: u.name for u in managers},
        is_admin=service.manageable_ids(ctx) is None,
    )


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, ctx: ManagerCtx) -> HTMLResponse:
    return render(request, "locations_import.html", ctx, report=None, kind="locations")


@router.post("/import", response_model=None)
async def import_upload(
    request: Request,
    ctx: ManagerCtx,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "locations",
    dry_run: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Preview (dry run) shows every row error by line; an import applies the whole file
    or, when a row fails, nothing and shows the errors."""
    raw = await file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise Invalid("the file is larger than 5 MB; split it")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text (save it as CSV UTF-8)") from None
    run = importer.import_assignments if kind == "assignments" else importer.import_locations
    report = await run_in_threadpool(run, ctx, text, dry_run=bool(dry_run))
    if report.applied:
        what = "people" if kind == "assignments" else "locations"
        return redirect(
            request,
            f"/t/{ctx.tenant.slug}/admin/locations",
            f"Imported {report.rows} rows of {what}: {report.created} created, "
            f"{report.updated} updated.",
        )
    return render(
        request,
        "locations_import.html",
        ctx,
        status_code=200 if report.dry_run else 422,
        report=report,
        kind=kind,
        filename=file.filename or "",
    )


@router.post("")
def create_location(
    request: Request,
    ctx: ManagerCtx,
    code: Annotated[str, Form(max_length=40)],
    name: Annotated[str, Form(max_length=200)],
    address: Annotated[str, Form(max_length=500)] = "",
    parent_id: Annotated[str, Form()] = "",
    manager_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    loc = service.create_location(
        ctx,
        code=code,
        name=name,
        address=address,
        parent_id=_optional_id(parent_id, "parent location"),
        manager_id=_optional_id(manager_id, "manager"),
    )
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/locations", f"Added {loc.name}.")


@router.post("/{location_id}")
def update_location(
    request: Request,
    ctx: ManagerCtx,
    location_id: int,
    name: Annotated[str, Form(max_length=200)],
    address: Annotated[str, Form(max_length=500)] = "",
    parent_id: Annotated[str, Form()] = "",
    manager_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    loc = service.update_location(
        ctx,
        location_id,
        name=name,
        address=address,
        parent_id=_optional_id(parent_id, "parent location"),
        manager_id=_optional_id(manager_id, "manager"),
        fields=frozenset({"name", "address", "parent_id", "manager_id"}),
    )
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/locations", f"Saved {loc.name}.")


@router.post("/people/{user_id}")
def assign(
    request: Request,
    ctx: ManagerCtx,
    user_id: int,
    default_location_id: Annotated[str, Form()] = "",
    location_ids: Annotated[list[str] | None, Form()] = None,
    may_enter_address: Annotated[str, Form()] = "",
) -> RedirectResponse:
    person = service.set_user_locations(
        ctx,
        user_id,
        default_id=_optional_id(default_location_id, "location"),
        extra_ids=[i for i in (_optional_id(x, "location") for x in location_ids or []) if i],
        may_enter_address=bool(may_enter_address),
    )
    return redirect(
        request, f"/t/{ctx.tenant.slug}/admin/locations", f"Saved where {person.name} orders for."
    )
