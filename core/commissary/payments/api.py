"""Payment routes under ``/t/<slug>/api/v1/payments``: gateway webhooks (no sign-in; the
method verifies the signature), the tenant's split-tender policy, an order's tenders with
their attempts, and refunds."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from commissary import idempotency
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.orders import service as orders
from commissary.payments import attempts, policy, service, webhooks
from commissary.payments.schemas import PolicyIn, PolicyPublic, RefundIn, TenderPublic
from commissary.web.deps import api_identity, api_requires

router = APIRouter(prefix="/payments", tags=["payments"])
AnyCtx = Annotated[Context, Depends(api_identity)]
AdminCtx = Annotated[Context, Depends(api_requires(Permission.PLUGINS_MANAGE))]
ApproverCtx = Annotated[Context, Depends(api_requires(Permission.APPROVALS_DECIDE))]


@router.post("/webhooks/{method}")
async def webhook(ctx: AnyCtx, method: str, request: Request) -> dict[str, int]:
    """A gateway's notification; refused (400) unless its signature and timestamp check."""
    body = await request.body()
    return webhooks.receive(ctx, method, dict(request.headers), body)


@router.get("/policy", response_model=PolicyPublic | None)
def get_policy(ctx: AdminCtx) -> PolicyPublic | None:
    found = policy.policy_for(ctx)
    if found is None:
        return None
    return PolicyPublic(
        remainder_methods=[str(m) for m in found.remainder_methods],
        employee_card=found.employee_card,
        currency=found.currency,
        point_value=found.point_value,
    )


@router.put("/policy", response_model=PolicyPublic)
def put_policy(ctx: AdminCtx, body: PolicyIn) -> PolicyPublic:
    policy.set_policy(ctx, **body.model_dump())
    return PolicyPublic(**body.model_dump())


def _tenders(ctx: Context, order_id: int) -> list[TenderPublic]:
    rows = service.tenders(ctx, order_id)
    found = attempts.for_payments(ctx, [r.id for r in rows])
    return [TenderPublic.of(r, found) for r in rows]


@router.get("/orders/{order_id}", response_model=list[TenderPublic])
def order_tenders(ctx: ApproverCtx, order_id: int) -> list[TenderPublic]:
    """An order's tenders and every attempt on them (approvers and managers)."""
    orders.order_for(ctx, order_id, any_buyer=True)
    return _tenders(ctx, order_id)


@router.post("/orders/{order_id}/refunds", response_model=list[TenderPublic])
def refund(
    ctx: ApproverCtx,
    order_id: int,
    body: RefundIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> list[TenderPublic]:
    """Refund points' worth of captured amounts, last tender first (docs/payments.md).
    Retrying with the same ``Idempotency-Key`` (required) and body refunds nothing more."""
    assert ctx.actor is not None
    orders.order_for(ctx, order_id, any_buyer=True)  # another tenant's order: 404 first
    # Stored keys hold 200 characters: a digest keeps any client key within them.
    digest = hashlib.sha256(idempotency.check_key(idempotency_key or "").encode()).hexdigest()
    key = f"refund:{order_id}:{digest[:40]}"
    print_ = idempotency.fingerprint(body.model_dump())
    if idempotency.lookup(ctx.session, ctx.tenant.id, ctx.actor.id, key, print_) is None:
        service.refund(ctx, order_id, body.points, key=key)
        idempotency.store(
            ctx.session, ctx.tenant.id, ctx.actor.id, key, print_, 200, {"order_id": order_id}
        )
    return _tenders(ctx, order_id)
