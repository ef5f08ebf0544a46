"""Lots expire earliest-first; reminders fire once per lot and threshold."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from commissary.db import utcnow
from commissary.jobs.models import OutboxEvent
from commissary.testing import Shop
from commissary_allowance import service
from commissary_allowance.jobs import expire_all, remind_all
from commissary_allowance.models import EntryKind
from tests.helpers import user
from tests.plugins.allowance.support import wallets


def _credit(shop: Shop, user_id: int, points: int, days: int, key: str) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        service.credit(
            s,
            shop.tenant.id,
            user_id,
            points,
            key=key,
            reason="expiring grant",
            expires_at=utcnow() + timedelta(days=days),
        )


def _move(shop: Shop, user_id: int, kind: EntryKind, points: int, key: str, order: int) -> bool:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        return service.move(s, shop.tenant.id, user_id, kind, points, key=key, order_id=order)


def test_spending_draws_on_the_earliest_expiring_lot_first(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")  # 1,000 points that never expire
    _credit(shop, buyer.id, 100, days=10, key="late")
    _credit(shop, buyer.id, 100, days=5, key="early")  # granted later, expires sooner
    assert _move(shop, buyer.id, EntryKind.SPEND, 150, "spend", 1)
    tx = shop.portal.db.transaction
    # Day 6: the early lot was spent whole, nothing of it expires.
    assert expire_all(tx, utcnow() + timedelta(days=6)) == 0
    # Day 11: 50 of the late lot were left.
    assert expire_all(tx, utcnow() + timedelta(days=11)) == 50
    assert expire_all(tx, utcnow() + timedelta(days=11)) == 0  # twice: nothing more
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1000, 0, 150)}


def test_held_points_come_back_to_their_lot_and_expire_with_it(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    _credit(shop, buyer.id, 100, days=3, key="soon")
    assert _move(shop, buyer.id, EntryKind.HOLD, 80, "hold", 7)  # from the lot
    tx = shop.portal.db.transaction
    assert expire_all(tx, utcnow() + timedelta(days=4)) == 20  # held points do not expire
    assert _move(shop, buyer.id, EntryKind.RELEASE, 80, "release", 7)  # rejected
    assert expire_all(tx, utcnow() + timedelta(days=4)) == 80  # back in an expired lot
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1000, 0, 0)}


def test_reminders_fire_once_per_lot_and_threshold(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    _credit(shop, buyer.id, 100, days=5, key="a")
    _credit(shop, buyer.id, 60, days=12, key="b")
    tx = shop.portal.db.transaction
    now = utcnow()
    assert remind_all(tx, now, (14, 7)) == 2
    assert remind_all(tx, now, (14, 7)) == 0  # the dedupe key holds
    assert remind_all(tx, now + timedelta(days=6), (14, 7)) == 1  # lot b enters 7 days
    with shop.portal.db.session(shop.tenant.id) as s:
        events = s.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.topic == "points_expiring")
            .order_by(OutboxEvent.id)
        ).all()
    got = [(e.payload["points"], e.payload["days"], e.payload["user_id"]) for e in events]
    assert got == [(100, 7, buyer.id), (60, 14, buyer.id), (60, 7, buyer.id)]
    assert all(e.payload["lot_id"] and e.payload["expires_at"] for e in events)
