"""Sign in and out of a tenant portal."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from commissary.context import Context
from commissary.errors import DomainError, Invalid, NotFound
from commissary.identity import invites, service
from commissary.identity.api import client_address
from commissary.identity.models import TokenKind
from commissary.identity.passwords import MIN_LENGTH
from commissary.web.deps import AnonPageCtx, SessionDep, session_cookie
from commissary.web.rendering import redirect, render

router = APIRouter()


def _safe_next(tenant_slug: str, target: str | None) -> str:
    """Only same-portal paths, so a crafted link cannot bounce users to another site."""
    home = f"/t/{tenant_slug}/"
    if target and target.startswith(home) and "//" not in target and "\\" not in target:
        return target
    return home


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: AnonPageCtx, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", ctx, next=_safe_next(ctx.tenant.slug, next), error=None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    ctx: AnonPageCtx,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        issued = service.login(
            session,
            request.app.state.settings,
            ctx.tenant,
            email=email,
            password=password,
            client=client_address(request),
            kind=TokenKind.SESSION,
        )
    except DomainError as exc:
        session.commit()  # keep the failure count for the rate limit
        return render(
            request,
            "login.html",
            ctx,
            status_code=exc.status_code,
            next=_safe_next(ctx.tenant.slug, next),
            error=exc.message,
            email=email,
        )
    response = redirect(request, _safe_next(ctx.tenant.slug, next))
    response.set_cookie(
        session_cookie(ctx.tenant.slug),
        issued.token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=request.app.state.settings.session_hours * 3600,
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, ctx: AnonPageCtx, session: SessionDep) -> RedirectResponse:
    token = request.cookies.get(session_cookie(ctx.tenant.slug))
    if token:
        service.logout(session, token)
    response = redirect(request, f"/t/{ctx.tenant.slug}/login", "You are signed out.")
    response.delete_cookie(session_cookie(ctx.tenant.slug), path="/")
    return response


def login_url(tenant_slug: str, next_path: str) -> str:
    return f"/t/{tenant_slug}/login?next={quote(next_path, safe='/')}"


# -- invitations ---------------------------------------------------------------------------


def _invite_page(
    request: Request,
    ctx: Context,
    secret: str,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    try:
        _, user, state = invites.find(ctx, secret)
    except NotFound:
        return render(
            request, "invite.html", ctx, status_code=404, state="unknown", person=None, error=None
        )
    if state is not invites.InviteState.OPEN:
        return render(request, "invite.html", ctx, status_code=410, state=state.value, person=user)
    return render(
        request,
        "invite.html",
        ctx,
        status_code=status_code,
        state="open",
        person=user,
        secret=secret,
        error=error,
        min_length=MIN_LENGTH,
    )


@router.get("/invite/{secret}", response_class=HTMLResponse)
def invite_form(request: Request, ctx: AnonPageCtx, secret: str) -> HTMLResponse:
    """The invitee chooses a password; a used, expired or replaced link says so (410)."""
    return _invite_page(request, ctx, secret)


@router.post("/invite/{secret}", response_model=None)
def accept_invite(
    request: Request,
    ctx: AnonPageCtx,
    secret: str,
    password: Annotated[str, Form(max_length=1024)],
    confirm: Annotated[str, Form(max_length=1024)],
) -> HTMLResponse | RedirectResponse:
    try:
        user = invites.accept(ctx, secret, password, confirm)
    except invites.InviteClosed:
        return _invite_page(request, ctx, secret)
    except NotFound:
        return _invite_page(request, ctx, secret)
    except Invalid as exc:
        return _invite_page(request, ctx, secret, status_code=422, error=exc.message)
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/login",
        f"Your password is set. Sign in with {user.email}.",
    )
