"""Approvals REST routes: the inbox, decisions (single and bulk), steps, delegations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from commissary.approvals import delegation, service
from commissary.approvals import steps as approval_steps
from commissary.approvals.schemas import (
    BulkDecisionRequest,
    BulkResultPublic,
    DecisionRequest,
    DelegationIn,
    DelegationPublic,
    Inbox,
    InboxItem,
    StepPublic,
)
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.orders import service as orders
from commissary.orders.schemas import OrderPublic
from commissary.web.deps import api_requires

router = APIRouter(tags=["approvals"])
ApproverCtx = Annotated[Context, Depends(api_requires(Permission.APPROVALS_DECIDE))]
BuyerCtx = Annotated[Context, Depends(api_requires(Permission.ORDER_PLACE))]


@router.get("/approvals", response_model=Inbox)
def inbox(
    ctx: ApproverCtx,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    location_id: int | None = None,
    buyer_id: int | None = None,
    buyer: Annotated[str, Query(max_length=100)] = "",
    rule: Annotated[str, Query(max_length=80)] = "",
    min_total: Annotated[int | None, Query(ge=0)] = None,
    waiting_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> Inbox:
    """Orders with a step open for you (or for someone you stand in for), oldest first."""
    filters = service.InboxFilters(location_id, buyer_id, buyer, rule, min_total, waiting_days)
    rows, total = service.inbox(ctx, limit=limit, offset=offset, filters=filters)
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
                level=r.level,
                reason=r.reason,
                waiting_since=r.waiting_since,
            )
            for r in rows
        ],
    )


@router.post("/approvals/bulk", response_model=list[BulkResultPublic])
def decide_many(ctx: ApproverCtx, body: BulkDecisionRequest) -> list[BulkResultPublic]:
    """Approve or reject several whole orders; each result says whether it went through."""
    results = service.decide_many(ctx, body.order_ids, service.Decision(body.decision), body.reason)
    return [
        BulkResultPublic(order_id=r.order_id, ok=r.ok, status=r.status, error=r.error)
        for r in results
    ]


@router.get("/approvals/{order_id}", response_model=OrderPublic)
def get_order(ctx: ApproverCtx, order_id: int) -> OrderPublic:
    return OrderPublic.of(service.order_to_decide(ctx, order_id))


@router.get("/approvals/{order_id}/steps", response_model=list[StepPublic])
def get_steps(ctx: ApproverCtx, order_id: int) -> list[StepPublic]:
    """Every approval step of the order: which rule asked whom, at which level, and how
    it was decided."""
    order = service.order_to_decide(ctx, order_id)
    return [StepPublic.of(s) for s in approval_steps.of_order(ctx, order.id)]


@router.get("/orders/{order_id}/approval-steps", response_model=list[StepPublic])
def get_my_steps(ctx: BuyerCtx, order_id: int) -> list[StepPublic]:
    """The buyer's view of their order's approval steps."""
    order = orders.order_for(ctx, order_id)
    return [StepPublic.of(s) for s in approval_steps.of_order(ctx, order.id)]


@router.post("/approvals/{order_id}/decision", response_model=OrderPublic)
def decide(ctx: ApproverCtx, order_id: int, body: DecisionRequest) -> OrderPublic:
    if body.decision is not None:
        order = service.decide_whole(ctx, order_id, service.Decision(body.decision), body.reason)
    else:
        order = service.decide(
            ctx,
            order_id,
            [
                service.LineDecision(x.line_id, service.Decision(x.decision), x.reason, x.quantity)
                for x in body.lines
            ],
        )
    return OrderPublic.of(order)


@router.get("/approval-delegations", response_model=list[DelegationPublic])
def list_delegations(ctx: ApproverCtx) -> list[DelegationPublic]:
    """Delegations you gave or received that have not ended."""
    return [DelegationPublic.of(d) for d in delegation.mine(ctx)]


@router.post("/approval-delegations", response_model=DelegationPublic, status_code=201)
def create_delegation(ctx: ApproverCtx, body: DelegationIn) -> DelegationPublic:
    row = delegation.create(ctx, body.delegate_id, body.starts_on, body.ends_on, body.note)
    return DelegationPublic.of(row)


@router.delete("/approval-delegations/{delegation_id}", status_code=204)
def delete_delegation(ctx: ApproverCtx, delegation_id: int) -> Response:
    delegation.remove(ctx, delegation_id)
    return Response(status_code=204)


from commissary.approvals import rules_api  # noqa: E402

router.include_router(rules_api.router)
