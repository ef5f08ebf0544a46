"""Races on real connections (PostgreSQL with COMMISSARY_TEST_DATABASE_URL): spends and
grants on the same wallets never overspend, and every ledger adds up to its wallet."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import update

from commissary import POINTS, AuthorizeRequest, DraftLine
from commissary.identity.models import User
from commissary.testing import Shop
from commissary_allowance import service
from commissary_allowance.method import AllowancePayment
from commissary_allowance.models import EntryKind
from commissary_allowance.programs import renew_all
from tests.helpers import user
from tests.plugins.allowance.support import category_id, program, wallets


def _race(workers: int, job: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(workers)

    def run(i: int) -> str:
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(workers)))


def _pay(shop: Shop, buyer: User, order_id: int, lines: tuple[DraftLine, ...]) -> str:
    ctx = shop.context(buyer)
    try:
        result = AllowancePayment(ctx).authorize(
            AuthorizeRequest(
                order_id=order_id,
                payer_id=buyer.id,
                amount=Decimal(sum(x.line_points for x in lines)),
                currency=POINTS,
                idempotency_key=f"order:{order_id}:authorize",
                capture=True,
                lines=lines,
            )
        )
        ctx.session.commit()
        return "paid" if result.ok else result.decline_code
    finally:
        ctx.session.close()


def _grant(shop: Shop, buyer: User, i: int) -> str:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        service.move(s, shop.tenant.id, buyer.id, EntryKind.GRANT, 10, key=f"g{i}")
    return "granted"


def test_concurrent_spends_on_one_wallet_never_overspend(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")  # 1,000 points
    polo = DraftLine(1, "POLO-S", 1, None, 1, 75, 75)
    results = _race(20, lambda i: _pay(shop, buyer, 100 + i, (polo,)))
    assert results.count("paid") == 13  # 13 x 75 = 975 of 1,000
    assert results.count("insufficient_points") == 7
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (25, 0, 975)}


def test_concurrent_split_spends_and_grants_keep_every_ledger_exact(shop: Shop) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(User).values(created_at=datetime(2025, 1, 1, tzinfo=UTC)))
    safety = category_id(shop, "safety")
    pid = program(shop, points=100, categories=[safety])
    renew_all(shop.portal.db.transaction, datetime(2026, 11, 25, tzinfo=UTC))
    buyer = user(shop, "buyer@acme.test")  # 1,000 general + 100 safety
    lines = (
        DraftLine(1, "HELM", 1, safety, 1, 35, 35),
        DraftLine(2, "POLO-S", 2, None, 1, 40, 40),
    )

    def job(i: int) -> str:
        return _grant(shop, buyer, i) if i % 3 == 0 else _pay(shop, buyer, 500 + i, lines)

    results = _race(24, job)
    paid, granted = results.count("paid"), results.count("granted")
    assert granted == 8 and paid + results.count("insufficient_points") == 16
    after = wallets(shop.portal.db, shop.tenant.id, buyer.id)  # checks each ledger
    general, restricted = after[0], after[pid]
    assert general[2] + restricted[2] == paid * 75  # spent
    assert general[0] + restricted[0] == 1000 + 100 + granted * 10 - paid * 75
    assert restricted[2] <= paid * 35  # safety points paid only for helmets
    assert min(general[0], restricted[0]) >= 0
