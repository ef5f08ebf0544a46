"""pytest fixtures for Commissary and for plugin authors (loaded as the ``commissary``
pytest plugin).

``COMMISSARY_TEST_DATABASE_URL`` picks PostgreSQL (a scratch database is created per
session and emptied between tests); unset, every test gets a fresh migrated SQLite file.

Typical plugin test::

    @pytest.fixture
    def commissary_plugins():
        return [("my_plugin", my_plugin_module)]

    def test_it(portal):
        shop = portal.tenant("acme", plugins={"my_plugin": {}})
        buyer = shop.user("b@acme.test", roles=["buyer"], points=500)
        shop.api(buyer).post("/cart/lines", json={...})
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from commissary.app import create_app
from commissary.catalog import service as catalog
from commissary.catalog.models import Sku
from commissary.context import Context
from commissary.db import Base, Database
from commissary.identity import service as identity
from commissary.identity.models import Location, User
from commissary.migrate import upgrade
from commissary.plugins import PluginHost
from commissary.settings import Settings
from commissary.tenants import service as tenants
from commissary.tenants.models import Tenant

PASSWORD = "correct-horse-battery"


def pytest_configure(config: pytest.Config) -> None:
    from commissary.identity.passwords import use_cheapest_hashing_for_tests

    use_cheapest_hashing_for_tests()


_counter = itertools.count(1)


def _admin_url(url: str) -> str:
    return str(make_url(url).set(database="postgres"))


@pytest.fixture(scope="session")
def commissary_database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or a PostgreSQL database to truncate."""
    url = os.environ.get("COMMISSARY_TEST_DATABASE_URL")
    if not url:
        path = tmp_path_factory.mktemp("db") / "template.sqlite"
        template = f"sqlite:///{path}"
        upgrade(template)
        yield template
        return
    name = f"commissary_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = str(make_url(url).set(database=name).render_as_string(hide_password=False))
    upgrade(scratch)
    yield scratch
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def commissary_database(commissary_database_template: str, tmp_path: Path) -> Iterator[Database]:
    """A clean, migrated database for one test."""
    template = commissary_database_template
    if template.startswith("sqlite"):
        path = tmp_path / "commissary.sqlite"
        shutil.copy(make_url(template).database or "", path)
        db = Database(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    db = Database(template, pool_size=20, max_overflow=20)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield db
    db.dispose()


@pytest.fixture
def commissary_plugins() -> list[tuple[str, object]]:
    """Plugins handed to the app besides the installed ones; override in your conftest."""
    return []


@pytest.fixture
def commissary_settings(commissary_database: Database) -> Settings:
    return Settings(
        database_url=commissary_database.url,
        secret_key="test-secret",
        inprocess_worker=False,
        gc_freeze=False,
    )


@pytest.fixture
def app(
    commissary_settings: Settings,
    commissary_database: Database,
    commissary_plugins: list[tuple[str, object]],
) -> FastAPI:
    return create_app(commissary_settings, plugins=commissary_plugins, database=commissary_database)


@dataclass
class Shop:
    """One tenant with helpers to populate it, for tests."""

    portal: Portal
    tenant: Tenant
    locations: dict[str, Location] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.tenant.slug

    def location(self, code: str, name: str | None = None, manager: User | None = None) -> Location:
        with self.portal.db.transaction(self.tenant.id) as s:
            loc = Location(
                tenant_id=self.tenant.id,
                code=code,
                name=name or code,
                address=f"{code} street 1",
                manager_id=manager.id if manager else None,
            )
            s.add(loc)
            s.flush()
        self.locations[code] = loc
        return loc

    def user(
        self,
        email: str,
        *,
        roles: list[str] | None = None,
        location: Location | None = None,
        points: int = 0,
        password: str = PASSWORD,
    ) -> User:
        with self.portal.db.transaction(self.tenant.id) as s:
            user = identity.create_user(
                s,
                self.tenant,
                email=email,
                name=email.split("@")[0].title(),
                password=password,
                roles=roles or ["buyer"],
                location_id=location.id if location else None,
            )
        if points:
            self.grant(user, points)
        return user

    def grant(self, user: User, points: int) -> None:
        from commissary_allowance.models import EntryKind
        from commissary_allowance.service import ensure_wallet, move

        with self.portal.db.transaction(self.tenant.id) as s:
            ensure_wallet(s, self.tenant.id, user.id)
            move(
                s,
                self.tenant.id,
                user.id,
                EntryKind.GRANT,
                points,
                key=f"test:{uuid.uuid4().hex}",
                reason="test grant",
            )

    def product(
        self,
        name: str,
        variants: list[tuple[str, int, int]],
        *,
        category: str | None = "general",
        sizes: list[str] | None = None,
    ) -> list[int]:
        """Create a product; variants are (code, points, on_hand). Returns SKU ids."""
        with self.portal.db.transaction(self.tenant.id) as s:
            cat = None
            if category:
                existing = [c for c in catalog.categories(s) if c.slug == category]
                cat = (
                    existing[0]
                    if existing
                    else catalog.create_category(s, self.tenant.id, category, category.title())
                )
            product = catalog.create_product(
                s,
                self.tenant.id,
                slug=f"p{next(_counter)}",
                name=name,
                description=f"{name} for tests",
                category=cat,
                variants=[
                    (code, (sizes[i] if sizes else None), None, pts, stock)
                    for i, (code, pts, stock) in enumerate(variants)
                ],
            )
            return list(
                s.scalars(select(Sku.id).where(Sku.product_id == product.id).order_by(Sku.id))
            )

    def context(self, actor: User | None = None) -> Context:
        """A service context in a fresh write transaction; commit it yourself. The tenant
        is read afresh, as a request would: caches key on its ``config_version``."""
        with self.portal.db.session() as reader:  # not the write session: no lock yet
            tenant = reader.get(Tenant, self.tenant.id)
        assert tenant is not None
        session = self.portal.db.session(self.tenant.id, write=True)
        hooks = tenants.hooks_for(session, self.portal.host, tenant)
        return Context(tenant=tenant, session=session, hooks=hooks, actor=actor)

    def token(self, user: User, password: str = PASSWORD) -> str:
        r = self.portal.client.post(
            f"/t/{self.slug}/api/v1/auth/token", json={"email": user.email, "password": password}
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    def api(self, user: User | None = None) -> TestClient:
        """An API client for this tenant's ``/api/v1``, signed in as ``user``."""
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        client = TestClient(self.portal.app, base_url=f"http://testserver/t/{self.slug}/api/v1")
        client.headers.update(headers)
        return client

    def browser(self, user: User | None = None, password: str = PASSWORD) -> TestClient:
        """A cookie client for pages, signed in through the login form."""
        client = TestClient(self.portal.app, base_url="http://testserver", follow_redirects=False)
        if user is not None:
            page = client.get(f"/t/{self.slug}/login")
            assert page.status_code == 200, page.text
            r = client.post(
                f"/t/{self.slug}/login",
                data={"email": user.email, "password": password, "csrf_token": csrf_of(client)},
            )
            assert r.status_code == 303, r.text
        return client


def csrf_of(client: TestClient) -> str:
    return str(client.cookies.get("csrftoken"))


@dataclass
class Portal:
    app: FastAPI
    db: Database
    client: TestClient

    @property
    def host(self) -> PluginHost:
        host: PluginHost = self.app.state.host
        return host

    def tenant(
        self,
        slug: str = "acme",
        *,
        threshold: int | None = None,
        plugins: dict[str, dict[str, Any]] | None = None,
        host: str | None = None,
    ) -> Shop:
        """Create a tenant; ``plugins`` maps plugin name to settings (allowance by default)."""
        enabled = {"allowance": {}} if plugins is None else plugins
        with self.db.transaction() as s:
            tenant = tenants.create_tenant(
                s, slug=slug, name=slug.title(), host=host, approval_threshold_points=threshold
            )
            for name, settings in enabled.items():
                tenants.set_plugin_enabled(s, self.host, tenant, name, True, settings)
            s.refresh(tenant)
        return Shop(self, tenant)


@pytest.fixture
def portal(app: FastAPI, commissary_database: Database) -> Iterator[Portal]:
    with TestClient(app) as client:
        yield Portal(app, commissary_database, client)


class StatementCounter:
    """Counts SQL statements sent to the database (BEGIN/COMMIT excluded)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(("BEGIN", "PRAGMA")):  # SQLite's own transaction control
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(commissary_database: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(commissary_database.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(commissary_database.engine, "before_cursor_execute", counter)
