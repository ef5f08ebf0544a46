"""Stock reservations as single conditional statements: never oversold, even on SQLite.

One UPDATE reserves every line of an order at once; if fewer rows come back than lines
were asked for, some SKU is short and the caller rolls the whole transaction back.

The UPDATE joins a ``SELECT ... ORDER BY sku_id FOR UPDATE`` of the same rows, so every
transaction locks stock rows in SKU order: two orders sharing SKUs queue instead of
deadlocking (a plain multi-row UPDATE locks in physical order, which differs between
plans). SQLite ignores FOR UPDATE; its writers are serialized by BEGIN IMMEDIATE.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Case, Integer, Subquery, bindparam, case, select, update
from sqlalchemy.orm import Session

from commissary.catalog.models import Sku
from commissary.db import scoped
from commissary.errors import InsufficientStock
from commissary.inventory.models import StockLevel


def _by_sku(quantities: Mapping[int, int]) -> Case[int]:
    return case(dict(quantities), value=StockLevel.sku_id)


def _locked_in_order(tenant_id: int, sku_ids: list[int]) -> Subquery:
    """The stock rows of ``sku_ids``, locked in SKU order (see the module docstring)."""
    return (
        select(StockLevel.sku_id)
        .where(StockLevel.tenant_id == tenant_id, StockLevel.sku_id.in_(sku_ids))
        .order_by(StockLevel.sku_id)
        .with_for_update()
        .subquery("locked")
    )


@cache
def _reserve_statement(lines: int) -> Any:
    """The reserving UPDATE for an order of ``lines`` SKUs, built once per line count:
    SKU ``s<i>`` takes ``q<i>`` units."""
    wanted = case(
        {
            bindparam(f"s{i}", type_=Integer): bindparam(f"q{i}", type_=Integer)
            for i in range(lines)
        },
        value=StockLevel.sku_id,
    )
    locked = (
        select(StockLevel.sku_id)
        .where(
            StockLevel.tenant_id == bindparam("stock_tenant", type_=Integer),
            StockLevel.sku_id.in_([bindparam(f"s{i}", type_=Integer) for i in range(lines)]),
        )
        .order_by(StockLevel.sku_id)
        .with_for_update()
        .subquery("locked")
    )
    return scoped(
        update(StockLevel)
        .where(
            StockLevel.sku_id == locked.c.sku_id,
            StockLevel.tenant_id == bindparam("stock_tenant", type_=Integer),
            StockLevel.on_hand - StockLevel.reserved >= wanted,
        )
        .values(reserved=StockLevel.reserved + wanted)
        .returning(StockLevel.sku_id)
        .execution_options(synchronize_session=False)
    )


def reserve(session: Session, tenant_id: int, quantities: Mapping[int, int]) -> None:
    """Reserve ``quantities`` (sku id → units) or raise InsufficientStock, changing nothing
    that the caller's rollback will not undo."""
    if not quantities:
        return
    params: dict[str, int] = {"stock_tenant": tenant_id}
    for i, (sku_id, units) in enumerate(quantities.items()):
        params[f"s{i}"], params[f"q{i}"] = sku_id, units
    reserved = session.execute(_reserve_statement(len(quantities)), params).scalars().all()
    short = set(quantities) - set(reserved)
    if short:
        raise InsufficientStock(
            "not enough stock for " + ", ".join(_describe_short(session, tenant_id, short)),
            sku_ids=sorted(short),
        )


def _describe_short(session: Session, tenant_id: int, sku_ids: set[int]) -> list[str]:
    rows = session.execute(
        select(Sku.code, StockLevel.on_hand - StockLevel.reserved)
        .outerjoin(StockLevel, StockLevel.sku_id == Sku.id)
        .where(Sku.tenant_id == tenant_id, Sku.id.in_(sku_ids))
        .order_by(Sku.code)
    ).all()
    return [f"{code} (only {max(available or 0, 0)} available)" for code, available in rows]


def release(session: Session, tenant_id: int, quantities: Mapping[int, int]) -> None:
    """Give reserved units back (rejected or cancelled lines)."""
    if not quantities:
        return
    returned = _by_sku(quantities)
    locked = _locked_in_order(tenant_id, list(quantities))
    done = session.execute(
        update(StockLevel)
        .where(
            StockLevel.sku_id == locked.c.sku_id,
            StockLevel.tenant_id == tenant_id,
            StockLevel.reserved >= returned,
        )
        .values(reserved=StockLevel.reserved - returned)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != len(quantities):  # type: ignore[attr-defined]
        raise RuntimeError("stock release touched fewer rows than asked: reservations drifted")


def set_on_hand(session: Session, tenant_id: int, sku_id: int, on_hand: int) -> None:
    level = session.get(StockLevel, sku_id)
    if level is None:
        session.add(StockLevel(tenant_id=tenant_id, sku_id=sku_id, on_hand=on_hand, reserved=0))
    else:
        level.on_hand = on_hand
    session.flush()


def available(session: Session, sku_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(StockLevel.sku_id, StockLevel.on_hand - StockLevel.reserved).where(
            StockLevel.sku_id.in_(sku_ids)
        )
    ).all()
    found = {sku_id: int(avail) for sku_id, avail in rows}
    return {sku_id: found.get(sku_id, 0) for sku_id in sku_ids}
