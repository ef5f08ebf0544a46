"""Location budgets: spend by approval date over a location's subtree, approval when an
order would overrun one, alerts at 80 % and 100 % once per period, and what it costs."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select, update

from commissary.budgets import alerts
from commissary.db import utcnow
from commissary.entitlements import periods
from commissary.errors import DomainError
from commissary.identity.models import Location, User
from commissary.jobs.models import OutboxEvent
from commissary.orders import service as orders
from commissary.orders.models import LineStatus, Order, OrderLine
from commissary.testing import Shop, StatementCounter
from tests.helpers import sku_id, user


@pytest.fixture
def region(shop: Shop) -> Location:
    """North Region, managed by a regional manager, above the North Store (N1)."""
    regional = shop.user("regional@acme.test", roles=["manager"])
    found = shop.location("R1", "North Region", manager=regional)
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(
            update(Location)
            .where(Location.id == shop.locations["N1"].id)
            .values(parent_id=found.id)
        )
    return found


@pytest.fixture
def admin(shop: Shop) -> User:
    return shop.user("admin@acme.test", roles=["tenant_admin"])


def _budget(shop: Shop, admin: User, location: Location, amount: int, **extra: Any) -> int:
    r = shop.api(admin).post(
        "/budgets",
        json={"location_id": location.id, "period": "month", "amount_points": amount, **extra},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _order(shop: Shop, person: User, key: str, *lines: tuple[str, int]) -> dict[str, Any]:
    api = shop.api(person)
    for code, quantity in lines:
        assert (
            api.post(
                "/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": quantity}
            ).status_code
            == 201
        )
    r = api.post("/checkout", headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _approval(shop: Shop, order_id: int) -> list[dict[str, Any]]:
    with shop.portal.db.session(shop.tenant.id) as s:
        return list(s.scalar(select(Order.approval).where(Order.id == order_id)) or [])


def _lines(shop: Shop, order_id: int, **values: Any) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(OrderLine).where(OrderLine.order_id == order_id).values(**values))


def test_spend_counts_approved_lines_below_the_location_by_approval_date(
    shop: Shop, region: Location, admin: User
) -> None:
    budget_id = _budget(shop, admin, region, 1000)
    buyer = user(shop, "buyer@acme.test")
    approved = _order(shop, buyer, "a", ("POLO-S", 2))  # 80, approved at once
    assert approved["status"] == "approved"
    pending = _order(shop, buyer, "p", ("BOOT-42", 2))  # 360: waits for approval
    assert pending["status"] == "pending_approval"
    old = _order(shop, buyer, "old", ("POLO-M", 1))  # 40, approved last month
    _lines(shop, old["id"], decided_at=periods.add_months(utcnow(), -1))
    rejected = _order(shop, buyer, "r", ("POLO-M", 2))
    _lines(shop, rejected["id"], status=LineStatus.REJECTED)

    regional = user(shop, "regional@acme.test")
    spend = shop.api(regional).get("/budgets/spend", params={"periods": 3}).json()
    assert [(b["budget"]["id"], b["location_name"]) for b in spend] == [(budget_id, "North Region")]
    assert [(p["spent"], p["amount"]) for p in spend[0]["periods"]] == [
        (0, 1000),
        (40, 1000),
        (80, 1000),
    ]
    assert spend[0]["periods"][-1]["period"] == periods.period_key(
        "month", periods.calendar_bounds("month", utcnow())[0]
    )
    # the store manager does not manage the region; the admin sees everything
    assert shop.api(user(shop, "manager@acme.test")).get("/budgets/spend").json() == []
    assert len(shop.api(admin).get("/budgets/spend").json()) == 1
    assert shop.api(buyer).get("/budgets/spend").status_code == 403
    one = shop.api(regional).get(f"/budgets/{budget_id}/spend").json()
    assert one["periods"][-1]["percent"] == 8


def test_an_order_that_would_overrun_a_budget_needs_the_manager_above(
    shop: Shop, region: Location, admin: User
) -> None:
    _budget(shop, admin, shop.locations["N1"], 100)
    buyer = user(shop, "buyer@acme.test")
    assert _order(shop, buyer, "fits", ("POLO-S", 2))["status"] == "approved"  # 80 of 100
    over = _order(shop, buyer, "over", ("POLO-M", 1))  # 120 of 100
    assert over["status"] == "pending_approval"
    regional = user(shop, "regional@acme.test")
    (requirement,) = [a for a in _approval(shop, over["id"]) if a["rule"] == "location_budget"]
    assert requirement["approver"] == f"user:{regional.id}"
    assert (
        requirement["reason"] == "budget of North Store: 120 of 100 pts this month with this order"
    )


def test_a_budget_at_the_top_of_the_tree_is_overrun_with_tenant_admins(
    shop: Shop, region: Location, admin: User
) -> None:
    _budget(shop, admin, region, 50)
    buyer = user(shop, "buyer@acme.test")
    order = _order(shop, buyer, "big", ("POLO-S", 2))
    assert order["status"] == "pending_approval"
    assert [a["approver"] for a in _approval(shop, order["id"])] == ["role:tenant_admin"]


def test_a_tracking_budget_asks_for_nothing(shop: Shop, region: Location, admin: User) -> None:
    _budget(shop, admin, region, 50, needs_approval=False)
    order = _order(shop, user(shop, "buyer@acme.test"), "t", ("POLO-S", 2))
    assert order["status"] == "approved"


def _threshold_events(shop: Shop) -> list[dict[str, Any]]:
    with shop.portal.db.session() as s:
        return [
            dict(p)
            for p in s.scalars(
                select(OutboxEvent.payload)
                .where(OutboxEvent.topic == "budget_threshold")
                .order_by(OutboxEvent.id)
            )
        ]


def test_alerts_fire_once_per_budget_period_and_threshold(
    shop: Shop, region: Location, admin: User
) -> None:
    budget_id = _budget(shop, admin, shop.locations["N1"], 100)
    buyer = user(shop, "buyer@acme.test")
    store_manager = user(shop, "manager@acme.test")
    first = _order(shop, buyer, "one", ("POLO-S", 2))  # 80 %
    with _ctx(shop) as ctx:
        assert alerts.after_order(ctx, first["id"]) == 1
    assert alerts.check_all(shop.portal.db, shop.portal.host) == 0  # the job: sent already
    (event,) = _threshold_events(shop)
    month = periods.period_key("month", periods.calendar_bounds("month", utcnow())[0])
    assert event == {
        "budget_id": budget_id,
        "location_id": shop.locations["N1"].id,
        "period": month,
        "user_ids": [store_manager.id],
        "percent": 80,
        "spent": 80,
        "amount": 100,
    }
    second = _order(shop, buyer, "two", ("POLO-M", 1))  # waits: spends nothing yet
    assert alerts.check_all(shop.portal.db, shop.portal.host) == 0
    _lines(shop, second["id"], status=LineStatus.APPROVED, decided_at=utcnow())
    assert alerts.check_all(shop.portal.db, shop.portal.host) == 1
    assert alerts.check_all(shop.portal.db, shop.portal.host) == 0
    assert [(e["percent"], e["spent"]) for e in _threshold_events(shop)] == [(80, 80), (100, 120)]


class _ctx:
    """A service context for the worker side (no actor), committed on exit."""

    def __init__(self, shop: Shop) -> None:
        self.ctx = shop.context()

    def __enter__(self) -> Any:
        return self.ctx

    def __exit__(self, *exc: object) -> None:
        self.ctx.session.commit()
        self.ctx.session.close()


def test_concurrent_orders_cannot_both_slip_under_a_budget(
    shop: Shop, region: Location, admin: User
) -> None:
    _budget(shop, admin, shop.locations["N1"], 100)
    buyers = [
        shop.user(f"b{i}@acme.test", location=shop.locations["N1"], points=500) for i in range(2)
    ]
    for buyer in buyers:
        ctx = shop.context(buyer)
        orders.add_to_cart(ctx, sku_id(shop, "POLO-S"), 2)  # 80 each
        ctx.session.commit()
        ctx.session.close()
    barrier = threading.Barrier(2)

    def submit(i: int) -> str:
        barrier.wait()
        ctx = shop.context(buyers[i])
        try:
            order, _ = orders.submit(ctx, idempotency_key=f"k{i}", request_print="p")
            ctx.session.commit()
            return order.status.value
        except DomainError as exc:
            ctx.session.rollback()
            return exc.code
        finally:
            ctx.session.close()

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(submit, range(2))) == ["approved", "pending_approval"]


def test_submission_cost_with_and_without_budgets(
    shop: Shop, region: Location, admin: User, count_statements: StatementCounter
) -> None:
    buyer = user(shop, "buyer@acme.test")

    def submit(key: str) -> int:
        ctx = shop.context(buyer)
        orders.add_to_cart(ctx, sku_id(shop, "POLO-S"), 1)
        ctx.session.commit()
        ctx.session.close()
        ctx = shop.context(buyer)
        count_statements.statements.clear()
        orders.submit(ctx, idempotency_key=key, request_print="x")
        ctx.session.commit()
        ctx.session.close()
        return count_statements.count

    base = submit("none")
    assert not any(
        "location_budgets" in s or "budget_chain" in s for s in count_statements.statements
    )
    _budget(shop, admin, shop.locations["S1"], 1000)  # elsewhere: one look up the tree
    shop.tenant.config_version += 1
    assert submit("elsewhere") == base + 1
    _budget(shop, admin, region, 1000)  # above the buyer: the chain, the turn, the spend
    shop.tenant.config_version += 1
    assert submit("above") == base + 3


def test_admins_set_budgets_and_bad_input_is_refused(
    shop: Shop, region: Location, admin: User
) -> None:
    api = shop.api(admin)
    budget_id = _budget(shop, admin, region, 500)
    again = api.post(
        "/budgets", json={"location_id": region.id, "period": "month", "amount_points": 5}
    )
    assert again.status_code == 409
    assert (
        api.post(
            "/budgets", json={"location_id": 999_999, "period": "month", "amount_points": 5}
        ).json()["error"]["message"]
        == "there is no location 999999"
    )
    assert (
        api.post(
            "/budgets", json={"location_id": region.id, "period": "week", "amount_points": 5}
        ).status_code
        == 422
    )
    changed = api.put(
        f"/budgets/{budget_id}",
        json={"period": "quarter", "amount_points": 900, "needs_approval": False},
    ).json()
    assert (changed["period"], changed["amount_points"], changed["needs_approval"]) == (
        "quarter",
        900,
        False,
    )
    manager = shop.api(user(shop, "regional@acme.test"))
    assert manager.post("/budgets", json={"location_id": region.id}).status_code == 403
    assert manager.delete(f"/budgets/{budget_id}").status_code == 403
    assert api.delete(f"/budgets/{budget_id}").status_code == 204
    assert api.get(f"/budgets/{budget_id}").status_code == 404
