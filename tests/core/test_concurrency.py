"""Races on real database connections: stock is never oversold, a wallet never overspent.

Each thread uses its own session and connection, as concurrent requests do. On SQLite the
writers queue on BEGIN IMMEDIATE; on PostgreSQL they race row locks under READ COMMITTED.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text
from sqlalchemy.orm import Session

from commissary.approvals import service as approvals
from commissary.errors import DomainError
from commissary.identity.models import User
from commissary.orders import service as orders
from commissary.testing import Shop
from commissary_allowance import service as allowance
from commissary_allowance.models import EntryKind
from tests.helpers import order_count, sku_id, stock, user, wallet


def _race(workers: int, job: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(workers)

    def run(i: int) -> str:
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(workers)))


def _submit(
    shop: Shop, buyer: User, key: str, prepare: Callable[[Session], object] | None = None
) -> str:
    """Submit the buyer's cart in a transaction of its own; the outcome as a word."""
    ctx = shop.context(buyer)
    try:
        if prepare is not None:
            prepare(ctx.session)
        _order, replayed = orders.submit(ctx, idempotency_key=key, request_print="p")
        ctx.session.commit()
        return "replayed" if replayed else "ordered"
    except DomainError as exc:
        ctx.session.rollback()
        return exc.code
    finally:
        ctx.session.close()


def test_twenty_buyers_racing_for_five_units_make_exactly_five_orders(shop: Shop) -> None:
    shop.product("Last jackets", [("JACKET", 50, 5)])
    buyers = [
        shop.user(f"racer{i}@acme.test", location=shop.locations["N1"], points=100)
        for i in range(20)
    ]
    jacket = sku_id(shop, "JACKET")
    for buyer in buyers:
        ctx = shop.context(buyer)
        orders.add_to_cart(ctx, jacket, 1)
        ctx.session.commit()
        ctx.session.close()
    results = _race(20, lambda i: _submit(shop, buyers[i], f"race-{i}"))
    assert sorted(results).count("ordered") == 5
    assert results.count("insufficient_stock") == 15
    assert stock(shop, "JACKET") == (5, 5)
    assert order_count(shop) == 5
    spent = sorted(wallet(shop.portal.db, shop.tenant.id, b.id)[2] for b in buyers)
    assert spent == [0] * 15 + [50] * 5


def test_concurrent_holds_on_one_wallet_never_overspend(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")  # 1,000 points

    def hold(i: int) -> str:
        with shop.portal.db.transaction(shop.tenant.id) as s:
            ok = allowance.move(
                s, shop.tenant.id, buyer.id, EntryKind.HOLD, 300, key=f"h{i}", order_id=i
            )
        return "held" if ok else "declined"

    results = _race(12, hold)
    assert results.count("held") == 3
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (100, 900, 0)


def test_one_cart_submitted_by_many_retries_at_once_is_one_order(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    ctx = shop.context(buyer)
    orders.add_to_cart(ctx, sku_id(shop, "POLO-S"), 2)
    ctx.session.commit()
    ctx.session.close()
    results = _race(8, lambda i: _submit(shop, buyer, "same-key"))
    assert results.count("ordered") == 1
    # the others either replay the stored reply or, if they read the cart after it was
    # emptied but before the reply was visible, report the empty cart; none orders twice
    assert set(results) <= {"ordered", "replayed", "invalid"}
    assert order_count(shop) == 1
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (920, 0, 80)


def test_two_approvers_deciding_one_line_settle_it_once(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    manager = user(shop, "manager@acme.test")
    ctx = shop.context(buyer)
    orders.add_to_cart(ctx, sku_id(shop, "BOOT-42"), 2)
    ctx.session.commit()
    ctx.session.close()
    _submit(shop, buyer, "to-decide")
    approvers = [manager, admin] * 3

    def decide(i: int) -> str:
        ctx = shop.context(approvers[i])
        try:
            decision = approvals.Decision.APPROVE if i % 2 else approvals.Decision.REJECT
            approvals.decide_whole(ctx, 1, decision, "race")
            ctx.session.commit()
            return "decided"
        except DomainError as exc:
            ctx.session.rollback()
            return exc.code
        finally:
            ctx.session.close()

    results = _race(len(approvers), decide)
    assert results.count("decided") == 1
    assert results.count("conflict") == len(approvers) - 1
    available, held, spent = wallet(shop.portal.db, shop.tenant.id, buyer.id)
    assert held == 0
    assert (available, spent) in {(1000 - 360, 360), (1000, 0)}
    assert stock(shop, "BOOT-42")[1] == (0 if spent == 0 else 2)


def test_concurrent_checkouts_of_one_cart_under_different_keys_spend_once(shop: Shop) -> None:
    buyer = shop.user("solo@acme.test", location=shop.locations["N1"], points=100)
    ctx = shop.context(buyer)
    orders.add_to_cart(ctx, sku_id(shop, "POLO-S"), 1)  # 40 points
    ctx.session.commit()
    ctx.session.close()
    results = _race(6, lambda i: _submit(shop, buyer, f"key-{i}"))
    assert results.count("ordered") == 1
    assert set(results) <= {"ordered", "conflict", "invalid"}
    assert order_count(shop) == 1
    available, held, spent = wallet(shop.portal.db, shop.tenant.id, buyer.id)
    assert (available, held + spent) == (60, 40)
    assert stock(shop, "POLO-S") == (10, 1)


def test_orders_sharing_skus_never_deadlock_whatever_the_plan(shop: Shop) -> None:
    """Stock rows are locked in SKU order. To provoke the deadlock a plain multi-row UPDATE
    would risk, PostgreSQL is made to store the rows in reverse SKU order and half of the
    transactions to scan the table (physical order) while the other half use the index."""
    codes = [f"MIX-{i}" for i in range(5)]
    shop.product("Mixed", [(code, 1, 10_000) for code in codes])
    ids = [sku_id(shop, code) for code in codes]
    postgres = not shop.portal.db.is_sqlite
    if postgres:
        with shop.portal.db.transaction(shop.tenant.id) as s:
            for sku in reversed(ids):  # new row versions land in reverse SKU order
                s.execute(
                    text("UPDATE stock_levels SET on_hand = on_hand WHERE sku_id = :s"), {"s": sku}
                )
    buyers = [
        shop.user(f"mix{i}@acme.test", location=shop.locations["N1"], points=10_000)
        for i in range(12)
    ]

    def plan(i: int) -> Callable[[Session], object] | None:
        if not postgres:
            return None
        scan = "enable_seqscan" if i % 2 else "enable_indexscan"
        return lambda session: session.execute(
            text(f"SET LOCAL {scan} = off; SET LOCAL enable_bitmapscan = off")
        )

    rounds = 4
    for r in range(rounds):
        for buyer in buyers:
            ctx = shop.context(buyer)
            for sku in ids:
                orders.add_to_cart(ctx, sku, 1)
            ctx.session.commit()
            ctx.session.close()
        results = _race(
            len(buyers), lambda i, r=r: _submit(shop, buyers[i], f"mix-{r}-{i}", plan(i))
        )
        assert results == ["ordered"] * len(buyers)
    for code in codes:
        assert stock(shop, code) == (10_000, rounds * len(buyers))
