"""Money never moves twice or beyond what was authorized: concurrency, crashes, webhooks."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from commissary.approvals import service as approvals
from commissary.errors import DomainError
from commissary.payments import service as payments
from commissary.payments.models import Payment, PaymentAttempt
from commissary.testing import Shop
from tests.helpers import order_count, sku_id, user
from tests.payments.fakegateway import Ledger, sign

CARD = {"method": "fakecard", "data": {"card": "card_visa"}}


@pytest.fixture
def card_shop(split_shop: Shop) -> Shop:
    """A buyer without points, so the card pays every order in full."""
    north = split_shop.locations["N1"]
    split_shop.user("carol@acme.test", roles=["buyer"], location=north)
    return split_shop


def _order(shop: Shop, lines: list[tuple[str, int]], key: str = "k") -> dict:  # type: ignore[type-arg]
    api = shop.api(user(shop, "carol@acme.test"))
    for code, qty in lines:
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty})
        assert r.status_code == 201, r.text
    r = api.post("/checkout", headers={"Idempotency-Key": key}, json={"payment": CARD})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _card(shop: Shop, order_id: int) -> Payment:
    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(Payment).where(Payment.order_id == order_id))
        assert found is not None
        return found


def _race(work, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    outcomes: list[str] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_concurrent_refunds_never_exceed_what_was_captured(
    card_shop: Shop, gateway: Ledger
) -> None:
    shop = card_shop
    order = _order(shop, [("POLO-S", 2), ("CAP", 2)])  # 94 points = 9.40 EUR, captured
    manager = user(shop, "manager@acme.test")

    def refund(i: int) -> None:
        ctx = shop.context(manager)
        try:
            payments.refund(ctx, order["id"], 20, key=f"race-{i}")
            ctx.session.commit()
        finally:
            ctx.session.close()

    outcomes = _race(refund, 8)
    card = _card(shop, order["id"])
    assert outcomes.count("ok") * 20 == card.points_refunded <= 94
    assert card.refunded == gateway.charges["ch_1"].refunded <= card.captured
    assert set(outcomes) <= {"ok", "Conflict"}


def test_concurrent_decisions_never_capture_beyond_the_authorization(
    card_shop: Shop, gateway: Ledger
) -> None:
    shop = card_shop
    manager = user(shop, "manager@acme.test")
    order = _order(shop, [("BOOT-42", 2), ("POLO-S", 2)])  # 440 > 300: waits
    assert order["status"] == "pending_approval"
    line_ids = [line["id"] for line in order["lines"]]

    def decide(i: int) -> None:
        ctx = shop.context(manager)
        try:
            line = line_ids[i % 2]
            kind = approvals.Decision.APPROVE if i % 4 < 2 else approvals.Decision.REJECT
            approvals.decide(ctx, order["id"], [approvals.LineDecision(line, kind, "r")])
            ctx.session.commit()
        finally:
            ctx.session.close()

    outcomes = _race(decide, 6)
    assert outcomes.count("ok") <= 2
    card = _card(shop, order["id"])
    charge = gateway.charges["ch_1"]
    assert card.captured + card.released <= card.authorized == Decimal("44.00")
    assert (charge.captured, charge.voided) == (card.captured, card.released)


def test_a_crash_after_the_gateway_call_is_recovered_by_the_idempotency_key(
    card_shop: Shop, gateway: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway authorized, then the process died before the commit: the client's
    retry with the same Idempotency-Key reuses the gateway key, so one charge exists."""
    from commissary import idempotency
    from commissary.orders import history, service
    from commissary.orders.schemas import CheckoutRequest
    from commissary.payments.policy import PaymentChoice

    shop = card_shop
    api = shop.api(user(shop, "carol@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 1})
    real = history.record

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("power cut")

    monkeypatch.setattr(history, "record", crash)
    body = {"payment": CARD}
    ctx = shop.context(user(shop, "carol@acme.test"))
    with pytest.raises(RuntimeError):
        service.submit(
            ctx,
            idempotency_key="crash",
            request_print=idempotency.fingerprint(CheckoutRequest(**body).model_dump()),
            payment=PaymentChoice("fakecard", {"card": "card_visa"}),
        )
    ctx.session.rollback()
    ctx.session.close()
    assert order_count(shop) == 0 and len(gateway.charges) == 1
    monkeypatch.setattr(history, "record", real)
    r = api.post("/checkout", headers={"Idempotency-Key": "crash"}, json=body)
    assert r.status_code == 201, r.text
    assert len(gateway.charges) == 1  # the retry reused the first authorization
    assert _card(shop, r.json()["id"]).reference == "ch_1"


def test_a_crash_after_a_capture_is_recovered_on_the_retried_decision(
    card_shop: Shop, gateway: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commissary.approvals import service as approval_service

    shop = card_shop
    order = _order(shop, [("BOOT-42", 2)])  # 360: waits
    manager = user(shop, "manager@acme.test")
    real = approval_service.history.record

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("power cut")

    monkeypatch.setattr(approval_service.history, "record", crash)
    ctx = shop.context(manager)
    with pytest.raises(RuntimeError):
        approval_service.decide_whole(ctx, order["id"], approvals.Decision.APPROVE, "ok")
    ctx.session.rollback()
    ctx.session.close()
    assert gateway.charges["ch_1"].captured == Decimal("36.00")  # money moved, DB did not
    monkeypatch.setattr(approval_service.history, "record", real)
    ctx = shop.context(manager)
    approval_service.decide_whole(ctx, order["id"], approvals.Decision.APPROVE, "ok")
    ctx.session.commit()
    ctx.session.close()
    assert gateway.charges["ch_1"].captured == Decimal("36.00")  # not twice
    assert _card(shop, order["id"]).captured == Decimal("36.00")
    # The retried capture reached the gateway with the same key and was answered from it.
    assert [a for a, _, _ in gateway.calls] == ["authorize", "capture"]


def _attempt_count(shop: Shop) -> int:
    with shop.portal.db.session(shop.tenant.id) as s:
        return s.scalar(select(func.count()).select_from(PaymentAttempt)) or 0


def test_webhooks_are_verified_recorded_once_and_refused_when_forged_or_old(
    card_shop: Shop,
) -> None:
    shop = card_shop
    _order(shop, [("CAP", 1)])
    client = shop.api()
    url = "/payments/webhooks/fakecard"
    body = json.dumps({"id": "evt_1", "charge": "ch_1", "state": "captured", "amount": "0.70"})
    raw = body.encode()
    good = client.post(url, content=raw, headers={"Fake-Signature": sign(raw)})
    assert good.status_code == 200, good.text
    assert good.json() == {"recorded": 1, "duplicate": 0, "unknown": 0}
    replay = client.post(url, content=raw, headers={"Fake-Signature": sign(raw)})
    assert replay.json() == {"recorded": 0, "duplicate": 1, "unknown": 0}
    before = _attempt_count(shop)
    forged = body.replace("0.70", "70.00").encode()
    for headers, content in (
        ({"Fake-Signature": sign(raw)}, forged),  # signature of another body
        ({"Fake-Signature": sign(raw, int(time.time()) - 3600)}, raw),  # an hour old
        ({}, raw),
    ):
        r = client.post(url, content=content, headers=headers)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "webhook_refused"
    assert _attempt_count(shop) == before
    assert client.post("/payments/webhooks/fakepo", content=raw).status_code == 404
    assert client.post("/payments/webhooks/nope", content=raw).status_code == 404
    other = shop.portal.tenant("globex")  # the gateway plugin is not enabled there
    r = other.api().post(url, content=raw, headers={"Fake-Signature": sign(raw)})
    assert r.status_code == 404
