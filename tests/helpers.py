"""Small helpers shared by the test modules."""

from __future__ import annotations

from sqlalchemy import func, select

from commissary.db import Database
from commissary.identity.models import User
from commissary.inventory.models import StockLevel
from commissary.orders.models import Order
from commissary.testing import Shop
from commissary_allowance.models import LedgerEntry, Wallet


def user(shop: Shop, email: str) -> User:
    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(User).where(User.email == email))
        assert found is not None
        return found


def sku_id(shop: Shop, code: str) -> int:
    from commissary.catalog.models import Sku

    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(Sku.id).where(Sku.code == code))
        assert found is not None
        return found


def stock(shop: Shop, code: str) -> tuple[int, int]:
    """(on_hand, reserved) of a SKU."""
    with shop.portal.db.session(shop.tenant.id) as s:
        level = s.get(StockLevel, sku_id(shop, code))
        assert level is not None
        return level.on_hand, level.reserved


def wallet(db: Database, tenant_id: int, user_id: int) -> tuple[int, int, int]:
    """(available, held, spent), after checking the ledger adds up to the cached balances."""
    with db.session(tenant_id) as s:
        w = s.scalar(select(Wallet).where(Wallet.user_id == user_id))
        if w is None:
            return (0, 0, 0)
        sums = s.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.available_delta), 0),
                func.coalesce(func.sum(LedgerEntry.held_delta), 0),
            ).where(LedgerEntry.wallet_id == w.id)
        ).one()
        assert (w.available, w.held) == tuple(sums), "wallet drifted from its ledger"
        return w.available, w.held, w.spent


def order_count(shop: Shop) -> int:
    with shop.portal.db.session(shop.tenant.id) as s:
        return s.scalar(select(func.count()).select_from(Order)) or 0
