"""The PayPal plugin against the contract fake: Orders v2 create, authorize, capture,
void, refund and webhook verification, with PayPal's request shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from commissary.testing import Shop
from tests.helpers import order_count, sku_id, stock, user, wallet
from tests.plugins.paypal.conftest import WEBHOOK_ID
from tests.plugins.paypal.fake_paypal import FakePayPal, transmission_sig


def _paypal_order(shop: Shop, email: str, value: str, key: str = "pp-1") -> str:
    api = shop.api(user(shop, email))
    r = api.post(
        "/paypal/orders",
        json={"amount": value, "currency": "EUR"},
        headers={"Idempotency-Key": key},
    )
    assert r.status_code == 201, r.text
    assert r.json()["approve_url"].startswith("https://www.sandbox.paypal.com/")
    return str(r.json()["id"])


def _checkout(shop: Shop, lines: list[tuple[str, int]], order_id: str, key: str = "k"):  # type: ignore[no-untyped-def]
    api = shop.api(user(shop, "buyer@acme.test"))
    for code, qty in lines:
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty})
        assert r.status_code == 201, r.text
    payment = {"method": "paypal", "data": {"order_id": order_id}}
    return api.post("/checkout", headers={"Idempotency-Key": key}, json={"payment": payment})


def test_requests_follow_paypals_documented_shapes(
    paypal_shop: Shop, fake_paypal: FakePayPal
) -> None:
    _paypal_order(paypal_shop, "buyer@acme.test", "20.00")
    token, create = fake_paypal.requests
    assert (token["method"], token["path"], token["body"]) == (
        "POST",
        "/v1/oauth2/token",
        "grant_type=client_credentials",
    )
    assert token["headers"]["authorization"].startswith("Basic ")
    assert "paypal-request-id" not in token["headers"]  # the key stays on the API call
    assert (create["method"], create["path"]) == ("POST", "/v2/checkout/orders")
    assert create["headers"]["authorization"].startswith("Bearer ")
    assert create["headers"]["content-type"] == "application/json"
    assert create["headers"]["paypal-request-id"].endswith(":pp-1")
    buyer = user(paypal_shop, "buyer@acme.test")
    assert json.loads(create["body"]) == {
        "intent": "AUTHORIZE",
        "purchase_units": [
            {
                "reference_id": f"commissary:{paypal_shop.tenant.id}:{buyer.id}",
                "amount": {"currency_code": "EUR", "value": "20.00"},
            }
        ],
    }


def test_points_then_paypal_captured_at_once(paypal_shop: Shop, fake_paypal: FakePayPal) -> None:
    shop = paypal_shop
    order_id = _paypal_order(shop, "buyer@acme.test", "20.00")
    fake_paypal.approve(order_id)
    r = _checkout(shop, [("BOOT-42", 2)], order_id)  # 300 pts: 100 + 20.00 EUR
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "approved"
    (auth,) = fake_paypal.authorizations.values()
    assert (auth["status"], auth["captured"]) == ("CAPTURED", Decimal("20.00"))
    paths = [q["path"] for q in fake_paypal.requests if q["method"] == "POST"]
    assert paths[-2:] == [
        f"/v2/checkout/orders/{order_id}/authorize",
        f"/v2/payments/authorizations/{auth['id']}/capture",
    ]


def test_approved_lines_are_captured_once_and_refunded(
    paypal_shop: Shop, fake_paypal: FakePayPal
) -> None:
    shop = paypal_shop
    order_id = _paypal_order(shop, "buyer@acme.test", "23.00")
    fake_paypal.approve(order_id)
    order = _checkout(shop, [("BOOT-42", 2), ("CAP", 3)], order_id).json()  # 330: waits
    assert order["status"] == "pending_approval"
    (auth,) = fake_paypal.authorizations.values()
    assert auth["status"] == "CREATED"
    lines = {line["sku_code"]: line["id"] for line in order["lines"]}
    manager = shop.api(user(shop, "manager@acme.test"))
    body = {
        "lines": [
            {"line_id": lines["BOOT-42"], "decision": "approve", "reason": "ok"},
            {"line_id": lines["CAP"], "decision": "reject", "reason": "no caps"},
        ]
    }
    assert manager.post(f"/approvals/{order['id']}/decision", json=body).status_code == 200
    assert (auth["status"], auth["captured"]) == ("CAPTURED", Decimal("20.00"))
    r = manager.post(
        f"/payments/orders/{order['id']}/refunds",
        json={"points": 50, "reason": "returned"},
        headers={"Idempotency-Key": "r1"},
    )
    assert r.status_code == 200, r.text
    (capture,) = fake_paypal.captures.values()
    assert capture["refunded"] == Decimal("5.00")


def test_everything_rejected_voids_the_authorization(
    paypal_shop: Shop, fake_paypal: FakePayPal
) -> None:
    shop = paypal_shop
    order_id = _paypal_order(shop, "buyer@acme.test", "23.00")
    fake_paypal.approve(order_id)
    order = _checkout(shop, [("BOOT-42", 2), ("CAP", 3)], order_id).json()
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(
        f"/approvals/{order['id']}/decision", json={"decision": "reject", "reason": "no"}
    )
    assert r.status_code == 200, r.text
    (auth,) = fake_paypal.authorizations.values()
    assert auth["status"] == "VOIDED"


def test_wrong_unapproved_or_foreign_orders_are_declined_and_change_nothing(
    paypal_shop: Shop, fake_paypal: FakePayPal
) -> None:
    shop = paypal_shop
    wrong = _paypal_order(shop, "buyer@acme.test", "19.99", key="a")
    fake_paypal.approve(wrong)
    r = _checkout(shop, [("BOOT-42", 2)], wrong, key="k1")
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "approve 20.00 EUR with PayPal"
    unapproved = _paypal_order(shop, "buyer@acme.test", "20.00", key="b")
    assert _checkout(shop, [], unapproved, key="k2").status_code == 409
    theirs = _paypal_order(shop, "other@acme.test", "20.00", key="c")
    fake_paypal.approve(theirs)
    r = _checkout(shop, [], theirs, key="k3")
    assert r.status_code == 409
    assert r.json()["error"]["detail"] == {"code": "unknown_order"}
    assert _checkout(shop, [], "not an id", key="k4").status_code == 422
    assert order_count(shop) == 0
    assert stock(shop, "BOOT-42") == (10, 0)
    assert wallet(shop.portal.db, shop.tenant.id, user(shop, "buyer@acme.test").id) == (100, 0, 0)
    assert fake_paypal.authorizations == {}


def _webhook(event: dict, age: int = 0, sig: str | None = None) -> tuple[bytes, dict[str, str]]:  # type: ignore[type-arg]
    sent = (datetime.now(UTC) - timedelta(seconds=age)).isoformat()
    headers = {
        "PAYPAL-TRANSMISSION-ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "PAYPAL-TRANSMISSION-TIME": sent,
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "PAYPAL-CERT-URL": "https://api.paypal.com/v1/notifications/certs/CERT-360caa42",
        "PAYPAL-TRANSMISSION-SIG": sig
        or transmission_sig("69cd13f0-d67a-11e5-baa3-778b53f4ae55", sent, WEBHOOK_ID, event),
        "Content-Type": "application/json",
    }
    return json.dumps(event).encode(), headers


def test_webhooks_are_verified_with_paypal_and_must_be_fresh(
    paypal_shop: Shop, fake_paypal: FakePayPal
) -> None:
    shop = paypal_shop
    order_id = _paypal_order(shop, "buyer@acme.test", "20.00")
    fake_paypal.approve(order_id)
    order = _checkout(shop, [("BOOT-42", 2)], order_id).json()
    (auth,) = fake_paypal.authorizations.values()
    event = {
        "id": "WH-2WR32451HC0233532-67976317FL4543714",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "resource": {
            "id": "2CAP0000000003",
            "status": "COMPLETED",
            "amount": {"currency_code": "EUR", "value": "20.00"},
            "supplementary_data": {
                "related_ids": {"order_id": order_id, "authorization_id": auth["id"]}
            },
        },
    }
    hooks = shop.api()
    url = "/payments/webhooks/paypal"
    for body, headers in (_webhook(event, sig="Zm9yZ2Vk"), _webhook(event, age=3600)):
        r = hooks.post(url, content=body, headers=headers)
        assert r.status_code == 400, r.text
    manager = shop.api(user(shop, "manager@acme.test"))
    attempts = manager.get(f"/payments/orders/{order['id']}").json()[1]["attempts"]
    assert [a["action"] for a in attempts] == ["authorize"]
    body, headers = _webhook(event)
    assert hooks.post(url, content=body, headers=headers).json() == {
        "recorded": 1,
        "duplicate": 0,
        "unknown": 0,
    }
    assert hooks.post(url, content=body, headers=headers).json()["duplicate"] == 1
    verify = [q for q in fake_paypal.requests if q["path"].endswith("verify-webhook-signature")]
    assert json.loads(verify[-1]["body"])["webhook_id"] == WEBHOOK_ID
