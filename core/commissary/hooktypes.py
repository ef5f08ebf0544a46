"""Values that hooks receive and return. Part of the public plugin API."""

from __future__ import annotations

from collections.abc import Callable
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
    # Set when the draft is the changed part of an order being amended: the order's id
    # and the points of its lines that stay as they are (a rule on the order total adds
    # them; a rule on lines looks at ``lines`` only). ``placed_by_id``: who placed the
    # order when not the buyer (a manager ordering on someone's behalf).
    amending_order_id: int | None = None
    existing_points: int = 0
    placed_by_id: int | None = None

    @property
    def total_points(self) -> int:
        return sum(line.line_points for line in self.lines)

    @property
    def order_total_points(self) -> int:
        """The whole order's total once this draft is applied (amendments included)."""
        return self.existing_points + self.total_points


@dataclass(frozen=True)
class Problem:
    """Why an order cannot be submitted, in words the buyer can act on."""

    code: str
    message: str
    sku_id: int | None = None


@dataclass(frozen=True)
class ApprovalRequirement:
    """One approval an order needs. ``approver`` names who decides:
    ``location_manager`` (the nearest manager up the location tree from the order's
    location), ``role:<role>`` or ``user:<id>``. ``level``: requirements of level 1 are
    asked first; level 2 only once every level-1 approval of a line is given, and so on."""

    rule: str
    approver: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)
    level: int = 1


@dataclass(frozen=True)
class RuleMatch:
    """What an approval rule type's ``evaluate`` returns when the rule applies to a draft:
    the reason approvers and the buyer read, and details kept with the order."""

    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApprovalRuleType:
    """A kind of approval rule tenant admins can configure (``register_approval_rule_types``).

    ``settings`` is the pydantic model of one rule's settings: it validates what admins
    enter and the rule editor renders its form from it (int, bool, str and list fields).
    ``evaluate(ctx, draft, settings)`` returns a :class:`RuleMatch` when the rule applies
    to the draft, else ``None``; it reads and never writes."""

    key: str
    label: str
    settings: type[BaseModel]
    evaluate: Callable[[Any, OrderDraft, Any], RuleMatch | None]
    description: str = ""
