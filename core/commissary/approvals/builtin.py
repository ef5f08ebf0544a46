"""Core plugin: the built-in rule "orders above N points need the location manager".

N is the tenant's ``approval_threshold_points``: 0 asks for approval of every order,
NULL of none. It is written as a plugin so the core shows integrators how a rule looks.
"""

from __future__ import annotations

from commissary.context import Context
from commissary.hookspecs import hookimpl
from commissary.hooktypes import ApprovalRequirement, OrderDraft

RULE = "points_threshold"


@hookimpl
def approval_requirements(ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
    threshold = ctx.tenant.approval_threshold_points
    if threshold is None:
        return []
    total = draft.total_points
    if threshold > 0 and total <= threshold:
        return []
    reason = (
        "every order needs approval"
        if threshold == 0
        else f"order total {total:,} pts is above the {threshold:,} pts limit"
    )
    return [
        ApprovalRequirement(
            rule=RULE,
            approver="location_manager",
            reason=reason,
            detail={"threshold": threshold, "total": total},
        )
    ]
