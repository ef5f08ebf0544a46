"""The portal's own settings, for its tenant admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.tenants import service
from commissary.tenants.models import AccessMode, Tenant
from commissary.web.deps import api_requires

router = APIRouter(tags=["portal"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.PORTAL_MANAGE))]


class PortalPublic(BaseModel):
    slug: str
    name: str
    access_mode: AccessMode
    approval_threshold_points: int | None
    min_order_points: int | None

    @classmethod
    def of(cls, tenant: Tenant) -> PortalPublic:
        return cls(
            slug=tenant.slug,
            name=tenant.name,
            access_mode=tenant.access_mode,
            approval_threshold_points=tenant.approval_threshold_points,
            min_order_points=tenant.min_order_points,
        )


class PortalUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    access_mode: AccessMode | None = None
    approval_threshold_points: int | None = Field(default=None, ge=0)
    min_order_points: int | None = Field(default=None, ge=0)


@router.get("/portal", response_model=PortalPublic)
def get_portal(ctx: AdminCtx) -> PortalPublic:
    return PortalPublic.of(ctx.tenant)


@router.patch("/portal", response_model=PortalPublic)
def update_portal(ctx: AdminCtx, body: PortalUpdate) -> PortalPublic:
    """Change only the fields sent. ``access_mode``: ``private`` (sign in for everything),
    ``public_catalog`` (anyone browses, prices hidden), ``public_prices`` (anyone browses
    with list prices; sign in to order). ``null`` clears a threshold or minimum."""
    changes = body.model_dump(exclude_unset=True)
    for key in ("name", "access_mode"):
        if key in changes and changes[key] is None:
            del changes[key]
    return PortalPublic.of(service.update_portal(ctx.session, ctx.tenant, changes=changes))
