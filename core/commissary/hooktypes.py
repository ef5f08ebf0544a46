"""Values that hooks receive and return. Part of the public plugin API."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict


class PluginSettings(BaseModel):
    """Base for a plugin's per-tenant settings. Use ``SecretStr`` for credentials:
    they are write-only in pages and the API."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class MigrationSource:
    """Where a plugin's Alembic revisions live, under its own branch label."""

    branch_label: str
    path: Path


@dataclass(frozen=True)
class PluginRoutes:
    """Routers a plugin adds under each tenant. ``api`` mounts at ``/t/<slug>/api/v1``,
    ``pages`` at ``/t/<slug>``; both answer 404 where the plugin is not enabled."""

    api: APIRouter | None = None
    pages: APIRouter | None = None


@dataclass(frozen=True)
class Theme:
    name: str
    templates: Path
    static: Path | None = None
    parent: str | None = None


@dataclass(frozen=True)
class MenuLink:
    label: str
    href: str
    # Where it shows: "main" (the buyer's navigation) or "manage" (managers' and admins').
    section: str = "main"


@dataclass(frozen=True)
class PriceQuote:
    """A unit price in points and where it came from (shown to admins and in the API).

    ``exact`` is the unrounded unit price when it has a fraction (after a percentage
    discount); lines are rounded once, from it. ``steps`` explain how it was reached."""

    unit_points: int
    source: str
    exact: Decimal | None = None
    steps: tuple[PriceStep, ...] = ()

    @property
    def unit(self) -> Decimal:
        return self.exact if self.exact is not None else Decimal(self.unit_points)


@dataclass(frozen=True)
class PriceStep:
    """One step of a price breakdown: what set or changed the unit price, and to what."""

    kind: str  # "list price", "price list", "tier", "discount", "adjustment"
    source: str
    detail: str
    unit: Decimal


@dataclass(frozen=True)
class PriceAdjustment:
    """A plugin's change to a unit price (``adjust_unit_price``): ``percent`` off (or on,
    when negative) or a fixed ``points`` amount added (negative: taken off). Applied in
    ascending ``order``, then ``source``."""

    source: str
    label: str
    percent: Decimal | None = None
    points: Decimal | None = None
    order: int = 100


@dataclass(frozen=True)
class DraftLine:
    sku_id: int
    sku_code: str
    product_id: int
    category_id: int | None
    quantity: int
    unit_points: int
    line_points: int


@dataclass(frozen=True)
class OrderDraft:
    """An order as it is about to be submitted: priced, not yet written."""

    buyer_id: int
    location_id: int | None
    lines: tuple[DraftLine, ...]

    @property
    def total_points(self) -> int:
        return sum(line.line_points for line in self.lines)


@dataclass(frozen=True)
class Problem:
    """Why an order cannot be submitted, in words the buyer can act on."""

    code: str
    message: str
    sku_id: int | None = None


@dataclass(frozen=True)
class ApprovalRequirement:
    """One approval an order needs. ``approver`` names who decides:
    ``location_manager`` (the manager of the order's location) or ``role:<role>``."""

    rule: str
    approver: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)
