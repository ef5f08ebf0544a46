"""Stripe captures a PaymentIntent once: lines decided one at a time are kept on our rows
and captured in one call when the last one is decided (against localstripe). An approved
line cancelled before that call is taken off the capture: the buyer is never charged for
it, and the gateway is not asked to refund money it has not taken."""

from __future__ import annotations

from decimal import Decimal

import stripe

from commissary.testing import Shop
from tests.helpers import user, wallet
from tests.payments.test_stripe_reconcile import _deliver, _event
from tests.plugins.stripe.test_stripe import _card_tender, _checkout, _save_card


def _charge_of(client: stripe.StripeClient, intent_id: str) -> stripe.Charge:
    intent = client.v1.payment_intents.retrieve(intent_id)
    latest = intent.latest_charge
    return client.v1.charges.retrieve(latest if isinstance(latest, str) else latest.id)


def test_an_approved_line_cancelled_before_the_capture_is_not_charged(
    card_shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    shop = card_shop
    pm = _save_card(shop, "buyer@acme.test", stripe_client)
    # 340 points: the buyer's 100 points, then 240 on the card (24.00 EUR held).
    lines_in = [("BOOT-42", 1), ("POLO-S", 2), ("POLO-M", 2)]
    order = _checkout(shop, lines_in, pm).json()
    assert order["status"] == "pending_approval"
    lines = {x["sku_code"]: x["id"] for x in order["lines"]}
    manager = shop.api(user(shop, "manager@acme.test"))
    decide = f"/approvals/{order['id']}/decision"

    def decision(code: str, what: str) -> None:
        body = {"lines": [{"line_id": lines[code], "decision": what, "reason": "ok"}]}
        r = manager.post(decide, json=body)
        assert r.status_code == 200, r.text

    decision("BOOT-42", "approve")  # 180: 100 points + 8.00 card
    decision("POLO-S", "approve")  # 80: 8.00 card
    card = _card_tender(shop, order["id"])
    assert (card.captured, card.state) == (Decimal("16.00"), "partially_captured")
    assert stripe_client.v1.payment_intents.retrieve(card.reference).status == ("requires_capture")
    # The buyer cancels the approved polos before the card is captured: the card share
    # comes back first (tape rule) and is taken off the capture to come.
    buyer = shop.api(user(shop, "buyer@acme.test"))
    r = buyer.post(
        f"/orders/{order['id']}/cancel", json={"line_ids": [lines["POLO-S"]], "reason": "x"}
    )
    assert r.status_code == 200, r.text
    card = _card_tender(shop, order["id"])
    assert (card.refunded, card.points_refunded) == (Decimal("8.00"), 80)
    assert _charge_of(stripe_client, card.reference).amount_refunded == 0
    # The last decision makes the one capture: the boots' 8.00, not the polos'.
    decision("POLO-M", "reject")
    intent = stripe_client.v1.payment_intents.retrieve(card.reference)
    assert intent.status == "succeeded"
    charge = _charge_of(stripe_client, card.reference)
    # localstripe models a partial capture as the full charge less a refund of the rest.
    assert charge.captured and charge.amount - charge.amount_refunded == 800
    card = _card_tender(shop, order["id"])
    assert (card.captured, card.released, card.refunded, card.state) == (
        Decimal("16.00"),
        Decimal("8.00"),
        Decimal("8.00"),
        "captured",
    )
    tenders = manager.get(f"/payments/orders/{order['id']}").json()
    assert [(a["action"], a["amount"]) for a in tenders[1]["attempts"]] == [
        ("authorize", "24.0000"),
        ("refund", "8.0000"),
        ("capture", "8.0000"),
    ]
    assert wallet(shop.portal.db, shop.tenant.id, user(shop, "buyer@acme.test").id) == (0, 0, 100)
    # Stripe reports the released remainder as refunded on the charge (16.00 of 24.00):
    # that is no refund of ours to reconcile.
    _deliver(shop, _event("evt_rem", "charge.refunded", _charge_of(stripe_client, card.reference)))
    assert _card_tender(shop, order["id"]).refunded == Decimal("8.00")
    # 2.00 refunded in the dashboard afterwards is.
    stripe_client.v1.refunds.create(params={"payment_intent": card.reference, "amount": 200})
    _deliver(shop, _event("evt_dash", "charge.refunded", _charge_of(stripe_client, card.reference)))
    card = _card_tender(shop, order["id"])
    assert (card.refunded, card.points_refunded) == (Decimal("10.00"), 100)


def test_everything_approved_then_cancelled_before_the_capture_voids_the_hold(
    card_shop: Shop, stripe_client: stripe.StripeClient
) -> None:
    shop = card_shop
    pm = _save_card(shop, "buyer@acme.test", stripe_client)
    order = _checkout(shop, [("BOOT-42", 2), ("POLO-S", 1)], pm).json()  # 100 pts + 30.00
    lines = {x["sku_code"]: x["id"] for x in order["lines"]}
    manager = shop.api(user(shop, "manager@acme.test"))
    decide = f"/approvals/{order['id']}/decision"
    body = {"lines": [{"line_id": lines["BOOT-42"], "decision": "approve", "reason": "ok"}]}
    assert manager.post(decide, json=body).status_code == 200
    buyer = shop.api(user(shop, "buyer@acme.test"))
    r = buyer.post(
        f"/orders/{order['id']}/cancel", json={"line_ids": [lines["BOOT-42"]], "reason": "x"}
    )
    assert r.status_code == 200, r.text
    body = {"lines": [{"line_id": lines["POLO-S"], "decision": "reject", "reason": "no"}]}
    assert manager.post(decide, json=body).status_code == 200
    card = _card_tender(shop, order["id"])
    assert stripe_client.v1.payment_intents.retrieve(card.reference).status == "canceled"
    assert card.state == "refunded"
    assert wallet(shop.portal.db, shop.tenant.id, user(shop, "buyer@acme.test").id) == (100, 0, 0)
