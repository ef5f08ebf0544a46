"""Approvals inbox and decision REST routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from commissary.approvals import service
from commissary.approvals.schemas import DecisionRequest, Inbox, InboxItem
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.orders.schemas import OrderPublic
from commissary.web.deps import api_requires

router = APIRouter(tags=["approvals"])
ApproverCtx = Annotated[Context, Depends(api_requires(Permission.APPROVALS_DECIDE))]


@router.get("/approvals", response_model=Inbox)
def inbox(
    ctx: ApproverCtx,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Inbox:
    rows, total = service.inbox(ctx, limit=limit, offset=offset)
    return Inbox(
        total=total,
        items=[
            InboxItem(
                order_id=r.order.id,
                number=r.order.number,
                buyer=r.buyer_name,
                location=r.location_name,
                total_points=r.order.total_points,
                pending_lines=r.pending_lines,
                submitted_at=r.order.submitted_at,
                reasons=[str(a.get("reason", "")) for a in r.order.approval],
            )
            for r in rows
        ],
    )


@router.get("/approvals/{order_id}", response_model=OrderPublic)
def get_order(ctx: ApproverCtx, order_id: int) -> OrderPublic:
    return OrderPublic.of(service.order_to_decide(ctx, order_id))


@router.post("/approvals/{order_id}/decision", response_model=OrderPublic)
def decide(ctx: ApproverCtx, order_id: int, body: DecisionRequest) -> OrderPublic:
    if body.decision is not None:
        order = service.decide_whole(ctx, order_id, service.Decision(body.decision), body.reason)
    else:
        order = service.decide(
            ctx,
            order_id,
            [
                service.LineDecision(x.line_id, service.Decision(x.decision), x.reason)
                for x in body.lines
            ],
        )
    return OrderPublic.of(order)
