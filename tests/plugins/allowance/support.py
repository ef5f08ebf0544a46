"""Helpers for the allowance plugin's tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from commissary.db import Database
from commissary.testing import Shop
from commissary_allowance.models import LedgerEntry, Period, Program, Wallet


def wallets(db: Database, tenant_id: int, user_id: int) -> dict[int, tuple[int, int, int]]:
    """program_id → (available, held, spent) of each of the user's wallets, after checking
    each wallet's ledger adds up to its cached balances."""
    found: dict[int, tuple[int, int, int]] = {}
    with db.session(tenant_id) as s:
        for w in s.scalars(select(Wallet).where(Wallet.user_id == user_id)):
            sums = s.execute(
                select(
                    func.coalesce(func.sum(LedgerEntry.available_delta), 0),
                    func.coalesce(func.sum(LedgerEntry.held_delta), 0),
                ).where(LedgerEntry.wallet_id == w.id)
            ).one()
            assert (w.available, w.held) == tuple(sums), "wallet drifted from its ledger"
            found[w.program_id] = (w.available, w.held, w.spent)
    return found


def category_id(shop: Shop, slug: str) -> int:
    from commissary.catalog.models import Category

    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(Category.id).where(Category.slug == slug))
        assert found is not None
        return found


def program(
    shop: Shop,
    *,
    points: int = 300,
    period: Period = Period.MONTH,
    starts_on: date = date(2026, 1, 1),
    expiry_days: int | None = None,
    rollover_cap: int | None = None,
    categories: list[int] | None = None,
    prorate: bool = True,
    customer_type_id: int | None = None,
) -> int:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        p = Program(
            tenant_id=shop.tenant.id,
            name="Uniform allowance" if not categories else "Safety allowance",
            points_per_period=points,
            period=period,
            starts_on=starts_on,
            expiry_days=expiry_days,
            rollover_cap=rollover_cap,
            prorate=prorate,
            category_ids=categories or [],
            customer_type_id=customer_type_id,
        )
        s.add(p)
        s.flush()
        return p.id
