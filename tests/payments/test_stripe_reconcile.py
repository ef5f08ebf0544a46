"""Stripe webhooks reconcile our tender with what Stripe holds (against localstripe): a
refund or a cancellation made in Stripe's dashboard, and a capture we missed."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import stripe
from sqlalchemy import select

from commissary.payments.models import Payment
from commissary.testing import Shop
from tests.helpers import user
from tests.plugins.stripe.test_stripe import _card_tender, _checkout, _save_card, _signed


def _event(event_id: str, kind: str, obj: Any) -> str:
    """An event as Stripe sends it, around the object as localstripe holds it now."""
    data = obj if isinstance(obj, dict) else obj.to_dict()
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": data}})


def _charge(client: stripe.StripeClient, intent_id: str) -> Any:
    intent = client.v1.payment_intents.retrieve(intent_id)
    latest = intent.latest_charge
    return client.v1.charges.retrieve(latest if isinstance(latest, str) else latest.id)


def _intent(client: stripe.StripeClient, intent_id: str) -> dict[str, Any]:
    """The intent as Stripe would send it. localstripe leaves out ``amount_received``
    (what the intent's charge captured); it is filled in from the charge."""
    data: dict[str, Any] = client.v1.payment_intents.retrieve(intent_id).to_dict()
    latest = data.get("latest_charge")
    if latest is not None:
        charge = _charge(client, intent_id)
        data["amount_received"] = charge.amount if charge.captured else 0
        data["latest_charge"] = charge.id
    return data


def _deliver(shop: Shop, payload: str) -> dict[str, int]:
    r = shop.api().post("/payments/webhooks/stripe", content=payload, headers=_signed(payload))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _attempts(shop: Shop, order_id: int) -> list[tuple[str, str, str]]:
    manager = shop.api(user(shop, "manager@acme.test"))
    tender = manager.get(f"/payments/orders/{order_id}").json()[1]
    return [(a["action"], a["amount"], a["outcome"]) for a in tender["attempts"]]


def _paid_order(shop: Shop, client: stripe.StripeClient) -> tuple[dict[str, Any], Payment]:
    pm = _save_card(shop, "buyer@acme.test", client)
    order = _checkout(shop, [("POLO-S", 2), ("POLO-M", 2)], pm).json()  # 100 pts + 6.00 EUR
    assert order["status"] == "approved"
    return order, _card_tender(shop, order["id"])


def test_a_refund_made_in_the_dashboard_is_recorded_once(
    card_shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    shop = card_shop
    order, card = _paid_order(shop, stripe_client)
    # Someone refunds 2.50 EUR in Stripe's dashboard.
    stripe_client.v1.refunds.create(params={"payment_intent": card.reference, "amount": 250})
    charge = _charge(stripe_client, card.reference)
    assert charge.amount_refunded == 250
    payload = _event("evt_refund_1", "charge.refunded", charge)
    assert _deliver(shop, payload) == {"recorded": 1, "duplicate": 0, "unknown": 0}
    card = _card_tender(shop, order["id"])
    assert (card.refunded, card.points_refunded, card.state) == (Decimal("2.5"), 25, "captured")
    assert _attempts(shop, order["id"])[-2:] == [
        ("webhook", "2.5000", "ok"),
        ("reconcile", "2.5000", "ok"),
    ]
    # The same event again changes nothing.
    assert _deliver(shop, payload) == {"recorded": 0, "duplicate": 1, "unknown": 0}
    assert _card_tender(shop, order["id"]).refunded == Decimal("2.5")
    # Stripe's later event with the same total (another id) changes nothing either.
    assert _deliver(shop, _event("evt_refund_1b", "charge.refunded", charge))["recorded"] == 1
    assert _card_tender(shop, order["id"]).refunded == Decimal("2.5")
    assert [a[0] for a in _attempts(shop, order["id"])].count("reconcile") == 1
    # The rest is refunded in the dashboard too: the tender is refunded in full.
    stripe_client.v1.refunds.create(params={"payment_intent": card.reference})
    charge = _charge(stripe_client, card.reference)
    _deliver(shop, _event("evt_refund_2", "charge.refunded", charge))
    card = _card_tender(shop, order["id"])
    assert (card.refunded, card.points_refunded, card.state) == (Decimal("6"), 60, "refunded")


def test_our_own_refund_confirmed_by_the_webhook_changes_nothing(
    card_shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    shop = card_shop
    order, card = _paid_order(shop, stripe_client)
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(
        f"/payments/orders/{order['id']}/refunds",
        json={"points": 25, "reason": "one polo returned"},
        headers={"Idempotency-Key": "ret-1"},
    )
    assert r.status_code == 200, r.text
    charge = _charge(stripe_client, card.reference)
    _deliver(shop, _event("evt_own_refund", "charge.refunded", charge))
    card = _card_tender(shop, order["id"])
    assert (card.refunded, card.points_refunded) == (Decimal("2.5"), 25)
    assert "reconcile" not in [a[0] for a in _attempts(shop, order["id"])]


def test_a_hold_cancelled_in_the_dashboard_releases_the_open_lines(
    card_shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    shop = card_shop
    pm = _save_card(shop, "buyer@acme.test", stripe_client)
    order = _checkout(shop, [("BOOT-42", 2)], pm).json()  # 360: 100 pts + 26.00 EUR, waits
    assert order["status"] == "pending_approval"
    card = _card_tender(shop, order["id"])
    stripe_client.v1.payment_intents.cancel(card.reference)
    payload = _event(
        "evt_cancel", "payment_intent.canceled", _intent(stripe_client, card.reference)
    )
    _deliver(shop, payload)
    card = _card_tender(shop, order["id"])
    assert (card.released, card.points_released, card.state) == (Decimal("26"), 260, "voided")
    assert _attempts(shop, order["id"])[-1] == ("reconcile", "26.0000", "ok")
    assert _deliver(shop, payload)["duplicate"] == 1
    # Approving the order now cannot take the card: the approver gets a 409.
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(
        f"/approvals/{order['id']}/decision", json={"decision": "approve", "reason": "ok"}
    )
    assert r.status_code == 409
    with shop.portal.db.session(shop.tenant.id) as s:
        assert s.scalar(select(Payment.points_captured).where(Payment.id == card.id)) == 0


def test_a_missed_capture_confirmation_is_filled_in_and_a_mismatch_is_flagged(
    card_shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    shop = card_shop
    order, card = _paid_order(shop, stripe_client)
    intent = _intent(stripe_client, card.reference)
    assert intent["amount_received"] == 600
    # Our own capture confirmed: nothing to do.
    _deliver(shop, _event("evt_ok", "payment_intent.succeeded", intent))
    assert "reconcile" not in [a[0] for a in _attempts(shop, order["id"])]
    # A gateway that says it took more than we approved is flagged, amounts untouched.
    wrong = {**intent, "amount_received": 900}
    _deliver(shop, _event("evt_wrong", "payment_intent.succeeded", wrong))
    assert _attempts(shop, order["id"])[-1] == ("reconcile", "9.0000", "declined")
    assert _card_tender(shop, order["id"]).captured == Decimal("6")
