"""Entitlements under concurrent submissions, their cost in SQL statements, and the
calendar arithmetic behind their windows."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from commissary.entitlements import periods
from commissary.entitlements.manage import EntitlementData, create
from commissary.entitlements.models import PeriodKind, TargetKind
from commissary.errors import DomainError
from commissary.identity.models import User
from commissary.orders import service as orders
from commissary.testing import Shop, StatementCounter
from tests.helpers import order_count, sku_id, user, wallet


def _entitle(shop: Shop, code: str, quantity: int) -> None:
    ctx = shop.context()
    create(
        ctx,
        EntitlementData(
            name="Polos", target_kind=TargetKind.SKU, target_id=sku_id(shop, code),
            quantity=quantity, period=PeriodKind.YEAR,
        ),
    )  # fmt: skip
    ctx.session.commit()
    ctx.session.close()
    shop.tenant.config_version += 1  # what the next request reads from the database


def _fill(shop: Shop, person: User, *lines: tuple[str, int]) -> None:
    ctx = shop.context(person)
    for code, quantity in lines:
        orders.add_to_cart(ctx, sku_id(shop, code), quantity)
    ctx.session.commit()
    ctx.session.close()


def _submit(shop: Shop, actor: User, key: str, on_behalf_of: int | None = None) -> str:
    ctx = shop.context(actor)
    try:
        orders.submit(ctx, idempotency_key=key, request_print="p", on_behalf_of=on_behalf_of)
        ctx.session.commit()
        return "ordered"
    except DomainError as exc:
        ctx.session.rollback()
        return exc.code
    finally:
        ctx.session.close()


def test_two_concurrent_submissions_for_one_person_cannot_both_slip_under_a_hard_cap(
    shop: Shop,
) -> None:
    """The buyer submits their cart while their manager submits another cart on their
    behalf: each alone fits the cap of 2, together they would not. One is refused."""
    buyer = user(shop, "buyer@acme.test")
    manager = user(shop, "manager@acme.test")
    _fill(shop, buyer, ("POLO-S", 2))
    _fill(shop, manager, ("POLO-S", 2))
    _entitle(shop, "POLO-S", 2)
    barrier = threading.Barrier(2)

    def run(i: int) -> str:
        barrier.wait()
        if i == 0:
            return _submit(shop, buyer, "mine")
        return _submit(shop, manager, "for-buyer", on_behalf_of=buyer.id)

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(run, range(2)))
    assert results == ["invalid", "ordered"]
    assert order_count(shop) == 1
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id)[0] == 1000 - 80


def _count_submit(shop: Shop, person: User, counter: StatementCounter, key: str) -> int:
    _fill(shop, person, ("POLO-S", 1), ("BOOT-42", 1))
    ctx = shop.context(person)
    counter.statements.clear()
    orders.submit(ctx, idempotency_key=key, request_print="x")
    ctx.session.commit()
    ctx.session.close()
    return counter.count


def test_submission_pays_for_entitlements_only_when_one_applies(
    shop: Shop, count_statements: StatementCounter
) -> None:
    buyer = user(shop, "buyer@acme.test")
    base = _count_submit(shop, buyer, count_statements, "none")
    assert not any("entitlement" in s for s in count_statements.statements)
    _entitle(shop, "HELM", 1)  # covers nothing in the cart: still free
    assert _count_submit(shop, buyer, count_statements, "other") == base
    _entitle(shop, "POLO-S", 5)  # covers a line: the guard row and one usage query
    assert _count_submit(shop, buyer, count_statements, "covered") == base + 2
    assert sum("entitlement_guards" in s for s in count_statements.statements) == 1


def test_cart_adds_pay_one_statement_when_an_entitlement_applies(
    shop: Shop, count_statements: StatementCounter
) -> None:
    buyer = user(shop, "buyer@acme.test")
    _fill(shop, buyer, ("HELM", 1))  # warms the caches
    count_statements.statements.clear()
    _fill(shop, buyer, ("POLO-M", 1))
    base = count_statements.count
    _entitle(shop, "POLO-S", 5)
    _fill(shop, buyer, ("HELM", 1))  # the new configuration is loaded once
    count_statements.statements.clear()
    _fill(shop, buyer, ("POLO-S", 1))
    assert count_statements.count == base + 1


def test_calendar_arithmetic() -> None:
    may31 = datetime(2026, 5, 31, 12, tzinfo=UTC)
    assert periods.add_months(may31, -3) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert periods.add_months(may31, 9) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert periods.add_months(datetime(2024, 3, 31, tzinfo=UTC), -1).day == 29
    nov = datetime(2026, 11, 29, 1, tzinfo=UTC)
    assert periods.calendar_bounds("quarter", nov) == (
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert periods.calendar_bounds("month", nov)[1] == datetime(2026, 12, 1, tzinfo=UTC)
    assert periods.period_key("quarter", datetime(2026, 10, 1, tzinfo=UTC)) == "2026-Q4"
    assert [
        periods.period_key("month", s) for s, _ in periods.previous_periods("month", nov, 3)
    ] == [
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    assert periods.human_date(datetime(2027, 3, 4, tzinfo=UTC)) == "4 Mar 2027"


def test_an_amendment_counts_its_changed_lines_once(shop: Shop) -> None:
    """A draft amending an order carries the changed lines' new quantities: the order's
    own lines of those SKUs are replaced by them, not counted twice."""
    from commissary.entitlements import service as entitlements
    from commissary.hooktypes import DraftLine, OrderDraft

    buyer = user(shop, "buyer@acme.test")
    _fill(shop, buyer, ("POLO-S", 2))
    ctx = shop.context(buyer)
    order, _ = orders.submit(ctx, idempotency_key="a", request_print="p")
    ctx.session.commit()
    ctx.session.close()
    _entitle(shop, "POLO-S", 3)
    polo = sku_id(shop, "POLO-S")

    def over(quantity: int) -> list[entitlements.Usage]:
        line = order.lines[0]
        draft = OrderDraft(
            buyer_id=buyer.id,
            location_id=order.location_id,
            lines=(
                DraftLine(polo, "POLO-S", _product(shop, polo), None, quantity, 40, 40 * quantity),
            ),
            amending_order_id=order.id,
            existing_points=0,
        )
        assert line.sku_id == polo
        found = entitlements.applicable(ctx, buyer.id, [(polo, _product(shop, polo), None)])
        return [u for u in entitlements.usage(
            ctx, buyer.id, found, draft_lines=draft.lines, amending=order.id
        ) if u.over]  # fmt: skip

    ctx = shop.context(buyer)
    assert over(3) == []
    assert [u.total for u in over(4)] == [4]
    ctx.session.close()


def _product(shop: Shop, sku: int) -> int:
    from sqlalchemy import select

    from commissary.catalog.models import Sku

    with shop.portal.db.session(shop.tenant.id) as s:
        return int(s.scalar(select(Sku.product_id).where(Sku.id == sku)) or 0)
