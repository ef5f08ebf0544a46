"""Split tender at checkout and approval: points first, the remainder by card or invoice."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from commissary.payments.models import Payment, PaymentAttempt
from commissary.testing import Shop
from tests.helpers import order_count, sku_id, stock, user, wallet
from tests.payments.conftest import set_split_policy
from tests.payments.fakegateway import Ledger

CARD = {"method": "fakecard", "data": {"card": "card_visa"}}


def _fill(api, shop: Shop, *lines: tuple[str, int]) -> None:  # type: ignore[no-untyped-def]
    for code, qty in lines:
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty})
        assert r.status_code == 201, r.text


def _tenders(shop: Shop, order_id: int) -> list[tuple[str, int, Decimal, Decimal, Decimal, str]]:
    with shop.portal.db.session(shop.tenant.id) as s:
        rows = s.scalars(
            select(Payment).where(Payment.order_id == order_id).order_by(Payment.position)
        )
        return [(p.method, p.points, p.authorized, p.captured, p.released, p.state) for p in rows]


def _attempts(shop: Shop) -> list[tuple[str, Decimal, str]]:
    with shop.portal.db.session(shop.tenant.id) as s:
        rows = s.scalars(select(PaymentAttempt).order_by(PaymentAttempt.id))
        return [(a.action, a.amount, a.outcome) for a in rows]


def test_points_first_then_the_card_pays_the_rest(split_shop: Shop, gateway: Ledger) -> None:
    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 2), ("POLO-M", 1))  # 120 points, the buyer has 100
    r = api.post("/checkout", headers={"Idempotency-Key": "split-1"}, json={"payment": CARD})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "approved"
    assert _tenders(shop, order["id"]) == [
        ("allowance", 100, Decimal(100), Decimal(100), Decimal(0), "captured"),
        ("fakecard", 20, Decimal("2.00"), Decimal("2.00"), Decimal(0), "captured"),
    ]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (0, 0, 100)
    assert [(a, k.split(":")[-1], m) for a, k, m in gateway.calls] == [
        ("authorize", "fakecard", Decimal("2.00"))
    ]
    assert _attempts(shop) == [("authorize", Decimal("2.00"), "ok")]


def test_a_choice_is_not_needed_when_points_cover_the_order(split_shop: Shop, gateway) -> None:  # type: ignore[no-untyped-def]
    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 2))
    r = api.post("/checkout", headers={"Idempotency-Key": "k"}, json={"payment": CARD})
    assert r.status_code == 201, r.text
    assert [t[0] for t in _tenders(shop, r.json()["id"])] == ["allowance"]
    assert gateway.calls == []


def test_without_a_choice_short_points_still_answer_409(split_shop: Shop) -> None:
    shop = split_shop
    api = shop.api(user(shop, "buyer@acme.test"))
    _fill(api, shop, ("BOOT-42", 1))
    r = api.post("/checkout", headers={"Idempotency-Key": "k"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "insufficient_funds"
    assert order_count(shop) == 0


def test_bad_choices_are_clear_4xx_and_change_nothing(split_shop: Shop, gateway) -> None:  # type: ignore[no-untyped-def]
    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("BOOT-42", 1))
    cases = [
        ({"method": "paypal", "data": {}}, 422, "pay the remainder with one of"),
        ({"method": "fakecard", "data": {"card": "4242"}}, 422, "choose a saved card"),
        ({"method": "fakepo", "data": {"x": "y"}}, 422, "takes no payment details"),
        ({"method": "allowance", "data": {}}, 422, "pay the remainder with one of"),
    ]
    for i, (choice, status, message) in enumerate(cases):
        r = api.post("/checkout", headers={"Idempotency-Key": f"bad-{i}"}, json={"payment": choice})
        assert r.status_code == status, r.text
        assert message in r.json()["error"]["message"]
    set_split_policy(shop, ["fakecard"], employee_card=False)
    r = api.post("/checkout", headers={"Idempotency-Key": "own-card"}, json={"payment": CARD})
    assert r.status_code == 403
    assert "own card" in r.json()["error"]["message"]
    assert order_count(shop) == 0
    assert stock(shop, "BOOT-42") == (5, 0)
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (100, 0, 0)
    assert gateway.calls == []
    assert len(api.get("/cart").json()["lines"]) == 1


def test_a_declined_card_rolls_the_whole_order_back(split_shop: Shop, gateway: Ledger) -> None:
    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("BOOT-42", 1))
    gateway.decline_next = True
    r = api.post("/checkout", headers={"Idempotency-Key": "k"}, json={"payment": CARD})
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "Your card was declined."
    assert order_count(shop) == 0
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (100, 0, 0)
    assert stock(shop, "BOOT-42") == (5, 0)


def test_retried_checkout_returns_the_same_order_and_charges_once(
    split_shop: Shop, gateway
) -> None:  # type: ignore[no-untyped-def]
    shop = split_shop
    api = shop.api(user(shop, "buyer@acme.test"))
    _fill(api, shop, ("BOOT-42", 1))
    first = api.post("/checkout", headers={"Idempotency-Key": "k"}, json={"payment": CARD})
    again = api.post("/checkout", headers={"Idempotency-Key": "k"}, json={"payment": CARD})
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(gateway.calls) == 1
    assert len(gateway.charges) == 1


def test_decisions_capture_points_first_and_release_the_card_first(
    split_shop: Shop, gateway: Ledger
) -> None:
    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("BOOT-42", 1), ("POLO-S", 2), ("CAP", 1))  # 180 + 80 + 7 = 267 ...
    _fill(api, shop, ("POLO-M", 1))  # ... + 40 = 307 > 300: needs approval
    r = api.post("/checkout", headers={"Idempotency-Key": "k"}, json={"payment": CARD})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "pending_approval"
    assert _tenders(shop, order["id"]) == [
        ("allowance", 100, Decimal(100), Decimal(0), Decimal(0), "authorized"),
        ("fakecard", 207, Decimal("20.70"), Decimal(0), Decimal(0), "authorized"),
    ]
    lines = {line["sku_code"]: line["id"] for line in order["lines"]}
    manager = shop.api(user(shop, "manager@acme.test"))

    def decide(code: str, decision: str) -> None:
        body = {"lines": [{"line_id": lines[code], "decision": decision, "reason": "ok"}]}
        r = manager.post(f"/approvals/{order['id']}/decision", json=body)
        assert r.status_code == 200, r.text

    decide("POLO-S", "approve")  # 80 points: all from points
    decide("BOOT-42", "reject")  # 180: all from the card's back end
    decide("CAP", "approve")  # 7: 20 points left, 7 of them
    decide("POLO-M", "approve")  # 40: 13 points, then 27 on the card
    assert _tenders(shop, order["id"]) == [
        ("allowance", 100, Decimal(100), Decimal(100), Decimal(0), "captured"),
        ("fakecard", 207, Decimal("20.70"), Decimal("2.70"), Decimal("18.00"), "captured"),
    ]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (0, 0, 100)
    charge = gateway.charges["ch_1"]
    assert (charge.captured, charge.voided) == (Decimal("2.70"), Decimal("18.00"))
    assert [a for a, _, _ in _attempts(shop)] == ["authorize", "void", "capture"]


def _paid_order(shop: Shop, key: str = "k") -> int:
    api = shop.api(user(shop, "buyer@acme.test"))
    _fill(api, shop, ("POLO-S", 2), ("POLO-M", 1), ("CAP", 2))  # 134: 100 pts + 3.40 EUR
    r = api.post("/checkout", headers={"Idempotency-Key": key}, json={"payment": CARD})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_refunds_give_back_the_card_first(split_shop: Shop, gateway: Ledger) -> None:
    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    order_id = _paid_order(shop)  # 100 points + 34 points' worth (3.40 EUR) by card
    manager = shop.api(user(shop, "manager@acme.test"))
    url = f"/payments/orders/{order_id}/refunds"

    def refund(points: int, key: str):  # type: ignore[no-untyped-def]
        body = {"points": points, "reason": "returned"}
        return manager.post(url, json=body, headers={"Idempotency-Key": key})

    r = refund(30, "r1")
    assert r.status_code == 200, r.text
    assert [(t["method"], t["refunded"], t["state"]) for t in r.json()] == [
        ("allowance", "0.0000", "captured"),
        ("fakecard", "3.0000", "captured"),
    ]
    again = refund(30, "r1")  # a retry: the same answer, nothing refunded twice
    assert (again.status_code, again.json()) == (200, r.json())
    assert refund(31, "r1").status_code == 422  # the same key with another body
    # 4 more from the card and 6 from points: the points go back to the wallet.
    r = refund(10, "r2")
    assert r.status_code == 200, r.text
    assert [(t["method"], t["refunded"]) for t in r.json()] == [
        ("allowance", "6.0000"),
        ("fakecard", "3.4000"),
    ]
    assert refund(200, "r3").status_code == 409  # more than was captured and not refunded
    assert gateway.charges["ch_1"].refunded == Decimal("3.40")
    assert [(a, m) for a, _, m in gateway.calls if a == "refund"] == [
        ("refund", Decimal("3.00")),
        ("refund", Decimal("0.40")),
    ]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (6, 0, 94)
    assert [t[5] for t in _tenders(shop, order_id)] == ["captured", "refunded"]


def test_a_refund_reaching_a_method_that_cannot_refund_changes_nothing(split_shop: Shop) -> None:
    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 2), ("POLO-M", 1), ("CAP", 2))  # 100 pts + 34 on invoice
    r = api.post(
        "/checkout", headers={"Idempotency-Key": "po"}, json={"payment": {"method": "fakepo"}}
    )
    assert r.status_code == 201, r.text
    manager = shop.api(user(shop, "manager@acme.test"))
    refused = manager.post(
        f"/payments/orders/{r.json()['id']}/refunds",
        json={"points": 10, "reason": "returned"},
        headers={"Idempotency-Key": "x"},
    )
    assert refused.status_code == 409
    assert "Invoice cannot refund" in refused.json()["error"]["message"]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (0, 0, 100)


def test_tenders_and_refunds_of_another_tenants_order_are_404(split_shop: Shop) -> None:
    order_id = _paid_order(split_shop)
    other = split_shop.portal.tenant("globex", plugins={"allowance": {}, "fakegateway": {}})
    boss = other.user("boss@globex.test", roles=["tenant_admin", "manager"])
    api = other.api(boss)
    assert api.get(f"/payments/orders/{order_id}").status_code == 404
    r = api.post(
        f"/payments/orders/{order_id}/refunds",
        json={"points": 1, "reason": "x"},
        headers={"Idempotency-Key": "x"},
    )
    assert r.status_code == 404
    mine = split_shop.api(user(split_shop, "manager@acme.test")).get(f"/payments/orders/{order_id}")
    assert [t["method"] for t in mine.json()] == ["allowance", "fakecard"]
    assert [a["action"] for a in mine.json()[1]["attempts"]] == ["authorize"]


def test_policy_is_managed_by_tenant_admins_and_validated(split_shop: Shop) -> None:
    admin = split_shop.api(user(split_shop, "admin@acme.test"))
    assert admin.get("/payments/policy").json()["remainder_methods"] == ["fakecard", "fakepo"]
    body = {
        "remainder_methods": ["fakepo"],
        "employee_card": False,
        "currency": "EUR",
        "point_value": "0.05",
    }
    assert admin.put("/payments/policy", json=body).status_code == 200
    assert admin.get("/payments/policy").json()["point_value"] == "0.050000"
    for bad in (
        {**body, "remainder_methods": ["nope"]},
        {**body, "remainder_methods": ["allowance"]},
        {**body, "point_value": "0"},
        {**body, "currency": "euro"},
    ):
        assert admin.put("/payments/policy", json=bad).status_code == 422
    buyer = split_shop.api(user(split_shop, "buyer@acme.test"))
    assert buyer.put("/payments/policy", json=body).status_code == 403


def _warm(shop: Shop) -> None:
    """One small order first: the counts below are those of a warm process, whose
    per-tenant caches (approval rules, "sells kits") are loaded."""
    api = shop.api(user(shop, "buyer@acme.test"))
    _fill(api, shop, ("CAP", 1))
    assert api.post("/checkout", headers={"Idempotency-Key": "warm"}).status_code == 201


def test_points_only_checkout_reads_no_payment_policy(split_shop: Shop, count_statements) -> None:  # type: ignore[no-untyped-def]
    """The split-tender machinery costs the points-only checkout no statement."""
    from commissary.orders import service

    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    _warm(shop)
    _fill(shop.api(buyer), shop, ("POLO-S", 1), ("CAP", 1))
    ctx = shop.context(buyer)
    count_statements.statements.clear()
    service.submit(ctx, idempotency_key="count", request_print="x")
    ctx.session.commit()
    ctx.session.close()
    assert count_statements.count <= 12, "\n".join(count_statements.statements)
    assert not [s for s in count_statements.statements if "payment_policies" in s]
    assert not [s for s in count_statements.statements if "payment_attempts" in s]


def test_split_checkout_statement_count(split_shop: Shop, count_statements) -> None:  # type: ignore[no-untyped-def]
    """Split tender adds the policy read, the balance read, the card tender's INSERT and
    its attempt: a fixed number, whatever the cart holds."""
    from commissary.orders import service
    from commissary.payments.policy import PaymentChoice

    shop = split_shop
    buyer = user(shop, "buyer@acme.test")
    _warm(shop)
    _fill(shop.api(buyer), shop, ("BOOT-42", 1), ("POLO-S", 1), ("CAP", 1))
    ctx = shop.context(buyer)
    count_statements.statements.clear()
    choice = PaymentChoice("fakecard", {"card": "card_visa"})
    service.submit(ctx, idempotency_key="count", request_print="x", payment=choice)
    ctx.session.commit()
    ctx.session.close()
    assert count_statements.count <= 16, "\n".join(count_statements.statements)
