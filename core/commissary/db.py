"""Engine, sessions and automatic tenant scoping.

Every model that mixes in :class:`TenantScoped` is filtered by the session's tenant on
every ORM SELECT, UPDATE and DELETE, so a route that forgets a ``WHERE tenant_id`` still
cannot see another tenant's rows: a foreign id simply is not found (404).

SQLite write transactions start with ``BEGIN IMMEDIATE`` (asked for with
``write=True``) so that concurrent writers queue on the database lock instead of failing
late with "database is locked" on upgrade from a read lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    DateTime,
    Engine,
    ForeignKey,
    Insert,
    Integer,
    MetaData,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.base import Executable
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use commissary.db.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class TenantScoped:
    """Mixin for rows that belong to one tenant; see the module docstring."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


@cache
def row_insert(model: type[Base]) -> Insert:
    """A plain INSERT of one row into ``model``'s table, built once and executed with the
    row's values as parameters: ``session.execute(row_insert(Model), {...})``.

    For rows a request writes and never reads back (history, outbox, ledger entries):
    building an ``insert(Model).values(...)`` per call cost more CPU than running it.
    Keys are column names; Python-side column defaults still apply."""
    table = model.__table__
    assert isinstance(table, Table)
    return insert(table)


def replace_rows(session: Session, owner: Any, owner_id: int, rows: Iterable[Base]) -> None:
    """Replace the rows whose ``owner`` column (``Model.column``) is ``owner_id`` with
    ``rows``: the way sets of links are saved (a list's items, a type's catalogs), where the
    whole set arrives from a form or a PUT and nothing else points at the old rows."""
    session.execute(
        delete(owner.class_).where(owner == owner_id).execution_options(synchronize_session=False)
    )
    session.add_all(rows)
    session.flush()


TENANT_PARAM = "commissary_tenant_scope"
S = TypeVar("S", bound=Executable)


# A bound parameter, not the tenant's id itself, so the criteria has one cache key for
# every tenant and scoped statements stay in SQLAlchemy's compiled cache.
_TENANT_SCOPE = bindparam(TENANT_PARAM, type_=Integer)


def _tenant_criteria(cls: type[TenantScoped]) -> Any:
    return cls.tenant_id == _TENANT_SCOPE


SCOPED_OPTION = "commissary_tenant_scoped"


def scoped(statement: S) -> S:
    """``statement`` with the tenant criteria already applied, for statements built once
    and run on every request: adding the criteria per execution makes a new statement
    whose cache key SQLAlchemy must compute again each time."""
    return statement.options(
        with_loader_criteria(TenantScoped, _tenant_criteria, include_aliases=True)
    ).execution_options(**{SCOPED_OPTION: True})


def _add_tenant_criteria(state: ORMExecuteState) -> None:
    tenant_id = state.session.info.get("tenant_id")
    if tenant_id is None or not (state.is_select or state.is_update or state.is_delete):
        return
    if not (
        state.is_column_load
        or state.is_relationship_load
        or state.execution_options.get(SCOPED_OPTION)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, _tenant_criteria, include_aliases=True)
        )
    # Relationship and column loads inherit the criteria from the statement that loaded the
    # parent; every scoped statement needs the parameter's value.
    params: Any = state.parameters
    if isinstance(params, list):
        state.parameters = [{**p, TENANT_PARAM: tenant_id} for p in params]
    else:
        state.parameters = {**(params or {}), TENANT_PARAM: tenant_id}


@contextmanager
def tenant_scope(session: Session, tenant_id: int | None) -> Iterator[None]:
    """Scope ``session`` to ``tenant_id`` (None: every tenant, the operator's view) for the
    block, then give it back the scope it had: for work that crosses tenants in one
    transaction (the master catalog's feeds and curation)."""
    before = session.info.get("tenant_id")
    session.info["tenant_id"] = tenant_id
    try:
        yield
    finally:
        session.info["tenant_id"] = before


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _sqlite_setup(engine)
        return engine
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


class Database:
    """One engine plus a session factory; kept on the app, never module-global."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        pool: Any = self.engine.pool
        size = pool.size() if isinstance(pool, QueuePool) else 1
        self.pool_capacity: int = size + max(getattr(pool, "_max_overflow", 0), 0)
        self._readers = sessionmaker(self.engine, expire_on_commit=False)
        # Same pool; on SQLite its transactions begin IMMEDIATE, when they first touch the
        # database (creating a session does no I/O, so it may happen on the event loop).
        writer = self.engine.execution_options(sqlite_immediate=True)
        self._writers = sessionmaker(writer, expire_on_commit=False)
        # Read-only units of work on PostgreSQL run without a transaction: under READ
        # COMMITTED each statement has its own snapshot anyway, and BEGIN and COMMIT were
        # two of a catalog page's four round trips.
        self._lookups = (
            self._readers
            if self.is_sqlite
            else sessionmaker(
                self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
            )
        )
        for factory in {self._readers, self._writers, self._lookups}:
            event.listen(factory, "do_orm_execute", _add_tenant_criteria)

    def session(
        self, tenant_id: int | None = None, *, write: bool = False, lookup: bool = False
    ) -> Session:
        """A session; ``write`` for units that change data, ``lookup`` for read-only ones
        that may run statement by statement (never together with ``write``)."""
        factory = self._writers if write else self._lookups if lookup else self._readers
        session = factory()
        session.info["tenant_id"] = tenant_id
        return session

    @contextmanager
    def transaction(self, tenant_id: int | None = None) -> Iterator[Session]:
        """A write transaction that commits on success and rolls back on error."""
        session = self.session(tenant_id, write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
