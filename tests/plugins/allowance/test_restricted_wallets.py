"""Category-restricted wallets: they pay only for lines of their categories, and checkout
draws on them before the general wallet."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from commissary.identity.models import User
from commissary.testing import Shop, StatementCounter
from commissary_allowance.programs import renew_all
from tests.helpers import sku_id, user
from tests.plugins.allowance.support import category_id, program, wallets

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _safety_allowance(shop: Shop, points: int) -> int:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(User).values(created_at=datetime(2025, 1, 1, tzinfo=UTC)))
    pid = program(shop, points=points, categories=[category_id(shop, "safety")])
    renew_all(shop.portal.db.transaction, NOW)
    return pid


def _order(shop: Shop, buyer: User, key: str, *lines: tuple[str, int]) -> dict:  # type: ignore[type-arg]
    api = shop.api(buyer)
    for code, qty in lines:
        assert (
            api.post(
                "/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty}
            ).status_code
            < 300
        )
    r = api.post("/checkout", headers={"Idempotency-Key": key})
    return {**r.json(), "http": r.status_code}


def test_restricted_points_pay_for_their_category_and_general_points_for_the_rest(
    shop: Shop,
) -> None:
    pid = _safety_allowance(shop, 50)
    buyer = user(shop, "buyer@acme.test")
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1000, 0, 0), pid: (50, 0, 0)}
    # A helmet (35, safety) and a polo (40, shirts): under the approval limit, paid at once.
    order = _order(shop, buyer, "o1", ("HELM", 1), ("POLO-S", 1))
    assert order["http"] == 201, order
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {
        0: (960, 0, 40),
        pid: (15, 0, 35),
    }


def test_a_restricted_wallet_never_pays_for_other_categories(shop: Shop) -> None:
    pid = _safety_allowance(shop, 50)
    buyer = user(shop, "buyer@acme.test")
    assert _order(shop, buyer, "o1", ("POLO-S", 2))["http"] == 201
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (920, 0, 80), pid: (50, 0, 0)}


def test_the_general_wallet_tops_up_what_the_restricted_one_lacks(shop: Shop) -> None:
    pid = _safety_allowance(shop, 20)
    buyer = user(shop, "buyer@acme.test")
    assert _order(shop, buyer, "o1", ("HELM", 1))["http"] == 201
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (985, 0, 15), pid: (0, 0, 20)}


def test_declined_when_the_wallets_together_fall_short_and_nothing_changes(shop: Shop) -> None:
    pid = _safety_allowance(shop, 50)
    poor = shop.user("poor@acme.test", location=shop.locations["N1"], points=10)
    renew_all(shop.portal.db.transaction, NOW)  # poor joined now: pro-rated to a few points
    before = wallets(shop.portal.db, shop.tenant.id, poor.id)
    order = _order(shop, poor, "o1", ("POLO-S", 1))
    assert order["http"] == 409, order
    assert wallets(shop.portal.db, shop.tenant.id, poor.id) == before
    assert pid in before


def test_a_held_split_order_approved_whole_is_captured_from_each_wallet(shop: Shop) -> None:
    pid = _safety_allowance(shop, 50)
    buyer = user(shop, "buyer@acme.test")
    # Boots (180, footwear) x2 + helmet: above the 300 limit, held for approval.
    order = _order(shop, buyer, "o1", ("BOOT-42", 2), ("HELM", 1))
    assert (order["http"], order["status"]) == (201, "pending_approval")
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {
        0: (640, 360, 0),
        pid: (15, 35, 0),
    }
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 200, r.text
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {
        0: (640, 0, 360),
        pid: (15, 0, 35),
    }


def test_a_partial_decision_never_lets_restricted_points_pay_for_other_lines(
    shop: Shop,
) -> None:
    """capture/void get amounts, not lines: captures come from the general hold first and
    releases go to restricted holds first (docs/allowance.md). Here the approved helmet
    is paid from the general wallet and the safety points return: totals are exact and
    no restricted point pays for boots."""
    pid = _safety_allowance(shop, 50)
    buyer = user(shop, "buyer@acme.test")
    order = _order(shop, buyer, "o1", ("BOOT-42", 2), ("HELM", 1))
    manager = shop.api(user(shop, "manager@acme.test"))
    boots, helmet = order["lines"]
    r = manager.post(
        f"/approvals/{order['id']}/decision",
        json={
            "lines": [
                {"line_id": boots["id"], "decision": "reject", "reason": "issued in May"},
                {"line_id": helmet["id"], "decision": "approve"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {
        0: (965, 0, 35),
        pid: (50, 0, 0),
    }


def test_a_general_only_buyer_still_pays_with_one_update_and_one_insert(
    shop: Shop, count_statements: StatementCounter
) -> None:
    from decimal import Decimal

    from commissary import POINTS, AuthorizeRequest
    from commissary_allowance.method import AllowancePayment

    buyer = user(shop, "buyer@acme.test")
    ctx = shop.context(buyer)
    method = AllowancePayment(ctx)
    count_statements.statements.clear()
    result = method.authorize(
        AuthorizeRequest(
            order_id=999,
            payer_id=buyer.id,
            amount=Decimal(40),
            currency=POINTS,
            idempotency_key="k",
            capture=True,
        )
    )
    ctx.session.commit()
    ctx.session.close()
    assert result.ok
    wallet_statements = [s for s in count_statements.statements if "allowance" in s]
    assert len(wallet_statements) == 2, wallet_statements
    assert wallet_statements[0].lstrip().upper().startswith("UPDATE")
    assert wallet_statements[1].lstrip().upper().startswith("INSERT")


def test_cancelling_a_split_paid_order_refunds_each_wallet_what_it_paid(shop: Shop) -> None:
    pid = _safety_allowance(shop, 50)
    buyer = user(shop, "buyer@acme.test")
    order = _order(shop, buyer, "o1", ("HELM", 1), ("POLO-S", 1))
    assert order["http"] == 201, order
    polo = order["lines"][1]
    api = shop.api(buyer)
    # The polo alone: 40 points back, restricted first but at most what it paid (35).
    part = api.post(f"/orders/{order['id']}/cancel", json={"line_ids": [polo["id"]]})
    assert part.status_code == 200, part.text
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {
        0: (965, 0, 35),
        pid: (50, 0, 0),
    }
    rest = api.post(f"/orders/{order['id']}/cancel", json={})
    assert rest.status_code == 200, rest.text
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {
        0: (1000, 0, 0),
        pid: (50, 0, 0),
    }
