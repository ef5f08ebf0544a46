"""The one place that talks to Stripe: a client per tenant's keys, amounts in minor
units, the user's Customer. Secrets never reach a log line or an error message."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import stripe
from sqlalchemy import select

from commissary import Context, Invalid, row_insert
from commissary_stripe.models import StripeCustomer
from commissary_stripe.settings import StripeSettings

ZERO_DECIMAL = {"JPY", "KRW", "BIF", "CLP", "DJF", "GNF", "KMF", "MGA", "PYG", "RWF", "UGX"}
PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,100}$")


@lru_cache(maxsize=64)
def _client(secret: str, api_base: str) -> stripe.StripeClient:
    if not api_base:
        return stripe.StripeClient(secret, max_network_retries=2)
    return stripe.StripeClient(secret, base_addresses={"api": api_base}, max_network_retries=2)


def client(ctx: Context) -> stripe.StripeClient:
    settings = ctx.settings(StripeSettings)
    secret = settings.secret_key.get_secret_value()
    if not secret:
        raise Invalid("card payments are not set up for this portal (no Stripe key)")
    return _client(secret, settings.api_base)


def minor_units(amount: Decimal, currency: str) -> int:
    places = 0 if currency.upper() in ZERO_DECIMAL else 2
    return int((amount * (10**places)).to_integral_value())


def customer_id(ctx: Context, user_id: int) -> str | None:
    return ctx.session.scalar(
        select(StripeCustomer.customer_id).where(StripeCustomer.user_id == user_id)
    )


def ensure_customer(ctx: Context, user_id: int, email: str) -> str:
    """The user's Stripe Customer, created on first use. The idempotency key makes a
    retried creation (after a rollback) return the same Customer."""
    found = customer_id(ctx, user_id)
    if found is not None:
        return found
    customer = client(ctx).v1.customers.create(
        params={
            "email": email,
            "metadata": {"commissary_tenant": str(ctx.tenant.id), "commissary_user": str(user_id)},
        },
        options={"idempotency_key": f"commissary-customer:{ctx.tenant.id}:{user_id}"},
    )
    ctx.session.execute(
        row_insert(StripeCustomer),
        {"tenant_id": ctx.tenant.id, "user_id": user_id, "customer_id": customer.id},
    )
    return str(customer.id)
