"""The built-in approval rule types, and the registry of every enabled plugin's types.

A rule *type* says when a rule applies (its ``evaluate``) and what it can be set to (its
pydantic settings model); a configured *rule* (:class:`~commissary.approvals.models.ApprovalRule`)
adds who approves, at which levels, and whether a match requires approval or
auto-approves. The core's types are registered through ``register_approval_rule_types``
like any plugin's (see :mod:`commissary.approvals.builtin`), so the core is its own example.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from commissary.context import Context
from commissary.errors import Conflict, Invalid
from commissary.hooktypes import ApprovalRuleType, OrderDraft, RuleMatch
from commissary.orders.models import LineStatus, Order, OrderLine


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderTotalSettings(_Settings):
    above_points: int = Field(default=500, ge=0, description="Orders above this many points")


class CategoriesSettings(_Settings):
    category_ids: list[int] = Field(default_factory=list, description="Category ids")
    sku_codes: list[str] = Field(default_factory=list, description="SKU codes")


class OverAllowanceSettings(_Settings):
    margin_points: int = Field(
        default=0, ge=0, description="Points the order may exceed the balance by"
    )


class FirstOrderSettings(_Settings):
    lookback_days: int = Field(
        default=365, ge=1, le=3650, description="Earlier orders counted, in days"
    )


class OutsideLocationsSettings(_Settings):
    pass


class ReorderSettings(_Settings):
    max_points: int = Field(default=200, ge=0, description="Orders up to this many points")
    lookback_days: int = Field(
        default=365, ge=1, le=3650, description="Earlier approved orders counted, in days"
    )


def assigned_locations(ctx: Context, buyer_id: int) -> set[int]:
    """The locations ``buyer_id`` may have goods shipped to: their default location and
    every further one they are assigned (``commissary.locations``). The "outside the
    buyer's locations" rule reads only this."""
    from commissary.locations.service import allowed_locations

    return {location.id for location in allowed_locations(ctx, buyer_id)}


def _ordered_before(ctx: Context, draft: OrderDraft, days: int) -> set[int]:
    """SKUs of the draft the buyer received approved in the last ``days`` days."""
    skus = [line.sku_id for line in draft.lines]
    return set(
        ctx.session.scalars(
            select(OrderLine.sku_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Order.user_id == draft.buyer_id,
                Order.submitted_at >= ctx.now - timedelta(days=days),
                OrderLine.sku_id.in_(skus),
                OrderLine.status.in_(
                    [
                        LineStatus.APPROVED,
                        LineStatus.IN_FULFILMENT,
                        LineStatus.SHIPPED,
                        LineStatus.DELIVERED,
                    ]
                ),
            )
            .distinct()
        )
    )


def _order_total(ctx: Context, draft: OrderDraft, s: OrderTotalSettings) -> RuleMatch | None:
    total = draft.order_total_points
    if total <= s.above_points:
        return None
    return RuleMatch(
        f"order total {total:,} pts is above {s.above_points:,} pts",
        {"total": total, "above_points": s.above_points},
    )


def _categories(ctx: Context, draft: OrderDraft, s: CategoriesSettings) -> RuleMatch | None:
    cats, codes = set(s.category_ids), {c.upper() for c in s.sku_codes}
    hits = sorted(
        {
            line.sku_code
            for line in draft.lines
            if line.category_id in cats or line.sku_code.upper() in codes
        }
    )
    if not hits:
        return None
    return RuleMatch(f"{', '.join(hits)} always need approval", {"skus": hits})


def _over_allowance(ctx: Context, draft: OrderDraft, s: OverAllowanceSettings) -> RuleMatch | None:
    from commissary.payments import service as payments

    try:
        balance = payments.points_method(ctx).balance(draft.buyer_id)
    except Conflict:  # no points method enabled: there is no allowance to go over
        return None
    if balance is None:
        return None
    total = draft.total_points
    if total <= int(balance) + s.margin_points:
        return None
    return RuleMatch(
        f"order total {total:,} pts is over the buyer's {int(balance):,} pts allowance",
        {"total": total, "balance": int(balance)},
    )


def _first_order(ctx: Context, draft: OrderDraft, s: FirstOrderSettings) -> RuleMatch | None:
    known = _ordered_before(ctx, draft, s.lookback_days)
    new = sorted({line.sku_code for line in draft.lines if line.sku_id not in known})
    if not new:
        return None
    return RuleMatch(f"first order of {', '.join(new)}", {"skus": new})


def _outside(ctx: Context, draft: OrderDraft, s: OutsideLocationsSettings) -> RuleMatch | None:
    if draft.location_id is None or draft.location_id in assigned_locations(ctx, draft.buyer_id):
        return None
    return RuleMatch(
        "ships outside the buyer's assigned locations", {"location_id": draft.location_id}
    )


def _reorder(ctx: Context, draft: OrderDraft, s: ReorderSettings) -> RuleMatch | None:
    if draft.order_total_points > s.max_points:
        return None
    known = _ordered_before(ctx, draft, s.lookback_days)
    if any(line.sku_id not in known for line in draft.lines):
        return None
    return RuleMatch(
        f"reorder of items approved before, {draft.order_total_points:,} pts",
        {"total": draft.order_total_points},
    )


BUILTIN_TYPES: list[ApprovalRuleType] = [
    ApprovalRuleType(
        "order_total",
        "Order total above an amount",
        OrderTotalSettings,
        _order_total,
        "The whole order's points are above the limit.",
    ),
    ApprovalRuleType(
        "categories",
        "Items in given categories or SKUs",
        CategoriesSettings,
        _categories,
        "Any line is in one of the categories or is one of the SKUs.",
    ),
    ApprovalRuleType(
        "over_allowance",
        "Over the buyer's remaining allowance",
        OverAllowanceSettings,
        _over_allowance,
        "The order costs more points than the buyer has left.",
    ),
    ApprovalRuleType(
        "first_sku_order",
        "First order of a SKU",
        FirstOrderSettings,
        _first_order,
        "The buyer has not received one of the SKUs before.",
    ),
    ApprovalRuleType(
        "outside_locations",
        "Shipped outside the buyer's locations",
        OutsideLocationsSettings,
        _outside,
        "The order ships to a location the buyer is not assigned to.",
    ),
    ApprovalRuleType(
        "reorder",
        "Reorder of items approved before",
        ReorderSettings,
        _reorder,
        "Every SKU was approved for the buyer before and the order is small: "
        "use it with the auto-approve action.",
    ),
]


def available(ctx: Context) -> dict[str, ApprovalRuleType]:
    """Rule types of the core and of the plugins this tenant has enabled, by key."""
    memo = ctx.memo.get("approval_rule_types")
    if memo is None:
        memo = {}
        for result in ctx.hooks.register_approval_rule_types():
            for kind in result or []:
                memo.setdefault(kind.key, kind)
        ctx.memo["approval_rule_types"] = memo
    found: dict[str, ApprovalRuleType] = memo
    return found


def validate_settings(kind: ApprovalRuleType, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` checked by the type's model, as stored; :class:`Invalid` names bad fields."""
    from pydantic import ValidationError

    try:
        parsed = kind.settings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise Invalid(f"invalid settings for {kind.label}: {problems}") from exc
    stored: dict[str, Any] = parsed.model_dump(mode="json")
    return stored


__all__ = ["BUILTIN_TYPES", "assigned_locations", "available", "validate_settings"]
