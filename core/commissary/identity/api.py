"""Token login and the current user, for API clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from commissary.context import Context
from commissary.errors import DomainError, NotFound
from commissary.identity import invites, service
from commissary.identity.models import TokenKind, User
from commissary.identity.permissions import Permission
from commissary.identity.schemas import (
    InvitePublic,
    InviteRequest,
    LanguageUpdate,
    TokenPublic,
    TokenRequest,
    UserPublic,
)
from commissary.web.deps import ApiCtx, SessionDep, TenantDep, api_requires

router = APIRouter(tags=["auth"])


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=TokenPublic, responses={429: {}, 422: {}})
def token(
    request: Request, tenant: TenantDep, session: SessionDep, body: TokenRequest
) -> TokenPublic | JSONResponse:
    """Exchange e-mail and password for a bearer token. Five failures in the window lock
    the account's logins for the rest of it (429 with ``Retry-After``)."""
    try:
        issued = service.login(
            session,
            request.app.state.settings,
            tenant,
            email=body.email,
            password=body.password,
            client=client_address(request),
            kind=TokenKind.API,
        )
    except DomainError:
        session.commit()  # keep the failure count
        raise
    return TokenPublic(access_token=issued.token, expires_at=issued.record.expires_at)


@router.delete("/auth/token", status_code=204)
def revoke(request: Request, ctx: ApiCtx, session: SessionDep) -> Response:
    _, _, raw = request.headers.get("authorization", "").partition(" ")
    service.logout(session, raw.strip())
    return Response(status_code=204)


def user_public(a: User) -> UserPublic:
    return UserPublic(
        id=a.id,
        email=a.email,
        name=a.name,
        roles=a.roles,
        location_id=a.location_id,
        language=a.language,
        invited=a.password_hash is None,
    )


@router.get("/me", response_model=UserPublic)
def me(ctx: ApiCtx) -> UserPublic:
    assert ctx.actor is not None
    return user_public(ctx.actor)


@router.patch("/me", response_model=UserPublic)
def update_me(ctx: ApiCtx, body: LanguageUpdate) -> UserPublic:
    """Choose the language of your messages (``null``: the portal's default)."""
    assert ctx.actor is not None
    ctx.actor.language = invites.check_language(body.language)
    return user_public(ctx.actor)


AdminCtx = Annotated[Context, Depends(api_requires(Permission.USERS_MANAGE))]


def _invite_public(invitation: invites.Invitation) -> InvitePublic:
    return InvitePublic(
        user=user_public(invitation.user),
        invite_id=invitation.invite.id,
        expires_at=invitation.invite.expires_at,
        mailed=invitation.mailed,
        invite_url=None if invitation.mailed else invitation.url,
    )


@router.post("/users/invite", response_model=InvitePublic, status_code=201, tags=["users"])
def invite(request: Request, ctx: AdminCtx, body: InviteRequest) -> InvitePublic:
    """Create an account without a password and send the person a single-use link
    (valid 7 days) to choose one. 409 when the e-mail has an account here."""
    return _invite_public(
        invites.invite_user(
            ctx,
            email=body.email,
            name=body.name,
            roles=body.roles,
            location_id=body.location_id,
            language=body.language,
            base_url=str(request.base_url),
        )
    )


@router.post(
    "/users/{user_id}/invite", response_model=InvitePublic, status_code=201, tags=["users"]
)
def invite_again(request: Request, ctx: AdminCtx, user_id: int) -> InvitePublic:
    """A new link for someone who has not chosen a password (409 when they have);
    earlier links stop working."""
    return _invite_public(invites.reinvite(ctx, user_id, str(request.base_url)))


@router.patch("/users/{user_id}", response_model=UserPublic, tags=["users"])
def update_user(ctx: AdminCtx, user_id: int, body: LanguageUpdate) -> UserPublic:
    """Set a person's language (``null``: the portal's default)."""
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("no such person")
    user.language = invites.check_language(body.language)
    return user_public(user)
