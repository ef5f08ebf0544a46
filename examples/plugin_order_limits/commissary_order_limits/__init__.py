"""An example third-party plugin, written against the public plugin API only.

It caps the units per order line and sends orders that contain certain categories to
approval, with both limits set per tenant in the plugin's settings. Copy this folder to
start a plugin of your own: ``pip install -e .``, then
``commissary plugins enable order_limits --tenant acme --settings '{"max_units_per_line": 5}'``.
"""

from __future__ import annotations

from pydantic import Field

from commissary import (
    ApprovalRequirement,
    Context,
    OrderDraft,
    PluginSettings,
    Problem,
    hookimpl,
)


class OrderLimitsSettings(PluginSettings):
    max_units_per_line: int = Field(default=10, ge=1, le=10_000)
    # Category ids whose items always need the location manager's approval.
    approval_category_ids: list[int] = Field(default_factory=list)


@hookimpl
def register_settings_model() -> type[PluginSettings]:
    return OrderLimitsSettings


@hookimpl
def validate_order(ctx: Context, draft: OrderDraft) -> list[Problem]:
    limit = ctx.settings(OrderLimitsSettings).max_units_per_line
    return [
        Problem(
            code="too_many_units",
            message=f"at most {limit} units of {line.sku_code} per order",
            sku_id=line.sku_id,
        )
        for line in draft.lines
        if line.quantity > limit
    ]


@hookimpl
def approval_requirements(ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
    watched = set(ctx.settings(OrderLimitsSettings).approval_category_ids)
    flagged = sorted({line.sku_code for line in draft.lines if line.category_id in watched})
    if not flagged:
        return []
    return [
        ApprovalRequirement(
            rule="order_limits.category",
            approver="location_manager",
            reason=f"{', '.join(flagged)} always need approval",
            detail={"skus": flagged},
        )
    ]
