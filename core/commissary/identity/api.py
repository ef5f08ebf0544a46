"""Token login and the current user, for API clients."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from commissary.errors import DomainError
from commissary.identity import service
from commissary.identity.models import TokenKind
from commissary.identity.schemas import TokenPublic, TokenRequest, UserPublic
from commissary.web.deps import ApiCtx, SessionDep, TenantDep

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


@router.get("/me", response_model=UserPublic)
def me(ctx: ApiCtx) -> UserPublic:
    assert ctx.actor is not None
    a = ctx.actor
    return UserPublic(id=a.id, email=a.email, name=a.name, roles=a.roles, location_id=a.location_id)
