"""Stock per warehouse: adjustments with reasons, allocation to shipments, shipping out.

Each change is a conditional UPDATE checked by its returned row, on ``stock_levels``
first and ``warehouse_stock`` second (the lock order every writer keeps), plus one
append-only :class:`StockMovement` whenever a warehouse's on-hand stock changes. See
:mod:`commissary.inventory.models` for the two levels and their invariants.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from commissary.db import row_insert, utcnow
from commissary.errors import Conflict, Invalid
from commissary.inventory.models import (
    MovementReason,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseKind,
    WarehouseStock,
)
from commissary.inventory.service import emit_low

DEFAULT_CODE = "MAIN"


def _insert_missing(session: Session, model: type[StockLevel] | type[WarehouseStock]) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model).on_conflict_do_nothing()


def default_warehouse(session: Session, tenant_id: int) -> Warehouse:
    """The warehouse stock goes to when none is named: ``MAIN``, created when missing
    (every tenant that existed before warehouses got one from the migration)."""
    found = session.scalar(select(Warehouse).where(Warehouse.code == DEFAULT_CODE))
    if found is None:
        found = session.scalar(
            select(Warehouse).where(Warehouse.is_active).order_by(Warehouse.priority, Warehouse.id)
        )
    if found is None:
        found = Warehouse(
            tenant_id=tenant_id,
            code=DEFAULT_CODE,
            name="Main warehouse",
            kind=WarehouseKind.TENANT,
            address="",
            priority=100,
            is_active=True,
        )
        session.add(found)
        session.flush()
    return found


def ensure_rows(session: Session, tenant_id: int, warehouse_id: int, sku_ids: list[int]) -> None:
    """Create missing zero rows for ``sku_ids`` at both levels (idempotent, race-free)."""
    if not sku_ids:
        return
    session.execute(
        _insert_missing(session, StockLevel),
        [
            {
                "tenant_id": tenant_id,
                "sku_id": s,
                "on_hand": 0,
                "reserved": 0,
                "backorder_allowed": False,
            }
            for s in sku_ids
        ],
    )
    session.execute(
        _insert_missing(session, WarehouseStock),
        [
            {
                "tenant_id": tenant_id,
                "warehouse_id": warehouse_id,
                "sku_id": s,
                "on_hand": 0,
                "allocated": 0,
            }
            for s in sku_ids
        ],
    )


def initial_stock(session: Session, tenant_id: int, on_hand: Mapping[int, int]) -> None:
    """Stock for new SKUs (a product created with stock): it lands in the default
    warehouse, recorded as a receipt."""
    warehouse = default_warehouse(session, tenant_id)
    ensure_rows(session, tenant_id, warehouse.id, list(on_hand))
    for sku_id, units in sorted(on_hand.items()):
        if units:
            adjust(session, tenant_id, warehouse.id, sku_id, units, MovementReason.RECEIPT)


def _move_totals(
    session: Session, sku_id: int, delta: int, reserved_delta: int
) -> tuple[int, int | None]:
    """Add ``delta`` to the SKU's tenant-wide on-hand stock (and ``reserved_delta`` to
    its reservations) unless that would break a promise to orders; returns (available
    after, threshold)."""
    row = session.execute(
        update(StockLevel)
        .where(
            StockLevel.sku_id == sku_id,
            StockLevel.on_hand + delta >= 0,
            StockLevel.reserved + reserved_delta >= 0,
            (StockLevel.on_hand + delta >= StockLevel.reserved + reserved_delta)
            | StockLevel.backorder_allowed,
        )
        .values(on_hand=StockLevel.on_hand + delta, reserved=StockLevel.reserved + reserved_delta)
        .returning(StockLevel.on_hand - StockLevel.reserved, StockLevel.low_stock_threshold)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        level = session.get(StockLevel, sku_id)
        promised = level.reserved if level else 0
        raise Conflict(
            f"that would leave less stock than the {promised} units promised to open orders",
            sku_id=sku_id,
        )
    return int(row[0]), row[1]


def adjust(
    session: Session,
    tenant_id: int,
    warehouse_id: int,
    sku_id: int,
    delta: int,
    reason: MovementReason,
    *,
    note: str = "",
    actor_id: int | None = None,
    order_id: int | None = None,
    shipment_id: int | None = None,
    shipped: bool = False,
    release_allocated: bool = False,
    at: datetime | None = None,
) -> int:
    """Change a warehouse's on-hand stock by ``delta`` and record why; returns the
    warehouse's on-hand after. Refused (Conflict, nothing changed by the caller's
    rollback) when it would go negative, below what shipments being prepared there hold,
    or below what orders were promised tenant-wide.

    ``shipped`` (units leaving in a shipment) takes them out of the order's tenant-wide
    reservation and of the warehouse's allocation (``release_allocated``, a prepared
    shipment) at the same time."""
    if delta == 0:
        raise Invalid("a stock change needs a quantity other than zero")
    ensure_rows(session, tenant_id, warehouse_id, [sku_id])
    available_after, threshold = _move_totals(session, sku_id, delta, delta if shipped else 0)
    taken = -delta if release_allocated else 0
    on_hand_after = session.scalar(
        update(WarehouseStock)
        .where(
            WarehouseStock.warehouse_id == warehouse_id,
            WarehouseStock.sku_id == sku_id,
            WarehouseStock.allocated >= taken,
            WarehouseStock.on_hand + delta >= WarehouseStock.allocated - taken,
        )
        .values(
            on_hand=WarehouseStock.on_hand + delta,
            allocated=WarehouseStock.allocated - taken,
        )
        .returning(WarehouseStock.on_hand)
        .execution_options(synchronize_session=False)
    )
    if on_hand_after is None:
        raise Conflict(
            "the warehouse does not hold that many free units "
            "(some may be set aside for shipments being prepared)",
            sku_id=sku_id,
        )
    session.execute(
        row_insert(StockMovement),
        {
            "tenant_id": tenant_id,
            "warehouse_id": warehouse_id,
            "sku_id": sku_id,
            "delta": delta,
            "on_hand_after": on_hand_after,
            "reason": reason,
            "note": note[:500],
            "order_id": order_id,
            "shipment_id": shipment_id,
            "actor_id": actor_id,
            "at": at or utcnow(),
        },
    )
    if threshold is not None and delta < 0 and not shipped:
        before = available_after - delta
        if available_after <= threshold < before:
            emit_low(session, tenant_id, sku_id, available_after, threshold)
    return int(on_hand_after)


def set_total(session: Session, tenant_id: int, sku_id: int, on_hand: int) -> None:
    """Count the default warehouse so that the SKU's total on-hand becomes ``on_hand``."""
    warehouse = default_warehouse(session, tenant_id)
    ensure_rows(session, tenant_id, warehouse.id, [sku_id])
    current = session.scalar(select(StockLevel.on_hand).where(StockLevel.sku_id == sku_id)) or 0
    if on_hand != current:
        adjust(session, tenant_id, warehouse.id, sku_id, on_hand - current, MovementReason.COUNT)


def allocate(session: Session, warehouse_id: int, quantities: Mapping[int, int]) -> None:
    """Set units aside in ``warehouse_id`` for a shipment being prepared, all or none:
    Conflict (the caller rolls back) when the warehouse lacks free units of a SKU."""
    for sku_id, units in sorted(quantities.items()):
        done = session.execute(
            update(WarehouseStock)
            .where(
                WarehouseStock.warehouse_id == warehouse_id,
                WarehouseStock.sku_id == sku_id,
                WarehouseStock.on_hand - WarehouseStock.allocated >= units,
            )
            .values(allocated=WarehouseStock.allocated + units)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            free = session.scalar(
                select(WarehouseStock.on_hand - WarehouseStock.allocated).where(
                    WarehouseStock.warehouse_id == warehouse_id, WarehouseStock.sku_id == sku_id
                )
            )
            raise Conflict(
                f"the warehouse has only {max(free or 0, 0)} free units of a SKU "
                f"this shipment needs {units} of",
                sku_id=sku_id,
            )


def free_per_warehouse(session: Session, sku_ids: list[int]) -> dict[tuple[int, int], int]:
    """Units not set aside, per (warehouse id, SKU id), over active warehouses."""
    rows = session.execute(
        select(
            WarehouseStock.warehouse_id,
            WarehouseStock.sku_id,
            WarehouseStock.on_hand - WarehouseStock.allocated,
        )
        .join(Warehouse, Warehouse.id == WarehouseStock.warehouse_id)
        .where(WarehouseStock.sku_id.in_(sku_ids), Warehouse.is_active)
    ).all()
    return {(warehouse_id, sku_id): int(free) for warehouse_id, sku_id, free in rows}


def free_per_sku(session: Session, sku_ids: list[int]) -> dict[int, int]:
    """Units not set aside for shipments, summed over active warehouses, per SKU."""
    rows = session.execute(
        select(WarehouseStock.sku_id, WarehouseStock.on_hand - WarehouseStock.allocated)
        .join(Warehouse, Warehouse.id == WarehouseStock.warehouse_id)
        .where(WarehouseStock.sku_id.in_(sku_ids), Warehouse.is_active)
    ).all()
    found = dict.fromkeys(sku_ids, 0)
    for sku_id, free in rows:
        found[sku_id] += int(free)
    return found
