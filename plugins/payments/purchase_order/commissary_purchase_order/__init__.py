"""Purchase orders for Commissary.

The company pays what points do not cover on account: the buyer gives a PO number (checked
against the tenant's format rule), the amount counts against the credit limit of the
company and of the buyer's location, approved lines become an invoice due after the
tenant's payment terms, and the statement lists the open invoices. Tables in the Alembic
branch ``purchase_order``.
"""

from __future__ import annotations

from pathlib import Path

from commissary import MigrationSource, PaymentMethod, PluginRoutes, PluginSettings, hookimpl

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
    from commissary_purchase_order import api

    return PluginRoutes(api=api.router)
