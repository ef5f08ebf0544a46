"""The one module that talks to PayPal: paypalrestsdk's ``Api`` against Orders v2.

paypalrestsdk is the product's chosen SDK; it speaks v1 resources natively, so Orders v2
goes through its generic ``get``/``post``. Two of its habits are corrected here: it logs
whole requests (bearer token included) outside live mode and sends requests without a
timeout, so ``http_call`` is replaced by a quiet one with a timeout; and it would send a
call's ``PayPal-Request-Id`` on the token request too, so the token is fetched first.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

import paypalrestsdk
import requests

from commissary import Context, Invalid
from commissary_paypal.settings import PayPalSettings

TIMEOUT = 15
ZERO_DECIMAL = {"HUF", "JPY", "TWD"}


class PayPalError(Exception):
    """PayPal refused or could not be reached; ``name`` is PayPal's error name if any."""

    def __init__(self, name: str, status: int = 0) -> None:
        super().__init__(name)
        self.name = name
        self.status = status


class QuietApi(paypalrestsdk.Api):  # type: ignore[misc]
    def http_call(self, url: str, method: str, **kwargs: Any) -> Any:
        response = requests.request(method, url, timeout=TIMEOUT, **kwargs)
        return self.handle_response(response, response.content.decode("utf-8"))


@lru_cache(maxsize=64)
def _api(mode: str, client_id: str, secret: str, endpoint: str) -> QuietApi:
    options = {"mode": mode, "client_id": client_id, "client_secret": secret}
    if endpoint:
        options["endpoint"] = endpoint
    return QuietApi(options)


class PayPal:
    def __init__(self, ctx: Context) -> None:
        settings = ctx.settings(PayPalSettings)
        secret = settings.client_secret.get_secret_value()
        if not settings.client_id or not secret:
            raise Invalid("PayPal is not set up for this portal")
        self.settings = settings
        self.api = _api(settings.mode, settings.client_id, secret, settings.endpoint)

    def _call(self, method: str, path: str, body: dict[str, Any] | None, key: str) -> Any:
        headers = {"PayPal-Request-Id": key} if key else {}
        try:
            self.api.get_access_token()  # before the call, so the key stays off the token call
            if method == "GET":
                reply = self.api.get(path)
            else:
                reply = self.api.post(path, body or {}, headers=headers)
        except paypalrestsdk.exceptions.ConnectionError as exc:
            status = int(getattr(getattr(exc, "response", None), "status_code", 0) or 0)
            raise PayPalError(_error_name(exc), status) from exc
        except requests.RequestException as exc:
            raise PayPalError("UNREACHABLE") from exc
        if isinstance(reply, dict) and "error" in reply and len(reply) == 1:
            error = reply["error"]
            raise PayPalError(str(error.get("name", "INVALID_REQUEST")), 400)
        return reply

    def create_order(self, amount: Decimal, currency: str, reference: str, key: str) -> Any:
        body = {
            "intent": "AUTHORIZE",
            "purchase_units": [{"reference_id": reference, "amount": money(amount, currency)}],
        }
        return self._call("POST", "v2/checkout/orders", body, key)

    def get_order(self, order_id: str) -> Any:
        return self._call("GET", f"v2/checkout/orders/{order_id}", None, "")

    def authorize_order(self, order_id: str, key: str) -> Any:
        return self._call("POST", f"v2/checkout/orders/{order_id}/authorize", {}, key)

    def capture(self, authorization_id: str, amount: Decimal, currency: str, key: str) -> Any:
        body = {"amount": money(amount, currency), "final_capture": True}
        path = f"v2/payments/authorizations/{authorization_id}/capture"
        return self._call("POST", path, body, key)

    def void(self, authorization_id: str, key: str) -> Any:
        return self._call("POST", f"v2/payments/authorizations/{authorization_id}/void", {}, key)

    def refund(self, capture_id: str, amount: Decimal, currency: str, key: str) -> Any:
        body = {"amount": money(amount, currency)}
        return self._call("POST", f"v2/payments/captures/{capture_id}/refund", body, key)

    def verify_webhook(self, headers: dict[str, str], event: dict[str, Any]) -> bool:
        body = {
            "auth_algo": headers.get("paypal-auth-algo", ""),
            "cert_url": headers.get("paypal-cert-url", ""),
            "transmission_id": headers.get("paypal-transmission-id", ""),
            "transmission_sig": headers.get("paypal-transmission-sig", ""),
            "transmission_time": headers.get("paypal-transmission-time", ""),
            "webhook_id": self.settings.webhook_id,
            "webhook_event": event,
        }
        reply = self._call("POST", "v1/notifications/verify-webhook-signature", body, "")
        return cast(dict[str, Any], reply).get("verification_status") == "SUCCESS"


def money(amount: Decimal, currency: str) -> dict[str, str]:
    places = 0 if currency in ZERO_DECIMAL else 2
    return {"currency_code": currency, "value": f"{amount:.{places}f}"}


def _error_name(exc: Exception) -> str:
    import json

    content = getattr(exc, "content", "") or ""
    try:
        return str(json.loads(content).get("name", "PAYPAL_ERROR"))
    except (ValueError, AttributeError):
        return "PAYPAL_ERROR"
