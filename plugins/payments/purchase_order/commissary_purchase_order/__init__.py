"""Purchase orders for Commissary.

The company pays what points do not cover on account: the buyer gives a PO number (checked
against the tenant's format rule), the amount counts against the credit limit of the
company and of the buyer's location, each shipment of approved lines becomes an invoice
due after the tenant's payment terms, and the statement lists the open invoices. Tables in
the Alembic branch ``purchase_order``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commissary import (
    Context,
    MenuLink,
    MigrationSource,
    PaymentMethod,
    Permission,
    PluginRoutes,
    PluginSettings,
    has_permission,
    hookimpl,
)

HERE = Path(__file__).parent


@hookimpl
def register_settings_model() -> type[PluginSettings]:
    from commissary_purchase_order.settings import PurchaseOrderSettings

    return PurchaseOrderSettings


@hookimpl
def register_payment_methods() -> list[type[PaymentMethod]]:
    from commissary_purchase_order.method import PurchaseOrderPayment

    return [PurchaseOrderPayment]


@hookimpl
def register_migrations() -> MigrationSource:
    return MigrationSource(branch_label="purchase_order", path=HERE / "migrations" / "versions")


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary_purchase_order import api, pages

    return PluginRoutes(api=api.router, pages=pages.router)


@hookimpl
def register_template_dirs() -> list[str]:
    return [str(HERE / "templates")]


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    """Invoices & credit for location managers and tenant admins; credit limits for
    tenant admins (both in the Manage menu)."""
    links: list[MenuLink] = []
    actor, base = ctx.actor, f"/t/{ctx.tenant.slug}/purchase-orders"
    if actor is not None and has_permission(actor, Permission.LOCATIONS_MANAGE):
        links.append(MenuLink("Invoices & credit", f"{base}/statement", "manage"))
    if actor is not None and has_permission(actor, Permission.PLUGINS_MANAGE):
        links.append(MenuLink("Credit limits", f"{base}/credit-limits", "manage"))
    return links


@hookimpl
def on_order_shipped(ctx: Context, event: dict[str, Any]) -> None:
    """Invoice the PO share of the shipped lines (exactly once per shipment)."""
    from commissary_purchase_order.invoicing import invoice_shipment

    invoice_shipment(ctx, event)
