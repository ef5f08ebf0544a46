"""The application factory: one plugin host, one database, every router."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from commissary.approvals import api as approvals_api
from commissary.approvals import pages as approvals_pages
from commissary.catalog import api as catalog_api
from commissary.catalog import pages as catalog_pages
from commissary.db import Database
from commissary.fulfilment import api as fulfilment_api
from commissary.fulfilment import pages as fulfilment_pages
from commissary.identity import admin_pages as tenant_admin_pages
from commissary.identity import api as identity_api
from commissary.identity import pages as identity_pages
from commissary.inventory import api as inventory_api
from commissary.inventory import pages as inventory_pages
from commissary.jobs.outbox import InProcessWorker
from commissary.kits import api as kits_api
from commissary.kits import pages as kits_pages
from commissary.lists import api as lists_api
from commissary.lists import pages as lists_pages
from commissary.locations import api as locations_api
from commissary.locations import pages as locations_pages
from commissary.master import pages as master_pages
from commissary.orders import api as orders_api
from commissary.orders import changes_api as order_changes_api
from commissary.orders import changes_pages as order_changes_pages
from commissary.orders import pages as orders_pages
from commissary.plugins import PluginHost
from commissary.pricing import api as pricing_api
from commissary.reports import api as reports_api
from commissary.reports import pages as reports_pages
from commissary.segments import api as segments_api
from commissary.segments import pages as catalog_admin_pages
from commissary.settings import Settings, get_settings
from commissary.tenants import api as portal_api
from commissary.tenants import pages as operator_pages
from commissary.tenants.models import Tenant
from commissary.web import apidocs, errors
from commissary.web.csrf import verify_csrf
from commissary.web.deps import plugin_enabled
from commissary.web.rendering import build_environment, static_dirs

API_PREFIX = "/t/{tenant_slug}/api/v1"
PAGE_PREFIX = "/t/{tenant_slug}"
UNROUTED = ("/t/", "/admin", "/static/", "/docs", "/redoc", "/openapi.json", "/healthz")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'",
    ),
]


class TenantHostMiddleware:
    """Serves a tenant at its own host name by mapping ``/x`` to ``/t/<slug>/x``, and sets
    the security headers on every response."""

    def __init__(self, app: ASGIApp, db: Database, ttl: float = 30.0) -> None:
        self.app, self.db, self.ttl = app, db, ttl
        self._hosts: dict[str, str | None] = {}
        self._loaded = 0.0

    def _load_hosts(self) -> None:
        with self.db.session() as session:
            rows = session.execute(select(Tenant.host, Tenant.slug).where(Tenant.host.is_not(None)))
            self._hosts = {h: s for h, s in rows if h}
        self._loaded = time.monotonic()

    async def _slug_for(self, host: str) -> str | None:
        if time.monotonic() - self._loaded > self.ttl:
            await run_in_threadpool(self._load_hosts)  # never block the event loop on the DB
        return self._hosts.get(host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if not path.startswith(UNROUTED):
                host = _host_of(scope)
                slug = await self._slug_for(host) if host else None
                if slug:
                    scope = {**scope, "path": f"/t/{slug}{path}", "raw_path": None}

            async def send_with_headers(message: MutableMapping[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    names = {name for name, _ in headers}
                    headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send)


def _host_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return str(value.decode("latin-1").split(":")[0].lower())
    return ""


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Iterable[tuple[str, object]] = (),
    database: Database | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    db = database or Database(settings.database_url, pool_pre_ping=settings.database_pre_ping)
    host = PluginHost(
        plugins, load_entrypoints=settings.load_entrypoints, blocked=settings.disabled_plugins
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = InProcessWorker(db, host) if settings.inprocess_worker else None
        if worker:
            worker.start()
        if settings.gc_freeze:
            gc.collect()
            gc.freeze()
        yield
        if worker:
            worker.stop()
        units.shutdown(wait=False)

    app = FastAPI(
        title="Commissary",
        version="0.1.0",
        summary="B2B ordering portal: every tenant's REST API lives under /t/{tenant_slug}/api/v1.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    # Worker threads for API units of work (see ApiUnit): as many as the pool has
    # connections, so a unit never waits for a connection while holding a thread.
    units = ThreadPoolExecutor(max_workers=db.pool_capacity, thread_name_prefix="unit")
    app.state.units = units
    app.state.host = host
    app.state.templates = build_environment(
        host, settings.theme, auto_reload=settings.template_reload
    )

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        identity_api,
        orders_api,
        order_changes_api,
        kits_api,
        approvals_api,
        segments_api,
        pricing_api,
        portal_api,
        lists_api,
        reports_api,
        locations_api,
        inventory_api,
        fulfilment_api,
    ):
        api.include_router(module.router)
    pages = APIRouter(prefix=PAGE_PREFIX, dependencies=[Depends(verify_csrf)])
    for module in (
        identity_pages,
        orders_pages,
        order_changes_pages,
        kits_pages,
        approvals_pages,
        tenant_admin_pages,
        catalog_admin_pages,
        lists_pages,
        reports_pages,
        locations_pages,
        inventory_pages,
        fulfilment_pages,
    ):
        pages.include_router(module.router)
    for name, routes in host.routes:
        if routes.api is not None:
            api.include_router(routes.api, dependencies=[Depends(plugin_enabled(name, api=True))])
        if routes.pages is not None:
            pages.include_router(
                routes.pages, dependencies=[Depends(plugin_enabled(name, api=False))]
            )

    # First: load balancers probe it often, and routes are matched in order.
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # Next the catalog, its page and its JSON list, the requests a portal serves most:
    # routes are tried in order, one regular expression each, and behind the others they
    # were tested against some 200 paths first (an eighth of a catalog page's time).
    app.include_router(catalog_api.router, prefix=API_PREFIX)
    app.include_router(
        catalog_pages.router, prefix=PAGE_PREFIX, dependencies=[Depends(verify_csrf)]
    )
    app.include_router(api)
    app.include_router(pages)
    app.include_router(operator_pages.router, dependencies=[Depends(verify_csrf)])
    app.include_router(master_pages.router, dependencies=[Depends(verify_csrf)])

    for theme_name, folder in static_dirs(host, settings.theme):
        app.mount(
            f"/static/{theme_name}", StaticFiles(directory=folder), name=f"static-{theme_name}"
        )

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        home = f"/t/{settings.default_tenant}/" if settings.default_tenant else "/admin/"
        return RedirectResponse(home, status_code=307)

    apidocs.install(app)
    errors.install(app)
    app.add_middleware(TenantHostMiddleware, db=db)
    return app
