"""Per-tenant Stripe settings: the tenant's own Stripe account keys."""

from __future__ import annotations

from pydantic import Field, SecretStr

from commissary import PluginSettings


class StripeSettings(PluginSettings):
    secret_key: SecretStr = Field(default=SecretStr(""), description="sk_live_… or sk_test_…")
    webhook_secret: SecretStr = Field(
        default=SecretStr(""), description="whsec_… of the webhook endpoint"
    )
    # Seconds a webhook's signed timestamp may be old: older deliveries are replays.
    webhook_tolerance: int = Field(default=300, ge=1, le=3600)
    # Only for tests and stripe-mock style servers; empty means api.stripe.com.
    api_base: str = Field(default="", pattern=r"^(|https?://[^\s]+)$")
