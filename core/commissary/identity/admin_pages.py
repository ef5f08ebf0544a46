"""Tenant administration: the portal's people, their roles and locations, and its plugins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from commissary.context import Context
from commissary.errors import Invalid, NotFound
from commissary.identity import invites, service
from commissary.identity.models import Location, Role, User, UserInvite
from commissary.identity.permissions import Permission
from commissary.notifications.catalog import LANGUAGE_NAMES, LANGUAGES
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
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
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


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _location(location_id: str) -> int | None:
    if location_id and not location_id.isdigit():
        raise Invalid("choose a location from the list")
    return int(location_id) if location_id else None


def _invited(request: Request, ctx: Context, invitation: invites.Invitation, again: bool) -> str:
    who = invitation.user.email
    if invitation.mailed:
        return f"{'A new invitation' if again else 'An invitation'} is on its way to {who}."
    return (
        f"No e-mail channel is enabled here, so nothing was sent: give {who} this link "
        f"(it works once, for {invites.INVITE_DAYS} days): {invitation.url}"
    )


@router.post("/invites")
def invite_user(
    request: Request,
    ctx: AdminCtx,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[list[str], Form()],
    location_id: Annotated[str, Form()] = "",
    language: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    """Create the account without a password and mail the person a single-use link."""
    invitation = invites.invite_user(
        ctx,
        email=email,
        name=name,
        roles=role,
        location_id=_location(location_id),
        language=language or None,
        base_url=_base_url(request),
    )
    return redirect(
        request, f"/t/{ctx.tenant.slug}/admin/", _invited(request, ctx, invitation, False)
    )


def _person(ctx: Context, user_id: int) -> User:
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("no such person")
    return user


@router.get("/users/{user_id}", response_class=HTMLResponse)
def person(request: Request, ctx: AdminCtx, user_id: int) -> HTMLResponse:
    user = _person(ctx, user_id)
    last_invite = ctx.session.scalar(
        select(UserInvite)
        .where(UserInvite.user_id == user.id)
        .order_by(UserInvite.id.desc())
        .limit(1)
    )
    location = ctx.session.get(Location, user.location_id) if user.location_id else None
    return render(
        request,
        "admin_person.html",
        ctx,
        person=user,
        location=location,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        last_invite=last_invite,
    )


@router.post("/users/{user_id}/language")
def set_language(
    request: Request,
    ctx: AdminCtx,
    user_id: int,
    language: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    """The language this person's messages are written in (empty: the portal's)."""
    user = _person(ctx, user_id)
    user.language = invites.check_language(language or None)
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/users/{user.id}", "Language saved.")


@router.post("/users/{user_id}/invite")
def invite_again(request: Request, ctx: AdminCtx, user_id: int) -> RedirectResponse:
    """A fresh link for someone who has not chosen a password; older links stop working."""
    invitation = invites.reinvite(ctx, _person(ctx, user_id).id, _base_url(request))
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/admin/users/{user_id}",
        _invited(request, ctx, invitation, True),
    )
