"""An example third-party approval rule type, written against the public plugin API only.

It adds the rule type "Many units of one item": an order line with at least N units (and,
optionally, only for some SKUs) matches. Tenant admins then configure rules of this type
on the rule editor like the built-in ones: who approves at each level, whether a match
requires approval or auto-approves, after how many days it escalates. Copy this folder to
start your own: ``pip install -e .``, then ``commissary plugins enable approval_rule
--tenant acme``; the type appears under Admin → Approval rules.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from commissary import ApprovalRuleType, Context, OrderDraft, RuleMatch, hookimpl


class BulkLineSettings(BaseModel):
    """What admins set per rule; the editor renders one input per field."""

    model_config = ConfigDict(extra="forbid")

    min_units: int = Field(default=20, ge=2, le=100_000, description="Units on one line, at least")
    sku_codes: list[str] = Field(
        default_factory=list, description="Only these SKU codes (empty: every item)"
    )


def evaluate(ctx: Context, draft: OrderDraft, settings: BulkLineSettings) -> RuleMatch | None:
    """Match when a line has ``min_units`` or more; read-only, no queries."""
    watched = {code.upper() for code in settings.sku_codes}
    bulky = sorted(
        line.sku_code
        for line in draft.lines
        if line.quantity >= settings.min_units and (not watched or line.sku_code.upper() in watched)
    )
    if not bulky:
        return None
    return RuleMatch(
        f"{', '.join(bulky)}: {settings.min_units:,} units or more on one line",
        {"skus": bulky, "min_units": settings.min_units},
    )


@hookimpl
def register_approval_rule_types() -> list[ApprovalRuleType]:
    return [
        ApprovalRuleType(
            key="approval_rule.bulk_line",
            label="Many units of one item",
            settings=BulkLineSettings,
            evaluate=evaluate,
            description="A line orders at least N units (of any item, or of given SKUs).",
        )
    ]
