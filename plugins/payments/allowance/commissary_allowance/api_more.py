"""REST routes for requests for points and allowance programs (joined to the wallet
router in :mod:`commissary_allowance.api`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from commissary import ApiCtx, Context, Permission, api_requires
from commissary_allowance import programs, requests
from commissary_allowance.schemas import (
    Decision,
    PointsAsk,
    ProgramCreate,
    ProgramPublic,
    RequestPublic,
)

router = APIRouter(tags=["wallet"])
GranterCtx = Annotated[Context, Depends(api_requires(Permission.POINTS_GRANT))]


@router.post("/wallet/requests", response_model=RequestPublic, status_code=201)
def ask_for_points(ctx: ApiCtx, body: PointsAsk) -> RequestPublic:
    """Ask a manager for more points; they approve (grant) or decline it."""
    return RequestPublic.of(requests.ask(ctx, body.points, body.reason))


@router.get("/wallet/requests", response_model=list[RequestPublic])
def my_requests(ctx: ApiCtx) -> list[RequestPublic]:
    return [RequestPublic.of(r) for r in requests.mine(ctx)]


@router.get("/wallet/requests/inbox", response_model=list[RequestPublic])
def requests_inbox(ctx: GranterCtx) -> list[RequestPublic]:
    """Pending requests of the people this manager looks after."""
    return [RequestPublic.of(r) for r in requests.inbox(ctx)]


@router.post("/wallet/requests/{request_id}/approve", response_model=RequestPublic)
def approve_request(ctx: GranterCtx, request_id: int, body: Decision) -> RequestPublic:
    return RequestPublic.of(requests.decide(ctx, request_id, True, body.note))


@router.post("/wallet/requests/{request_id}/decline", response_model=RequestPublic)
def decline_request(ctx: GranterCtx, request_id: int, body: Decision) -> RequestPublic:
    """Decline with a note (required) that the buyer sees."""
    return RequestPublic.of(requests.decide(ctx, request_id, False, body.note))


@router.get("/wallet/programs", response_model=list[ProgramPublic])
def list_programs(ctx: GranterCtx) -> list[ProgramPublic]:
    return [ProgramPublic.of(p) for p in programs.programs(ctx.session)]


@router.post("/wallet/programs", response_model=ProgramPublic, status_code=201)
def create_program(ctx: GranterCtx, body: ProgramCreate) -> ProgramPublic:
    """Create a program (tenant administrators); the renewal job grants its periods."""
    return ProgramPublic.of(programs.create_program(ctx, body))


@router.post("/wallet/programs/{program_id}/deactivate", response_model=ProgramPublic)
def deactivate_program(ctx: GranterCtx, program_id: int) -> ProgramPublic:
    """Stop renewing; points granted already stay (and expire as they would)."""
    return ProgramPublic.of(programs.set_active(ctx, program_id, False))


@router.put("/wallet/programs/{program_id}", response_model=ProgramPublic)
def update_program(ctx: GranterCtx, program_id: int, body: ProgramCreate) -> ProgramPublic:
    """Change a program (tenant administrators); later renewals follow the new terms."""
    return ProgramPublic.of(programs.update_program(ctx, program_id, body))


@router.post("/wallet/programs/{program_id}/activate", response_model=ProgramPublic)
def activate_program(ctx: GranterCtx, program_id: int) -> ProgramPublic:
    """Renew again from the current period."""
    return ProgramPublic.of(programs.set_active(ctx, program_id, True))
