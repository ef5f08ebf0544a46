"""Card payments through Stripe for Commissary.

A buyer saves cards (Stripe PaymentMethods attached to a Stripe Customer per user, kept
in this plugin's table ``stripe_customers``, Alembic branch ``stripe``) and chooses one
at checkout to pay what points do not cover. Orders that wait for approval hold the
amount on a PaymentIntent with manual capture; when every line is decided the approved
total is captured once (Stripe releases the rest) or the intent is cancelled. Webhooks
are verified with the endpoint secret and a timestamp tolerance.
"""

from __future__ import annotations

from pathlib import Path

from commissary import MigrationSource, PaymentMethod, PluginRoutes, PluginSettings, hookimpl

HERE = Path(__file__).parent


@hookimpl
def register_settings_model() -> type[PluginSettings]:
    from commissary_stripe.settings import StripeSettings

    return StripeSettings


@hookimpl
def register_payment_methods() -> list[type[PaymentMethod]]:
    from commissary_stripe.method import StripeCard

    return [StripeCard]


@hookimpl
def register_migrations() -> MigrationSource:
    return MigrationSource(branch_label="stripe", path=HERE / "migrations" / "versions")


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary_stripe import api

    return PluginRoutes(api=api.router)
