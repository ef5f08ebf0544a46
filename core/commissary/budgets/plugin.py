"""Core plugin: orders that would take a location over its budget need approval; the
budget alerts follow orders as they are submitted and decided; routes and menu links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commissary.hookspecs import hookimpl
from commissary.hooktypes import ApprovalRequirement, MenuLink, OrderDraft, PluginRoutes

if TYPE_CHECKING:
    from commissary.context import Context
    from commissary.jobs.schedule import ScheduledJob

RULE = "location_budget"


@hookimpl
def approval_requirements(ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
    from commissary.budgets import service

    if not service.budgets(ctx):
        return []
    return [
        ApprovalRequirement(
            rule=RULE,
            approver=o.approver,
            reason=o.reason,
            detail={
                "budget_id": o.budget.id,
                "location_id": o.budget.location_id,
                "amount": o.budget.amount,
                "spent": o.spent,
            },
        )
        for o in service.over_for_approval(ctx, draft)
    ]


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary.budgets import api, pages

    return PluginRoutes(api=api.router, pages=pages.router)


@hookimpl
def register_jobs() -> list[ScheduledJob]:
    from commissary.budgets.alerts import check_all
    from commissary.jobs.schedule import ScheduledJob

    return [ScheduledJob("budget_thresholds", 15 * 60, check_all)]


@hookimpl
def on_order_submitted(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.budgets import alerts

    alerts.after_order(ctx, event.get("order_id"))


@hookimpl
def on_order_decided(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.budgets import alerts

    alerts.after_order(ctx, event.get("order_id"))


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    from commissary.identity.permissions import Permission, has_permission

    if ctx.actor is None or not has_permission(ctx.actor, Permission.BUDGETS_VIEW):
        return []
    return [MenuLink("Budgets", f"/t/{ctx.tenant.slug}/budgets", "manage")]
