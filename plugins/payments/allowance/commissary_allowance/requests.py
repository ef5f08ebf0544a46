"""Buyers ask for more points; a manager of theirs approves (grants) or declines.

A decision is one conditional UPDATE from ``pending``, so two managers deciding the same
request at once cannot both grant: the second gets a 409. An approval grants with the
key ``request:<id>``, so it is also safe against a retried request.
"""

from __future__ import annotations

from sqlalchemy import select, update

from commissary import Conflict, Context, Forbidden, Invalid, NotFound, emit_event
from commissary_allowance.models import PointsRequest, RequestStatus
from commissary_allowance.service import check_grant, credit, grantable_people
from commissary_allowance.settings import AllowanceSettings

MAX_PENDING = 5


def ask(ctx: Context, points: int, reason: str) -> PointsRequest:
    """Record a buyer's request; a manager sees it in their inbox."""
    actor = ctx.actor
    if actor is None:
        raise Forbidden("sign in to ask for points")
    settings = ctx.settings(AllowanceSettings)
    if not 1 <= points <= settings.max_grant:
        raise Invalid(f"ask for between 1 and {settings.max_grant:,} {settings.points_label}")
    if not reason.strip() or len(reason) > 500:
        raise Invalid("say in up to 500 characters why you need the points")
    pending = ctx.session.scalars(
        select(PointsRequest.id).where(
            PointsRequest.user_id == actor.id, PointsRequest.status == RequestStatus.PENDING
        )
    ).all()
    if len(pending) >= MAX_PENDING:
        raise Conflict(f"you have {MAX_PENDING} requests waiting; wait for a decision first")
    request = PointsRequest(
        tenant_id=ctx.tenant.id, user_id=actor.id, points=points, reason=reason.strip()
    )
    ctx.session.add(request)
    ctx.session.flush()
    return request


def mine(ctx: Context) -> list[PointsRequest]:
    assert ctx.actor is not None
    return list(
        ctx.session.scalars(
            select(PointsRequest)
            .where(PointsRequest.user_id == ctx.actor.id)
            .order_by(PointsRequest.id.desc())
            .limit(50)
        )
    )


def inbox(ctx: Context) -> list[PointsRequest]:
    """Pending requests of the people this manager may grant to, oldest first."""
    people = [u.id for u in grantable_people(ctx)]
    return list(
        ctx.session.scalars(
            select(PointsRequest)
            .where(
                PointsRequest.status == RequestStatus.PENDING,
                PointsRequest.user_id.in_(people),
            )
            .order_by(PointsRequest.id)
        )
    )


def decide(ctx: Context, request_id: int, approve: bool, note: str = "") -> PointsRequest:
    """Approve (grant the points) or decline (with a note the buyer sees)."""
    actor = ctx.actor
    if actor is None:
        raise Forbidden("sign in to decide")
    request = ctx.session.get(PointsRequest, request_id)
    people = {u.id for u in grantable_people(ctx)}
    if request is None or request.tenant_id != ctx.tenant.id or request.user_id not in people:
        raise NotFound("no such request among the people you manage")
    if request.user_id == actor.id:
        raise Forbidden("you cannot decide your own request")
    note = note.strip()
    if len(note) > 500:
        raise Invalid("a note has at most 500 characters")
    if not approve and not note:
        raise Invalid("say why you decline; the person sees your note")
    if approve:
        check_grant(ctx, request.points, request.reason)
    moved = ctx.session.execute(
        update(PointsRequest)
        .where(PointsRequest.id == request.id, PointsRequest.status == RequestStatus.PENDING)
        .values(
            status=RequestStatus.APPROVED if approve else RequestStatus.DECLINED,
            decided_by_id=actor.id,
            decision_note=note,
            decided_at=ctx.now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("this request was decided already")
    if approve:
        reason = f"Request: {request.reason}"[:500]
        credit(
            ctx.session,
            ctx.tenant.id,
            request.user_id,
            request.points,
            key=f"request:{request.id}",
            reason=reason,
            actor_id=actor.id,
        )
        emit_event(
            ctx.session,
            ctx.tenant.id,
            "points_granted",
            {
                "user_id": request.user_id,
                "points": request.points,
                "reason": reason,
                "granted_by": actor.id,
            },
        )
    ctx.session.refresh(request)
    return request
