"""Per-tenant PayPal settings: the tenant's REST app credentials and webhook id."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from commissary import PluginSettings


class PayPalSettings(PluginSettings):
    client_id: str = Field(default="", max_length=200)
    client_secret: SecretStr = Field(default=SecretStr(""))
    mode: Literal["sandbox", "live"] = "sandbox"
    # The id PayPal gave the webhook endpoint; verification needs it.
    webhook_id: str = Field(default="", max_length=100)
    # Seconds a webhook's transmission time may be old: older deliveries are replays.
    webhook_tolerance: int = Field(default=300, ge=1, le=3600)
    # Only for tests against a local server; empty means PayPal's endpoint for ``mode``.
    endpoint: str = Field(default="", pattern=r"^(|https?://[^\s]+)$")
