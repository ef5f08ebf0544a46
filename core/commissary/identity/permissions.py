"""Roles grant permissions; every route names the permission it needs.

Managers act within their locations (the locations they manage); tenant admins and
approvers across the whole tenant. Operator admins live outside tenants (``/admin``).
"""

from __future__ import annotations

import enum

from commissary.identity.models import Role, User


class Permission(enum.StrEnum):
    CATALOG_VIEW = "catalog.view"
    ORDER_PLACE = "order.place"
    APPROVALS_DECIDE = "approvals.decide"
    POINTS_GRANT = "points.grant"
    PEOPLE_VIEW = "people.view"
    USERS_MANAGE = "users.manage"
    PLUGINS_MANAGE = "plugins.manage"
    CATALOG_MANAGE = "catalog.manage"
    PORTAL_MANAGE = "portal.manage"
    # Locations: tenant-wide for admins, within the managed subtree for managers.
    LOCATIONS_MANAGE = "locations.manage"
    # Warehouses and stock adjustments; shipments and the fulfilment queue.
    STOCK_MANAGE = "stock.manage"
    FULFILMENT_MANAGE = "fulfilment.manage"
    # Configure approval rules, levels and escalation (tenant admins).
    APPROVALS_MANAGE = "approvals.manage"
    REPORTS_VIEW = "reports.view"
    ENTITLEMENTS_MANAGE = "entitlements.manage"
    BUDGETS_VIEW = "budgets.view"
    BUDGETS_MANAGE = "budgets.manage"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.BUYER: frozenset({Permission.CATALOG_VIEW, Permission.ORDER_PLACE}),
    Role.APPROVER: frozenset(
        {Permission.CATALOG_VIEW, Permission.APPROVALS_DECIDE, Permission.BUDGETS_VIEW}
    ),
    Role.MANAGER: frozenset(
        {
            Permission.CATALOG_VIEW,
            Permission.ORDER_PLACE,
            Permission.APPROVALS_DECIDE,
            Permission.POINTS_GRANT,
            Permission.PEOPLE_VIEW,
            Permission.REPORTS_VIEW,
            Permission.LOCATIONS_MANAGE,
            Permission.BUDGETS_VIEW,
        }
    ),
    # Warehouse staff and ERP integrations (a user with this role holds the API token).
    Role.WAREHOUSE: frozenset({Permission.STOCK_MANAGE, Permission.FULFILMENT_MANAGE}),
    Role.TENANT_ADMIN: frozenset(Permission),
}


def permissions_of(user: User) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in user.roles:
        granted |= ROLE_PERMISSIONS.get(Role(role), frozenset())
    return frozenset(granted)


def has_permission(user: User, permission: Permission) -> bool:
    return permission in permissions_of(user)


def acts_tenant_wide(user: User) -> bool:
    """Tenant admins and approvers decide for every location; managers for their own."""
    return user.has_role(Role.TENANT_ADMIN) or user.has_role(Role.APPROVER)
