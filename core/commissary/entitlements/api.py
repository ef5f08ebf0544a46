"""Entitlement routes: tenant admins manage them (``entitlements.manage``); buyers read
where they stand (``GET /entitlements/mine``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.entitlements import manage, service
from commissary.entitlements.models import Entitlement
from commissary.entitlements.schemas import EntitlementIn, EntitlementPublic, UsagePublic
from commissary.identity.permissions import Permission
from commissary.web.deps import api_requires

router = APIRouter(tags=["entitlements"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.ENTITLEMENTS_MANAGE))]
BuyerCtx = Annotated[Context, Depends(api_requires(Permission.ORDER_PLACE))]


def _public(ctx: Context, found: list[Entitlement]) -> list[EntitlementPublic]:
    names = manage.target_names(ctx, found)
    return [EntitlementPublic.of(e, names) for e in found]


@router.get("/entitlements/mine", response_model=list[UsagePublic])
def my_entitlements(
    ctx: BuyerCtx, sku_id: Annotated[int | None, Query()] = None
) -> list[UsagePublic]:
    """Every entitlement that applies to you, with what you ordered in its window, what is
    in your cart and how many are left. ``sku_id``: only those covering that SKU, the
    strictest first."""
    found = service.mine(ctx)
    if sku_id is not None:
        row = ctx.session.execute(
            select(Sku.id, Product.id, Product.category_id)
            .join(Product, Product.id == Sku.product_id)
            .where(Sku.id == sku_id)
        ).first()
        item = (row[0], row[1], row[2]) if row else (sku_id, -1, None)
        found = sorted((u for u in found if u.rule.covers(item)), key=lambda u: u.left)
    return [UsagePublic.of(u) for u in found]


@router.get("/entitlements", response_model=list[EntitlementPublic])
def list_entitlements(ctx: AdminCtx) -> list[EntitlementPublic]:
    return _public(ctx, manage.list_all(ctx))


@router.post("/entitlements", response_model=EntitlementPublic, status_code=201)
def create_entitlement(ctx: AdminCtx, body: EntitlementIn) -> EntitlementPublic:
    return _public(ctx, [manage.create(ctx, body.data())])[0]


@router.get("/entitlements/{entitlement_id}", response_model=EntitlementPublic)
def get_entitlement(ctx: AdminCtx, entitlement_id: int) -> EntitlementPublic:
    return _public(ctx, [manage.get(ctx, entitlement_id)])[0]


@router.put("/entitlements/{entitlement_id}", response_model=EntitlementPublic)
def update_entitlement(
    ctx: AdminCtx, entitlement_id: int, body: EntitlementIn
) -> EntitlementPublic:
    return _public(ctx, [manage.update(ctx, entitlement_id, body.data())])[0]


@router.delete("/entitlements/{entitlement_id}", status_code=204)
def delete_entitlement(ctx: AdminCtx, entitlement_id: int) -> Response:
    manage.delete(ctx, entitlement_id)
    return Response(status_code=204)
