"""Core plugin: the approval rules.

It registers the built-in rule types, evaluates the tenant's configured rules at
submission, keeps the original rule "orders above N points need the location manager"
(N is the tenant's ``approval_threshold_points``: 0 asks for approval of every order,
NULL of none), runs the escalation job and links the rule editor. It is written as a
plugin so the core shows integrators how a rule looks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commissary.approvals import rules, ruletypes
from commissary.context import Context
from commissary.hookspecs import hookimpl
from commissary.hooktypes import ApprovalRequirement, ApprovalRuleType, MenuLink, OrderDraft
from commissary.identity.permissions import Permission, has_permission

if TYPE_CHECKING:
    from commissary.jobs.schedule import ScheduledJob

RULE = "points_threshold"
ESCALATION_EVERY_SECONDS = 15 * 60


@hookimpl
def register_approval_rule_types() -> list[ApprovalRuleType]:
    return list(ruletypes.BUILTIN_TYPES)


@hookimpl
def register_jobs() -> list[ScheduledJob]:
    from commissary.approvals.escalation import escalate_waiting_steps
    from commissary.jobs.schedule import ScheduledJob

    return [ScheduledJob("approval_escalation", ESCALATION_EVERY_SECONDS, escalate_waiting_steps)]


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    actor = ctx.actor
    if actor is None:
        return []
    base = f"/t/{ctx.tenant.slug}"
    links = []
    if has_permission(actor, Permission.APPROVALS_DECIDE):
        links.append(MenuLink("Away & delegates", f"{base}/approval-delegations", "manage"))
    if has_permission(actor, Permission.APPROVALS_MANAGE):
        links.append(MenuLink("Approval rules", f"{base}/admin/approval-rules", "manage"))
    return links


@hookimpl
def approval_requirements(ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
    found, auto_approved = rules.evaluate(ctx, draft)
    if auto_approved:
        return []
    return [*_threshold(ctx, draft), *found]


def _threshold(ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
    threshold = ctx.tenant.approval_threshold_points
    if threshold is None:
        return []
    total = draft.order_total_points
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
