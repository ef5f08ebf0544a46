"""Core plugin: entitlements ask for approval, and add their routes and menu links.

Hard entitlements are enforced by the cart and by order submission directly (they must
hold under concurrent submissions, which a read-only hook cannot promise); entitlements
enforced by approval become requirements here, naming the entitlement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from commissary.hookspecs import hookimpl
from commissary.hooktypes import ApprovalRequirement, MenuLink, OrderDraft, PluginRoutes

if TYPE_CHECKING:
    from commissary.context import Context

RULE = "entitlement"


@hookimpl
def approval_requirements(ctx: Context, draft: OrderDraft) -> list[ApprovalRequirement]:
    from commissary.entitlements import service

    if not service.rules(ctx):
        return []
    return [
        ApprovalRequirement(
            rule=RULE,
            approver="location_manager",
            reason=(
                f"over the entitlement {u.rule.name}: {u.total} of {u.rule.quantity} {u.rule.per}"
            ),
            detail={
                "entitlement_id": u.rule.id,
                "allowed": u.rule.quantity,
                "ordered": u.ordered,
                "requested": u.pending,
            },
        )
        for u in service.over_for_approval(ctx, draft)
    ]


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary.entitlements import api, pages

    return PluginRoutes(api=api.router, pages=pages.router)


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    from commissary.entitlements import service
    from commissary.identity.permissions import Permission, has_permission

    actor = ctx.actor
    if actor is None:
        return []
    base = f"/t/{ctx.tenant.slug}"
    links = []
    # Caches only: menus also render on error pages, after the transaction was rolled back.
    if has_permission(actor, Permission.ORDER_PLACE) and service.cached_for_person(ctx, actor.id):
        links.append(MenuLink("Entitlements", f"{base}/entitlements"))
    if has_permission(actor, Permission.ENTITLEMENTS_MANAGE):
        links.append(MenuLink("Entitlement rules", f"{base}/admin/entitlements", "manage"))
    return links
