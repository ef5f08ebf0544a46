"""Request dependencies, as ``Annotated`` aliases so route signatures read as prose.

Pages authenticate with the session cookie, the API with bearer tokens only (so the API
needs no CSRF token). Each request gets one database session, committed before the
response is sent; unsafe methods open it as a write transaction.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary.context import Context
from commissary.db import utcnow
from commissary.errors import Forbidden, NotAuthenticated, NotFound
from commissary.identity.models import AuthToken, OperatorAdmin, TokenKind, User
from commissary.identity.permissions import Permission, has_permission
from commissary.identity.service import token_digest
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for
from commissary.web.csrf import SAFE_METHODS


def session_cookie(tenant_slug: str) -> str:
    return f"cs_{tenant_slug}"


OPERATOR_COOKIE = "cs__operator"


def open_session(request: Request) -> Iterator[Session]:
    session = request.app.state.db.session(write=request.method not in SAFE_METHODS)
    try:
        yield session
        session.commit()
    except BaseException:
        # Detach first so that error pages can still read the tenant and actor they loaded
        # (a rollback would expire them).
        session.expunge_all()
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(open_session, scope="function")]


def current_tenant(tenant_slug: str, request: Request, session: SessionDep) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    if tenant is None:
        raise NotFound("there is no portal here")
    session.info["tenant_id"] = tenant.id
    request.state.tenant = tenant
    return tenant


TenantDep = Annotated[Tenant, Depends(current_tenant)]


def _actor_from_token(
    session: Session, tenant: Tenant, token: str | None, kind: TokenKind
) -> User | None:
    if not token:
        return None
    row = session.execute(
        select(AuthToken, User)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == token_digest(token), AuthToken.kind == kind)
    ).first()
    if row is None:
        return None
    record, user = row
    if record.tenant_id != tenant.id or record.expires_at <= utcnow() or not user.is_active:
        return None
    return user


def page_actor(request: Request, tenant: TenantDep, session: SessionDep) -> User | None:
    token = request.cookies.get(session_cookie(tenant.slug))
    user = _actor_from_token(session, tenant, token, TokenKind.SESSION)
    request.state.actor = user
    return user


bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/token")


def api_actor(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    token = credentials.credentials if credentials else None
    user = _actor_from_token(session, tenant, token, TokenKind.API)
    request.state.actor = user
    return user


def _context(request: Request, tenant: Tenant, session: Session, actor: User | None) -> Context:
    hooks = hooks_for(session, request.app.state.host, tenant)
    ctx = Context(tenant=tenant, session=session, hooks=hooks, actor=actor)
    request.state.ctx = ctx
    return ctx


def page_context(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: Annotated[User | None, Depends(page_actor)],
) -> Context:
    """A signed-in page request (every tenant is private for now)."""
    if actor is None:
        raise NotAuthenticated("sign in to continue")
    return _context(request, tenant, session, actor)


def anonymous_page_context(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: Annotated[User | None, Depends(page_actor)],
) -> Context:
    """Pages that anyone may open (login); ``ctx.actor`` may be None."""
    return _context(request, tenant, session, actor)


def api_context(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: Annotated[User | None, Depends(api_actor)],
) -> Context:
    if actor is None:
        raise NotAuthenticated("send a bearer token: POST /api/v1/auth/token")
    return _context(request, tenant, session, actor)


PageCtx = Annotated[Context, Depends(page_context)]
AnonPageCtx = Annotated[Context, Depends(anonymous_page_context)]
ApiCtx = Annotated[Context, Depends(api_context)]


def requires(permission: Permission, base: Callable[..., Context]) -> Callable[..., Context]:
    """A dependency giving the context only when the actor holds ``permission``."""

    def check(ctx: Context) -> Context:
        if ctx.actor is None or not has_permission(ctx.actor, permission):
            raise Forbidden(f"you lack the permission {permission.value}")
        return ctx

    # The dependency on ``base`` is a closure value, which string annotations cannot name.
    check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "ctx",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=Annotated[Context, Depends(base)],
            )
        ],
        return_annotation=Context,
    )
    return check


def page_requires(permission: Permission) -> Callable[..., Context]:
    return requires(permission, page_context)


def api_requires(permission: Permission) -> Callable[..., Context]:
    return requires(permission, api_context)


def plugin_enabled(name: str) -> Callable[..., None]:
    """Router dependency: a plugin's routes are 404 where the plugin is not enabled."""

    def check(request: Request, tenant: TenantDep, session: SessionDep) -> None:
        if not hooks_for(session, request.app.state.host, tenant).is_enabled(name):
            raise NotFound("not found")

    return check


def current_operator(request: Request, session: SessionDep) -> OperatorAdmin:
    token = request.cookies.get(OPERATOR_COOKIE)
    if token:
        row = session.execute(
            select(AuthToken, OperatorAdmin)
            .join(OperatorAdmin, OperatorAdmin.id == AuthToken.operator_id)
            .where(AuthToken.token_hash == token_digest(token))
        ).first()
        if row is not None and row[0].expires_at > utcnow():
            request.state.operator = row[1]
            return row[1]
    raise NotAuthenticated("sign in as an operator admin")


OperatorDep = Annotated[OperatorAdmin, Depends(current_operator)]
