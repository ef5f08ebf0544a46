"""PayPal for Commissary, through the Orders v2 API.

The buyer approves a PayPal order for the remainder on PayPal's page (the storefront
creates it with ``POST /paypal/orders``), then checks out naming that order. Checkout
verifies the approved amount against the server's own figure and authorizes it; the
approved total is captured once when every line is decided, or the authorization voided.
No tables: PayPal keeps the state, the order id is the payment's reference.
"""

from __future__ import annotations

from commissary import PaymentMethod, PluginRoutes, PluginSettings, hookimpl


@hookimpl
def register_settings_model() -> type[PluginSettings]:
    from commissary_paypal.settings import PayPalSettings

    return PayPalSettings


@hookimpl
def register_payment_methods() -> list[type[PaymentMethod]]:
    from commissary_paypal.method import PayPalPayment

    return [PayPalPayment]


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary_paypal import api

    return PluginRoutes(api=api.router)
