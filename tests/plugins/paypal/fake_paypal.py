"""A recording fake of the PayPal REST API, following PayPal's documented request and
response shapes for OAuth, Orders v2, Payments v2 and webhook verification.

A real HTTP server on 127.0.0.1 (``ThreadingHTTPServer``). It checks the Basic and Bearer
credentials, answers a repeated ``PayPal-Request-Id`` with its first reply (as PayPal
does), never captures more than an authorization or refunds more than a capture, and
records every request so tests can assert the contract. ``approve(order_id)`` stands for
the buyer approving the order on PayPal's page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import zlib
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_ID, CLIENT_SECRET, TOKEN = "fake-client", "fake-secret", "A21AAFakeToken"
SIGNING_KEY = b"fake-paypal-signing-key"


def transmission_sig(
    transmission_id: str, time: str, webhook_id: str, event: dict[str, Any]
) -> str:
    """PayPal signs ``<transmission id>|<time>|<webhook id>|<crc32 of the body>``."""
    crc = zlib.crc32(json.dumps(event).encode())
    message = f"{transmission_id}|{time}|{webhook_id}|{crc}".encode()
    return base64.b64encode(hmac.new(SIGNING_KEY, message, hashlib.sha256).digest()).decode()


class FakePayPal:
    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.authorizations: dict[str, dict[str, Any]] = {}
        self.captures: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.replies: dict[str, tuple[int, Any]] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakePayPal:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            for store in (self.orders, self.authorizations, self.captures, self.replies):
                store.clear()
            self.requests.clear()

    def approve(self, order_id: str) -> None:
        with self.lock:
            self.orders[order_id]["status"] = "APPROVED"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self.ids):010d}"

    # ------------------------------------------------------------------ dispatch

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        record = {
            "method": method,
            "path": h.path,
            "headers": {k.lower(): v for k, v in h.headers.items()},
            "body": raw.decode(),
        }
        with self.lock:
            self.requests.append(record)
            status, reply = self._route(method, h.path, record["headers"], raw)
        body = b"" if reply is None else json.dumps(reply).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _route(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        if path == "/v1/oauth2/token":
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if (
                headers.get("authorization") != f"Basic {expected}"
                or raw != b"grant_type=client_credentials"
            ):
                return 401, {"error": "invalid_client"}
            return 200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 32400}
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"name": "AUTHENTICATION_FAILURE"}
        body = json.loads(raw) if raw and raw != b"null" else {}
        key = headers.get("paypal-request-id")
        if key and method == "POST" and key in self.replies:
            return self.replies[key]
        reply = self._api(method, path.strip("/").split("/"), body)
        if key and method == "POST" and reply[0] < 300:
            self.replies[key] = reply
        return reply

    def _api(self, method: str, parts: list[str], body: dict[str, Any]) -> tuple[int, Any]:
        match (method, parts):
            case ("POST", ["v2", "checkout", "orders"]):
                order_id = self._new_id("5O")
                self.orders[order_id] = {
                    "id": order_id,
                    "intent": body["intent"],
                    "status": "CREATED",
                    "purchase_units": [
                        {"reference_id": u.get("reference_id", "default"), "amount": u["amount"]}
                        for u in body["purchase_units"]
                    ],
                    "links": [
                        {
                            "href": f"{self.url}/v2/checkout/orders/{order_id}",
                            "rel": "self",
                            "method": "GET",
                        },
                        {
                            "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                            "rel": "approve",
                            "method": "GET",
                        },
                    ],
                }
                return 201, self.orders[order_id]
            case ("GET", ["v2", "checkout", "orders", order_id]):
                if order_id not in self.orders:
                    return 404, {"name": "RESOURCE_NOT_FOUND"}
                return 200, self.orders[order_id]
            case ("POST", ["v2", "checkout", "orders", order_id, "authorize"]):
                order = self.orders.get(order_id)
                if order is None:
                    return 404, {"name": "RESOURCE_NOT_FOUND"}
                if order["status"] != "APPROVED":
                    return 422, {
                        "name": "UNPROCESSABLE_ENTITY",
                        "details": [{"issue": "ORDER_NOT_APPROVED"}],
                    }
                unit = order["purchase_units"][0]
                auth_id = self._new_id("0AUTH")
                self.authorizations[auth_id] = {
                    "id": auth_id,
                    "status": "CREATED",
                    "amount": unit["amount"],
                    "order_id": order_id,
                    "captured": Decimal(0),
                }
                unit["payments"] = {
                    "authorizations": [
                        {"id": auth_id, "status": "CREATED", "amount": unit["amount"]}
                    ]
                }
                order["status"] = "COMPLETED"
                return 201, order
            case ("POST", ["v2", "payments", "authorizations", auth_id, "capture"]):
                auth = self.authorizations.get(auth_id)
                if auth is None:
                    return 404, {"name": "RESOURCE_NOT_FOUND"}
                amount = Decimal(body.get("amount", auth["amount"])["value"])
                if auth["status"] not in {"CREATED", "PARTIALLY_CAPTURED"} or auth[
                    "captured"
                ] + amount > Decimal(auth["amount"]["value"]):
                    return 422, {
                        "name": "UNPROCESSABLE_ENTITY",
                        "details": [{"issue": "AUTHORIZATION_ALREADY_CAPTURED"}],
                    }
                auth["captured"] += amount
                auth["status"] = "CAPTURED" if body.get("final_capture") else "PARTIALLY_CAPTURED"
                capture_id = self._new_id("2CAP")
                capture = {
                    "id": capture_id,
                    "status": "COMPLETED",
                    "amount": {
                        "currency_code": auth["amount"]["currency_code"],
                        "value": f"{amount:.2f}",
                    },
                    "final_capture": bool(body.get("final_capture")),
                    "refunded": Decimal(0),
                }
                self.captures[capture_id] = capture
                order = self.orders[auth["order_id"]]
                order["purchase_units"][0]["payments"].setdefault("captures", []).append(
                    {k: v for k, v in capture.items() if k != "refunded"}
                )
                return 201, {k: v for k, v in capture.items() if k != "refunded"}
            case ("POST", ["v2", "payments", "authorizations", auth_id, "void"]):
                auth = self.authorizations.get(auth_id)
                if auth is None:
                    return 404, {"name": "RESOURCE_NOT_FOUND"}
                if auth["status"] != "CREATED":
                    return 422, {
                        "name": "UNPROCESSABLE_ENTITY",
                        "details": [{"issue": "PREVIOUSLY_VOIDED"}],
                    }
                auth["status"] = "VOIDED"
                return 204, None
            case ("POST", ["v2", "payments", "captures", capture_id, "refund"]):
                capture = self.captures.get(capture_id)
                if capture is None:
                    return 404, {"name": "RESOURCE_NOT_FOUND"}
                amount = Decimal(body.get("amount", capture["amount"])["value"])
                if capture["refunded"] + amount > Decimal(capture["amount"]["value"]):
                    return 422, {
                        "name": "UNPROCESSABLE_ENTITY",
                        "details": [{"issue": "REFUND_AMOUNT_EXCEEDED"}],
                    }
                capture["refunded"] += amount
                return 201, {
                    "id": self._new_id("1REF"),
                    "status": "COMPLETED",
                    "amount": body.get("amount", capture["amount"]),
                }
            case ("POST", ["v1", "notifications", "verify-webhook-signature"]):
                expected = transmission_sig(
                    body["transmission_id"],
                    body["transmission_time"],
                    body["webhook_id"],
                    body["webhook_event"],
                )
                ok = hmac.compare_digest(expected, body.get("transmission_sig", ""))
                return 200, {"verification_status": "SUCCESS" if ok else "FAILURE"}
        return 404, {"name": "RESOURCE_NOT_FOUND"}
