"""The order lifecycle under random use: submissions, decisions, amendments, cancellations.

After every step the books must balance: stock reserved equals the units of open lines,
the buyer's held points equal the points of pending lines and the spent points those of
approved ones, every line has exactly one state, and every history entry has its event
in the outbox.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from commissary.inventory.models import StockLevel
from commissary.jobs.models import OutboxEvent
from commissary.orders.models import LineStatus, Order, OrderEvent, OrderLine
from commissary.testing import Portal, Shop
from tests.helpers import sku_id, user, wallet

CODES = ["POLO-S", "POLO-M", "BOOT-42", "HELM"]
GRANTED = 3_000
OPEN = (LineStatus.PENDING, LineStatus.APPROVED, LineStatus.IN_FULFILMENT)
_keys = itertools.count()


def _key() -> str:
    return f"m{next(_keys)}"


def _fresh_shop(portal: Portal) -> Shop:
    """A tenant of its own per example, so every example starts from the same state."""
    shop = portal.tenant(f"m{next(_keys)}", threshold=300)
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.user("buyer@acme.test", location=north, points=GRANTED)
    shop.product("Polo shirt", [("POLO-S", 40, 40), ("POLO-M", 40, 40)], category="shirts")
    shop.product("Safety boots", [("BOOT-42", 180, 40)], category="footwear")
    shop.product("Helmet", [("HELM", 35, 40)], category="safety")
    return shop


def run_machine(portal: Portal) -> None:
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.shop = shop = _fresh_shop(portal)
            self.buyer = buyer = user(shop, "buyer@acme.test")
            self.buyer_api = shop.api(buyer)
            self.manager_api = shop.api(user(shop, "manager@acme.test"))
            self.skus = {code: sku_id(shop, code) for code in CODES}

        def _orders(self) -> list[dict[str, Any]]:
            listed = self.buyer_api.get("/orders", params={"limit": 100}).json()
            return [self.buyer_api.get(f"/orders/{o['id']}").json() for o in listed[:5]]

        @rule(
            lines=st.dictionaries(st.sampled_from(CODES), st.integers(1, 4), min_size=1),
        )
        def submit(self, lines: dict[str, int]) -> None:
            for code, quantity in lines.items():
                self.buyer_api.post(
                    "/cart/lines", json={"sku_id": self.skus[code], "quantity": quantity}
                )
            r = self.buyer_api.post("/checkout", headers={"Idempotency-Key": _key()})
            assert r.status_code in (201, 409, 422), r.text
            if r.status_code != 201:
                for line in self.buyer_api.get("/cart").json()["lines"]:
                    self.buyer_api.delete(f"/cart/lines/{line['id']}")

        @rule(data=st.data())
        def decide(self, data: st.DataObject) -> None:
            inbox = self.manager_api.get("/approvals").json()["items"]
            if not inbox:
                return
            order_id = data.draw(st.sampled_from([o["order_id"] for o in inbox]))
            order = self.buyer_api.get(f"/orders/{order_id}").json()
            pending = [x for x in order["lines"] if x["status"] == "pending"]
            chosen = data.draw(
                st.lists(st.sampled_from(pending), min_size=1, unique_by=lambda x: x["id"])
            )
            decisions = [
                {
                    "line_id": x["id"],
                    "decision": data.draw(st.sampled_from(["approve", "reject"])),
                    "reason": "machine",
                }
                for x in chosen
            ]
            r = self.manager_api.post(f"/approvals/{order_id}/decision", json={"lines": decisions})
            assert r.status_code in (200, 409), r.text
            event(f"decide {r.status_code}")

        @rule(data=st.data())
        def amend(self, data: st.DataObject) -> None:
            orders = [
                o
                for o in self._orders()
                if o["status"] in ("pending_approval", "approved", "partially_approved")
            ]
            if not orders:
                return
            order = data.draw(st.sampled_from(orders))
            open_lines = [x for x in order["lines"] if x["status"] in ("pending", "approved")]
            body: dict[str, Any] = {}
            if open_lines and data.draw(st.booleans()):
                line = data.draw(st.sampled_from(open_lines))
                body["lines"] = [{"line_id": line["id"], "quantity": data.draw(st.integers(0, 5))}]
            if data.draw(st.booleans()) or not body:
                code = data.draw(st.sampled_from(CODES))
                body["add"] = [
                    {"sku_id": self.skus[code], "quantity": data.draw(st.integers(1, 3))}
                ]
            r = self.buyer_api.post(
                f"/orders/{order['id']}/amend", json=body, headers={"Idempotency-Key": _key()}
            )
            assert r.status_code in (200, 409, 422), r.text
            event(f"amend {r.status_code}")

        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            orders = self._orders()
            if not orders:
                return
            order = data.draw(st.sampled_from(orders))
            open_lines = [x["id"] for x in order["lines"] if x["status"] in ("pending", "approved")]
            body: dict[str, Any] = {"reason": "machine"}
            if open_lines and data.draw(st.booleans()):
                body["line_ids"] = data.draw(
                    st.lists(st.sampled_from(open_lines), min_size=1, unique=True)
                )
            r = self.buyer_api.post(f"/orders/{order['id']}/cancel", json=body)
            assert r.status_code in (200, 409), r.text
            event(f"cancel {r.status_code}")

        @invariant()
        def books_balance(self) -> None:
            available, held, spent = wallet(portal.db, self.shop.tenant.id, self.buyer.id)
            with portal.db.session(self.shop.tenant.id) as s:
                by_status = dict(
                    s.execute(
                        select(
                            OrderLine.status, func.coalesce(func.sum(OrderLine.line_points), 0)
                        ).group_by(OrderLine.status)
                    ).all()
                )
                assert held == by_status.get(LineStatus.PENDING, 0)
                assert spent == by_status.get(LineStatus.APPROVED, 0) + by_status.get(
                    LineStatus.IN_FULFILMENT, 0
                )
                assert available + held + spent == GRANTED
                open_units = dict(
                    s.execute(
                        select(OrderLine.sku_id, func.sum(OrderLine.quantity))
                        .where(OrderLine.status.in_(OPEN))
                        .group_by(OrderLine.sku_id)
                    ).all()
                )
                for level in s.scalars(select(StockLevel)):
                    assert level.on_hand == 40
                    assert level.reserved == open_units.get(level.sku_id, 0), level.sku_id
                    assert 0 <= level.reserved <= level.on_hand
                history = s.scalar(select(func.count()).select_from(OrderEvent)) or 0
                events = s.scalar(
                    select(func.count()).where(
                        OutboxEvent.tenant_id == self.shop.tenant.id,
                        OutboxEvent.topic.like("order\\_%", escape="\\"),
                    )
                )
                assert events == history
                totals = s.execute(
                    select(Order.id, Order.total_points, func.sum(OrderLine.line_points))
                    .join(OrderLine, OrderLine.order_id == Order.id)
                    .group_by(Order.id, Order.total_points)
                ).all()
                for _id, total, lines in totals:
                    assert total == lines

    Lifecycle.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        # Every step is an HTTP round trip: shrinking a failure could take many minutes.
        # The failing sequence is printed as found.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    Lifecycle.TestCase().runTest()


def test_the_books_balance_through_any_sequence_of_changes(portal: Portal) -> None:
    run_machine(portal)
