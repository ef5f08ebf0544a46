"""Stock reservations as single conditional statements: never oversold, even on SQLite.

How a reservation is placed (``docs/fulfilment.md`` explains it for admins): an order
reserves against the SKU's **tenant-wide** availability at submission (``stock_levels``,
the sum over every warehouse), with one UPDATE for all its lines; a warehouse is chosen
only when a shipment is prepared or posted, which allocates (or takes) units from that
warehouse with its own conditional UPDATE. So submission stays one statement however
many warehouses there are, and the two levels cannot oversell: the tenant-wide row
refuses a promise beyond the sum, the warehouse row a shipment beyond what it holds.

If fewer rows come back than lines were asked for, some SKU is short and the caller
rolls the whole transaction back.

The UPDATE joins a ``SELECT ... ORDER BY sku_id FOR UPDATE`` of the same rows, so every
transaction locks stock rows in SKU order: two orders sharing SKUs queue instead of
deadlocking (a plain multi-row UPDATE locks in physical order, which differs between
plans). SQLite ignores FOR UPDATE; its writers are serialized by BEGIN IMMEDIATE. Code
that changes both levels locks ``stock_levels`` before ``warehouse_stock``.

A SKU whose available stock (``on_hand - reserved``) drops to or below its
``low_stock_threshold`` emits ``stock_low`` once, in the statement's transaction, when it
crosses; it emits again only after it rose above and crosses anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Case, Integer, and_, bindparam, case, select, update
from sqlalchemy.orm import Session

from commissary.catalog.models import Sku
from commissary.db import scoped
from commissary.errors import InsufficientStock
from commissary.inventory.models import StockLevel
from commissary.jobs.outbox import emit


def _by_sku(quantities: Mapping[int, int]) -> Case[int]:
    return case(dict(quantities), value=StockLevel.sku_id)


def _crossed_low(taken: Any) -> Any:
    """True on the returned row when taking ``taken`` units moved available stock from
    above the threshold to at or below it (RETURNING sees the new values)."""
    available = StockLevel.on_hand - StockLevel.reserved
    return case(
        (
            and_(
                StockLevel.low_stock_threshold.is_not(None),
                available <= StockLevel.low_stock_threshold,
                available + taken > StockLevel.low_stock_threshold,
            ),
            True,
        ),
        else_=False,
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
            (StockLevel.on_hand - StockLevel.reserved >= wanted) | StockLevel.backorder_allowed,
        )
        .values(reserved=StockLevel.reserved + wanted)
        .returning(
            StockLevel.sku_id,
            _crossed_low(wanted),
            StockLevel.on_hand - StockLevel.reserved,
            StockLevel.low_stock_threshold,
        )
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
    rows = session.execute(_reserve_statement(len(quantities)), params).all()
    short = set(quantities) - {row[0] for row in rows}
    if short:
        raise InsufficientStock(
            "not enough stock for " + ", ".join(_describe_short(session, tenant_id, short)),
            sku_ids=sorted(short),
        )
    for sku_id, crossed, available_now, threshold in rows:
        if crossed:
            emit_low(session, tenant_id, sku_id, available_now, threshold)


def emit_low(
    session: Session, tenant_id: int, sku_id: int, available_now: int, threshold: int
) -> None:
    """Emit ``stock_low`` for a SKU that just crossed its threshold."""
    emit(
        session,
        tenant_id,
        "stock_low",
        {"sku_id": sku_id, "available": int(available_now), "threshold": int(threshold)},
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
    locked = (
        select(StockLevel.sku_id)
        .where(StockLevel.tenant_id == tenant_id, StockLevel.sku_id.in_(list(quantities)))
        .order_by(StockLevel.sku_id)
        .with_for_update()
        .subquery("locked")
    )
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
    """Make the SKU's total on-hand stock ``on_hand`` by counting the default warehouse
    (kept for callers from before warehouses; admins adjust per warehouse)."""
    from commissary.inventory import stock

    stock.set_total(session, tenant_id, sku_id, on_hand)


def available(session: Session, sku_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(StockLevel.sku_id, StockLevel.on_hand - StockLevel.reserved).where(
            StockLevel.sku_id.in_(sku_ids)
        )
    ).all()
    found = {sku_id: int(avail) for sku_id, avail in rows}
    return {sku_id: found.get(sku_id, 0) for sku_id in sku_ids}
