"""Invitation links at the service level: single use even when two submissions race,
only the SHA-256 of the secret is stored, a new invitation revokes the old."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from commissary.errors import DomainError
from commissary.identity import invites
from commissary.identity.models import User, UserInvite
from commissary.identity.passwords import verify_password
from commissary.testing import Portal


def test_a_link_works_once_when_two_submissions_race(portal: Portal) -> None:
    shop = portal.tenant("acme")
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    ctx = shop.context(admin)
    invitation = invites.invite_user(
        ctx,
        email="racer@acme.test",
        name="Racer",
        roles=["buyer"],
        location_id=None,
        language=None,
        base_url="https://portal.example",
    )
    ctx.session.commit()
    ctx.session.close()
    secret = invitation.url.rsplit("/", 1)[1]
    assert invitation.url == f"https://portal.example/t/acme/invite/{secret}"
    with portal.db.session(shop.tenant.id) as s:
        stored = s.scalar(select(UserInvite.token_hash))
    assert stored is not None and secret not in stored and len(stored) == 64

    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit(password: str) -> None:
        barrier.wait()
        c = shop.context()
        try:
            invites.accept(c, secret, password, password)
            c.session.commit()
            outcomes.append(password)
        except DomainError as exc:
            c.session.rollback()
            outcomes.append(f"{exc.status_code}")
        finally:
            c.session.close()

    threads = [
        threading.Thread(target=submit, args=(p,)) for p in ("first-password-1", "second-pass-2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [o for o in outcomes if o != "410"]
    assert len(winners) == 1 and outcomes.count("410") == 1, outcomes
    with portal.db.session(shop.tenant.id) as s:
        racer = s.scalar(select(User).where(User.email == "racer@acme.test"))
        assert racer is not None
        assert verify_password(racer.password_hash, winners[0])


def test_inviting_again_revokes_the_earlier_link(portal: Portal) -> None:
    shop = portal.tenant("acme")
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    ctx = shop.context(admin)
    first = invites.invite_user(
        ctx, email="p@acme.test", name="P", roles=["buyer"], location_id=None,
        language="fr", base_url="http://x",
    )  # fmt: skip
    second = invites.reinvite(ctx, first.user.id, "http://x")
    ctx.session.commit()
    ctx.session.close()
    c = shop.context()
    try:
        assert invites.find(c, first.url.rsplit("/", 1)[1])[2] is invites.InviteState.REVOKED
        assert invites.find(c, second.url.rsplit("/", 1)[1])[2] is invites.InviteState.OPEN
        with pytest.raises(invites.InviteClosed) as closed:
            invites.accept(c, first.url.rsplit("/", 1)[1], "long-enough-password")
        assert closed.value.status_code == 410 and "replaced" in closed.value.message
        assert second.user.language == "fr"
    finally:
        c.session.rollback()
        c.session.close()
