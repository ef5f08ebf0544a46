"""Request dependencies, as ``Annotated`` aliases so route signatures read as prose.

Pages authenticate with the session cookie, the API with bearer tokens only (so the API
needs no CSRF token). Each request gets one database session, committed before the
response is sent; unsafe methods open it as a write transaction.

The tenant, the token and its user are read in one statement, and a request crosses into
the thread pool as few times as it can: dependencies that do no I/O are ``async``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from functools import cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders

from commissary.context import Context
from commissary.db import utcnow
from commissary.errors import Forbidden, NotAuthenticated, NotFound
from commissary.identity.models import AuthToken, OperatorAdmin, TokenKind, User
from commissary.identity.permissions import Permission, has_permission
from commissary.identity.service import token_digest
from commissary.tenants.models import AccessMode, Tenant
from commissary.tenants.service import hooks_for
from commissary.web.csrf import SAFE_METHODS

OPERATOR_COOKIE = "cs__operator"
bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/token")


def session_cookie(tenant_slug: str) -> str:
    return f"cs_{tenant_slug}"


def _commit(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


def _abandon(session: Session) -> None:
    # Detach first so that error pages can still read the tenant and actor they loaded
    # (a rollback would expire them).
    session.expunge_all()
    try:
        session.rollback()
    finally:
        session.close()


async def open_session(request: Request) -> AsyncIterator[Session]:
    session: Session = request.app.state.db.session(write=request.method not in SAFE_METHODS)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_abandon, session)
        raise
    await run_in_threadpool(_commit, session)


SessionDep = Annotated[Session, Depends(open_session, scope="function")]


# Built once: every request runs one of these, and building the statement per request
# cost as much CPU as executing it.
@cache
def _signed_in_query() -> Select[Tenant, User, datetime]:
    return (
        select(Tenant, User, AuthToken.expires_at)
        .join(AuthToken, AuthToken.tenant_id == Tenant.id)
        .join(User, (User.id == AuthToken.user_id) & (User.tenant_id == Tenant.id))
        .where(
            Tenant.slug == bindparam("slug"),
            AuthToken.token_hash == bindparam("digest"),
            AuthToken.kind == bindparam("kind", type_=AuthToken.__table__.c.kind.type),
        )
    )


@cache
def _tenant_query() -> Select[Tenant]:
    return select(Tenant).where(Tenant.slug == bindparam("slug"))


def _tenant_and_actor(
    session: Session, slug: str, token: str | None, kind: TokenKind
) -> tuple[Tenant, User | None]:
    """The tenant at ``slug`` and the user ``token`` signs in there, in one statement when a
    token is given. A token of another tenant, expired or of an inactive user is no one."""
    if token:
        row = session.execute(
            _signed_in_query(), {"slug": slug, "digest": token_digest(token), "kind": kind}
        ).first()
        if row is not None:
            tenant, user, expires_at = row
            return tenant, user if expires_at > utcnow() and user.is_active else None
    found = session.scalar(_tenant_query(), {"slug": slug})
    if found is None:
        raise NotFound("there is no portal here")
    return found, None


def _enter(request: Request, session: Session, tenant: Tenant, actor: User | None) -> Context:
    session.info["tenant_id"] = tenant.id
    request.state.tenant = tenant
    request.state.actor = actor
    hooks = hooks_for(session, request.app.state.host, tenant)
    ctx = Context(tenant=tenant, session=session, hooks=hooks, actor=actor)
    request.state.ctx = ctx
    return ctx


def current_tenant(tenant_slug: str, request: Request, session: SessionDep) -> Tenant:
    """Only the tenant, for routes anyone may call (token login)."""
    tenant, _ = _tenant_and_actor(session, tenant_slug, None, TokenKind.API)
    _enter(request, session, tenant, None)
    return tenant


TenantDep = Annotated[Tenant, Depends(current_tenant)]


def anonymous_page_context(tenant_slug: str, request: Request, session: SessionDep) -> Context:
    """Pages that anyone may open (login); ``ctx.actor`` may be None."""
    token = request.cookies.get(session_cookie(tenant_slug))
    tenant, actor = _tenant_and_actor(session, tenant_slug, token, TokenKind.SESSION)
    return _enter(request, session, tenant, actor)


async def page_context(
    ctx: Annotated[Context, Depends(anonymous_page_context)],
) -> Context:
    """A signed-in page request (every tenant is private for now)."""
    if ctx.actor is None:
        raise NotAuthenticated("sign in to continue")
    return ctx


def api_identity(
    tenant_slug: str,
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Context:
    """The tenant and the bearer token's user, if any (``ctx.actor`` may be None)."""
    token = credentials.credentials if credentials else None
    tenant, actor = _tenant_and_actor(session, tenant_slug, token, TokenKind.API)
    return _enter(request, session, tenant, actor)


async def api_context(ctx: Annotated[Context, Depends(api_identity)]) -> Context:
    if ctx.actor is None:
        raise NotAuthenticated("send a bearer token: POST /api/v1/auth/token")
    return ctx


PageCtx = Annotated[Context, Depends(page_context)]
AnonPageCtx = Annotated[Context, Depends(anonymous_page_context)]
ApiCtx = Annotated[Context, Depends(api_context)]


def _on_context(check: Callable[..., Any], base: Callable[..., object]) -> Callable[..., Any]:
    """Give ``check(ctx)`` the context from ``base``: a closure value, which string
    annotations cannot name, so the signature is set explicitly."""
    check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "ctx",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=Annotated[Context, Depends(base)],
            )
        ]
    )
    return check


def requires(permission: Permission, base: Callable[..., object]) -> Callable[..., object]:
    """A dependency giving the context only when the actor holds ``permission``."""

    async def check(ctx: Context) -> Context:
        if ctx.actor is None or not has_permission(ctx.actor, permission):
            raise Forbidden(f"you lack the permission {permission.value}")
        return ctx

    return _on_context(check, base)


def page_requires(permission: Permission) -> Callable[..., object]:
    return requires(permission, page_context)


def api_requires(permission: Permission) -> Callable[..., object]:
    return requires(permission, api_context)


def catalog_viewer(*, api: bool) -> Callable[..., object]:
    """The context for catalog routes: anyone where the tenant's catalog is public,
    otherwise a signed-in person allowed to view the catalog."""

    async def check(ctx: Context) -> Context:
        if ctx.actor is None:
            if ctx.tenant.access_mode is AccessMode.PRIVATE:
                raise NotAuthenticated(
                    "send a bearer token: POST /api/v1/auth/token" if api else "sign in to continue"
                )
            return ctx
        if not has_permission(ctx.actor, Permission.CATALOG_VIEW):
            raise Forbidden(f"you lack the permission {Permission.CATALOG_VIEW.value}")
        return ctx

    return _on_context(check, api_identity if api else anonymous_page_context)


def cache_headers(ctx: Context, headers: MutableHeaders) -> None:
    """What a shared cache may keep: a visitor's public page, revalidated on every use so
    that an access-mode or price change shows at once; never a signed-in person's."""
    if ctx.actor is None:
        headers["Cache-Control"] = "public, no-cache"
        headers["Vary"] = "Cookie, Authorization"
    else:
        headers["Cache-Control"] = "private, no-store"


def plugin_enabled(name: str, *, api: bool) -> Callable[..., object]:
    """Router dependency: a plugin's routes are 404 where the plugin is not enabled. It
    shares the request's (cached) tenant lookup with the route's own context."""

    async def check(ctx: Context) -> None:
        if not ctx.hooks.is_enabled(name):
            raise NotFound("not found")

    return _on_context(check, api_identity if api else anonymous_page_context)


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


T = TypeVar("T")


class ApiUnit:
    """One API request's unit of work, run in a single worker-thread hop: sign-in, the
    permission check, the route's work and the commit.

    FastAPI runs each sync dependency, the sync endpoint and the session teardown in the
    thread pool one after the other: three hand-offs per request, which cost the order
    path more CPU than its SQL. Routes on that path are ``async`` and hand their whole
    work to :meth:`run` instead.
    """

    def __init__(
        self,
        request: Request,
        slug: str,
        token: str | None,
        permission: Permission,
        *,
        public_catalog: bool = False,
        lookup: bool = False,
        kind: TokenKind = TokenKind.API,
    ) -> None:
        self.request, self.slug, self.token, self.permission = request, slug, token, permission
        # Catalog reads: visitors without a token are let in where the tenant's access mode
        # makes the catalog public (what ``catalog_viewer`` decides for sync routes).
        self.public_catalog = public_catalog
        # Read-only work that needs no transaction (see ``Database.session``).
        self.lookup = lookup and request.method in SAFE_METHODS
        self.kind = kind  # API: a bearer token; SESSION: a page's session cookie

    async def run(self, work: Callable[[Context], T], *, inline: bool = False) -> T:
        """``work`` in a worker thread, or with ``inline`` on the event loop itself: for
        read-only work of a few milliseconds of CPU whose statements are index lookups (a
        warm catalog listing). There the thread hop cost more than the work's waits, and
        requests running side by side in threads took turns on the GIL, which made the
        slowest three times slower than the median (measured: +25 % requests/s, p99 from
        ~85 to ~65 ms at 16 clients). Never for anything that may wait on a lock."""
        if inline and self.lookup:
            return self._run(work)
        # The app's own executor: asyncio's hand-off costs less than anyio's (no cancel
        # scope, no capacity limiter), and this one crosses once per request.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.request.app.state.units, self._run, work)

    def _run(self, work: Callable[[Context], T]) -> T:
        request = self.request
        session: Session = request.app.state.db.session(
            write=request.method not in SAFE_METHODS, lookup=self.lookup
        )
        try:
            tenant, actor = _tenant_and_actor(session, self.slug, self.token, self.kind)
            ctx = _enter(request, session, tenant, actor)
            if actor is None:
                if not (self.public_catalog and tenant.access_mode is not AccessMode.PRIVATE):
                    raise NotAuthenticated(
                        "send a bearer token: POST /api/v1/auth/token"
                        if self.kind is TokenKind.API
                        else "sign in to continue"
                    )
            elif not has_permission(actor, self.permission):
                raise Forbidden(f"you lack the permission {self.permission.value}")
            result = work(ctx)
        except BaseException:
            _abandon(session)
            raise
        _commit(session)
        return result


def api_unit(
    permission: Permission, *, public_catalog: bool = False, lookup: bool = False
) -> Callable[..., object]:
    async def unit(
        tenant_slug: str,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiUnit:
        token = credentials.credentials if credentials else None
        return ApiUnit(
            request, tenant_slug, token, permission, public_catalog=public_catalog, lookup=lookup
        )

    return unit


def page_unit(
    permission: Permission, *, public_catalog: bool = False, lookup: bool = False
) -> Callable[..., object]:
    """``ApiUnit`` for a page: the person of the session cookie, rendering included in
    the one hand-off (the catalog page, the most visited page of a portal)."""

    async def unit(tenant_slug: str, request: Request) -> ApiUnit:
        token = request.cookies.get(session_cookie(tenant_slug))
        return ApiUnit(
            request,
            tenant_slug,
            token,
            permission,
            public_catalog=public_catalog,
            lookup=lookup,
            kind=TokenKind.SESSION,
        )

    return unit
