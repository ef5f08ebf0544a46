"""API shapes of shipments and of the fulfilment queue."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from commissary.fulfilment.models import Shipment, ShipmentStatus
from commissary.fulfilment.queue import QueuedOrder


class ShipmentLineIn(BaseModel):
    order_line_id: int
    quantity: int = Field(ge=1, le=1_000_000)


class ShipmentCreate(BaseModel):
    """A shipment from one warehouse. ``status`` ``preparing`` sets the units aside in
    the warehouse; ``shipped`` takes them off stock at once."""

    warehouse_id: int
    lines: list[ShipmentLineIn] = Field(min_length=1, max_length=1000)
    carrier: str = Field(default="", max_length=100)
    tracking_number: str = Field(default="", max_length=100)
    status: ShipmentStatus = ShipmentStatus.SHIPPED


class ShipmentShip(BaseModel):
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)


class ShipmentLinePublic(BaseModel):
    order_line_id: int
    sku_id: int
    quantity: int


class ShipmentPublic(BaseModel):
    id: int
    number: str
    order_id: int
    warehouse_id: int
    status: ShipmentStatus
    carrier: str
    tracking_number: str
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: list[ShipmentLinePublic]

    @classmethod
    def of(cls, s: Shipment) -> ShipmentPublic:
        return cls(
            id=s.id,
            number=s.number,
            order_id=s.order_id,
            warehouse_id=s.warehouse_id,
            status=s.status,
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            created_at=s.created_at,
            shipped_at=s.shipped_at,
            delivered_at=s.delivered_at,
            lines=[
                ShipmentLinePublic(
                    order_line_id=x.order_line_id, sku_id=x.sku_id, quantity=x.quantity
                )
                for x in s.lines
            ],
        )


class QueueLinePublic(BaseModel):
    line_id: int
    sku_id: int
    sku_code: str
    description: str
    status: str
    quantity: int
    shipped_quantity: int
    preparing: int
    open: int
    backordered: int


class QueueOrderPublic(BaseModel):
    order_id: int
    number: str
    status: str
    location_id: int | None
    ship_to: str
    submitted_at: datetime
    lines: list[QueueLinePublic]

    @classmethod
    def of(cls, q: QueuedOrder) -> QueueOrderPublic:
        o = q.order
        return cls(
            order_id=o.id,
            number=o.number,
            status=o.status.value,
            location_id=o.location_id,
            ship_to=o.ship_to,
            submitted_at=o.submitted_at,
            lines=[
                QueueLinePublic(
                    line_id=x.line.id,
                    sku_id=x.line.sku_id,
                    sku_code=x.line.sku_code,
                    description=x.line.description,
                    status=x.line.status.value,
                    quantity=x.line.quantity,
                    shipped_quantity=x.line.shipped_quantity,
                    preparing=x.preparing,
                    open=x.open,
                    backordered=x.backordered,
                )
                for x in q.lines
            ],
        )
