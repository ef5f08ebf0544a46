"""Locations and user assignments, for tenant admins and managers (``locations.manage``).

Managers see and change only their subtree: a location outside it answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.locations import importer, service
from commissary.locations.schemas import (
    ImportRequest,
    ImportResult,
    ImportRowError,
    LocationCreate,
    LocationPublic,
    LocationUpdate,
    ShipToChoices,
    UserLocations,
)
from commissary.web.deps import api_requires

router = APIRouter(tags=["locations"])
ManagerCtx = Annotated[Context, Depends(api_requires(Permission.LOCATIONS_MANAGE))]
BuyerCtx = Annotated[Context, Depends(api_requires(Permission.ORDER_PLACE))]


@router.get("/locations", response_model=list[LocationPublic])
def list_locations(ctx: ManagerCtx) -> list[LocationPublic]:
    """Every location for an admin; the managed subtree for a manager."""
    return [LocationPublic.model_validate(loc) for loc in service.visible_locations(ctx)]


@router.post("/locations", response_model=LocationPublic, status_code=201)
def create_location(ctx: ManagerCtx, body: LocationCreate) -> LocationPublic:
    return LocationPublic.model_validate(service.create_location(ctx, **body.model_dump()))


@router.get("/locations/{location_id}", response_model=LocationPublic)
def get_location(ctx: ManagerCtx, location_id: int) -> LocationPublic:
    return LocationPublic.model_validate(service.get_location(ctx, location_id))


@router.patch("/locations/{location_id}", response_model=LocationPublic)
def update_location(ctx: ManagerCtx, location_id: int, body: LocationUpdate) -> LocationPublic:
    loc = service.update_location(
        ctx, location_id, **body.model_dump(), fields=frozenset(body.model_fields_set)
    )
    return LocationPublic.model_validate(loc)


@router.delete("/locations/{location_id}", status_code=204)
def delete_location(ctx: ManagerCtx, location_id: int) -> Response:
    service.delete_location(ctx, location_id)
    return Response(status_code=204)


def _user_locations(ctx: Context, user_id: int) -> UserLocations:
    allowed = service.allowed_locations(ctx, user_id)
    user = service.user_in_reach(ctx, user_id)
    return UserLocations(
        default_location_id=user.location_id,
        location_ids=[loc.id for loc in allowed if loc.id != user.location_id],
        may_enter_address=user.may_enter_address,
    )


@router.get("/users/{user_id}/locations", response_model=UserLocations)
def get_user_locations(ctx: ManagerCtx, user_id: int) -> UserLocations:
    return _user_locations(ctx, user_id)


@router.put("/users/{user_id}/locations", response_model=UserLocations)
def put_user_locations(ctx: ManagerCtx, user_id: int, body: UserLocations) -> UserLocations:
    """Replace the user's locations. Needs a manager of every location named (and of the
    user's current default location), or a tenant admin."""
    service.set_user_locations(
        ctx,
        user_id,
        default_id=body.default_location_id,
        extra_ids=body.location_ids,
        may_enter_address=body.may_enter_address,
    )
    return _user_locations(ctx, user_id)


@router.get("/me/locations", response_model=ShipToChoices)
def my_locations(ctx: BuyerCtx) -> ShipToChoices:
    """Where the signed-in buyer may ship an order (checkout's ``ship_to`` choices)."""
    assert ctx.actor is not None
    allowed = service.allowed_locations(ctx, ctx.actor.id)
    return ShipToChoices(
        locations=[LocationPublic.model_validate(loc) for loc in allowed],
        default_location_id=ctx.actor.location_id,
        may_enter_address=ctx.actor.may_enter_address,
    )


def _result(report: importer.ImportReport) -> ImportResult:
    return ImportResult(
        dry_run=report.dry_run,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        errors=[ImportRowError(line=line, message=msg) for line, msg in report.errors],
    )


@router.post("/locations/import", response_model=ImportResult)
def import_locations(ctx: ManagerCtx, body: ImportRequest) -> ImportResult:
    """Create or update locations from CSV (``code,name,address,parent_code,
    manager_email``). ``dry_run`` (the default) only reports; a real run applies the
    file only when no row has an error."""
    return _result(importer.import_locations(ctx, body.csv, dry_run=body.dry_run))


@router.post("/locations/assignments/import", response_model=ImportResult)
def import_assignments(ctx: ManagerCtx, body: ImportRequest) -> ImportResult:
    """Set users' locations from CSV (``email,default_location,locations,
    may_enter_address``; ``locations`` separated by ``;``)."""
    return _result(importer.import_assignments(ctx, body.csv, dry_run=body.dry_run))
