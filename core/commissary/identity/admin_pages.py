"""Tenant administration: the portal's people, their roles and locations, and its plugins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity import service
from commissary.identity.models import Location, Role, User
from commissary.identity.permissions import Permission
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/admin")
AdminCtx = Annotated[Context, Depends(page_requires(Permission.USERS_MANAGE))]


@router.get("/", response_class=HTMLResponse)
def people(request: Request, ctx: AdminCtx) -> HTMLResponse:
    users = ctx.session.scalars(select(User).order_by(User.name)).all()
    locations = ctx.session.scalars(select(Location).order_by(Location.name)).all()
    host = request.app.state.host
    return render(
        request,
        "tenant_admin.html",
        ctx,
        users=users,
        locations=locations,
        location_names={loc.id: loc.name for loc in locations},
        user_names={u.id: u.name for u in users},
        roles=[r.value for r in Role],
        plugins=[host.info[n] for n in host.names() if host.is_tenant_plugin(n)],
        enabled={n for n in ctx.hooks.enabled if host.is_tenant_plugin(n)},
    )


@router.post("/users")
def create_user(
    request: Request,
    ctx: AdminCtx,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form()],
    location_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if location_id and not location_id.isdigit():
        raise Invalid("choose a location from the list")
    user = service.create_user(
        ctx.session,
        ctx.tenant,
        email=email,
        name=name,
        password=password,
        roles=[role],
        location_id=int(location_id) if location_id else None,
    )
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/", f"{user.email} can now sign in.")
