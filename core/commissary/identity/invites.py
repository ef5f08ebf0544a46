"""Invitations: a tenant admin adds a person, who chooses their own password.

:func:`invite_user` creates the account without a usable password, stores an invite
(only the SHA-256 of its 256-bit random secret) valid for :data:`INVITE_DAYS` days, and
in the same transaction writes

- the ``user_invited`` domain event (webhooks, other plugins; it never holds the link),
- the invitee's ``user_invited`` message with the link, rendered by the notification
  service in the person's language and delivered by the channels (e-mail).

The link ``/t/<slug>/invite/<secret>`` opens a "choose your password" page. Accepting it
is one conditional UPDATE (``used_at IS NULL AND revoked_at IS NULL AND expires_at > now``)
in the same transaction as the new password hash, so the link works exactly once, even
when submitted twice at the same moment. A link of another tenant is not found (the
table is tenant-scoped). Inviting the same person again revokes their earlier links.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update

from commissary.context import Context
from commissary.db import utcnow
from commissary.errors import Conflict, Invalid, NotFound
from commissary.identity import service
from commissary.identity.models import User, UserInvite
from commissary.identity.passwords import hash_password
from commissary.jobs.outbox import emit
from commissary.notifications.catalog import LANGUAGES
from commissary.tenants.service import portal_url

INVITE_DAYS = 7


class InviteState(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"  # a newer invitation replaced it


@dataclass(frozen=True)
class Invitation:
    user: User
    invite: UserInvite
    url: str  # the link with its secret: only for the invitee (and the inviting admin)
    mailed: bool  # False when no channel (e-mail ...) is enabled: share the link yourself


def check_language(language: str | None) -> str | None:
    """``None`` (follow the tenant) or one of the languages; Invalid otherwise."""
    if language in (None, ""):
        return None
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    return language


def invite_user(
    ctx: Context,
    *,
    email: str,
    name: str,
    roles: list[str],
    location_id: int | None,
    language: str | None,
    base_url: str,
) -> Invitation:
    """Create the account and send its invitation; bad input changes nothing."""
    language = check_language(language)
    user = service.create_user(
        ctx.session,
        ctx.tenant,
        email=email,
        name=name,
        password=None,
        roles=roles,
        location_id=location_id,
    )
    user.language = language
    return _send(ctx, user, base_url)


def reinvite(ctx: Context, user_id: int, base_url: str) -> Invitation:
    """A new link for someone who has not chosen a password yet (earlier links stop
    working); Conflict when they have one."""
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("no such person")
    if user.password_hash is not None:
        raise Conflict(f"{user.email} has already chosen a password")
    if not user.is_active:
        raise Conflict(f"{user.email} is deactivated")
    return _send(ctx, user, base_url)


def _send(ctx: Context, user: User, base_url: str) -> Invitation:
    from commissary.notifications import service as notifications

    now = utcnow()
    _revoke_open(ctx, user.id, now)
    secret = secrets.token_urlsafe(32)
    invite = UserInvite(
        tenant_id=ctx.tenant.id,
        user_id=user.id,
        token_hash=service.token_digest(secret),
        invited_by=ctx.actor.id if ctx.actor else None,
        created_at=now,
        expires_at=now + timedelta(days=INVITE_DAYS),
    )
    ctx.session.add(invite)
    ctx.session.flush()
    url = f"{portal_url(ctx.tenant, base_url)}/invite/{secret}"
    inviter = ctx.actor.name if ctx.actor else ctx.tenant.name
    emit(
        ctx.session,
        ctx.tenant.id,
        "user_invited",
        {
            "user_id": user.id,
            "email": user.email,
            "name": user.name,
            "roles": list(user.roles),
            "location_id": user.location_id,
            "language": user.language,
            "invited_by": ctx.actor.id if ctx.actor else None,
            "invite_id": invite.id,
            "expires_at": invite.expires_at.isoformat(),
        },
    )
    mailed = notifications.send(
        ctx,
        "user_invited",
        [user],
        {
            "invited_by": inviter,
            "invite": {"url": url, "expires_at": _when(invite.expires_at)},
        },
        "user_invited",
    )
    return Invitation(user, invite, url, mailed > 0)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _revoke_open(ctx: Context, user_id: int, now: datetime) -> None:
    ctx.session.execute(
        update(UserInvite)
        .where(
            UserInvite.user_id == user_id,
            UserInvite.used_at.is_(None),
            UserInvite.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def find(ctx: Context, secret: str) -> tuple[UserInvite, User, InviteState]:
    """The invite behind a link, its person and its state; NotFound for an unknown link
    (or another tenant's: the lookup is tenant-scoped)."""
    if not secret or len(secret) > 100:
        raise NotFound("this invitation link is not valid")
    row = ctx.session.execute(
        select(UserInvite, User)
        .join(User, User.id == UserInvite.user_id)
        .where(UserInvite.token_hash == service.token_digest(secret))
    ).first()
    if row is None:
        raise NotFound("this invitation link is not valid")
    invite, user = row
    if invite.used_at is not None:
        state = InviteState.USED
    elif invite.revoked_at is not None or not user.is_active:
        state = InviteState.REVOKED
    elif invite.expires_at <= utcnow():
        state = InviteState.EXPIRED
    else:
        state = InviteState.OPEN
    return invite, user, state


class InviteClosed(Conflict):
    """The link was used, expired or replaced: 410 Gone, with the reason."""

    status_code = 410

    def __init__(self, state: InviteState) -> None:
        messages = {
            InviteState.USED: "this invitation link was already used; sign in with your password",
            InviteState.EXPIRED: "this invitation link has expired; ask your portal admin for a "
            "new one",
            InviteState.REVOKED: "this invitation link was replaced by a newer one; use the "
            "latest e-mail or ask your portal admin",
        }
        super().__init__(messages.get(state, "this invitation link no longer works"))
        self.state = state


def accept(ctx: Context, secret: str, password: str, confirm: str | None = None) -> User:
    """Set the invitee's password through their link, once."""
    invite, user, state = find(ctx, secret)
    if state is not InviteState.OPEN:
        raise InviteClosed(state)
    if confirm is not None and confirm != password:
        raise Invalid("the two passwords differ", field="confirm")
    service.check_password_strength(password)
    now = utcnow()
    taken = ctx.session.execute(
        update(UserInvite)
        .where(
            UserInvite.id == invite.id,
            UserInvite.used_at.is_(None),
            UserInvite.revoked_at.is_(None),
            UserInvite.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise InviteClosed(InviteState.USED)  # another submission took it a moment ago
    user.password_hash = hash_password(password)
    _revoke_open(ctx, user.id, now)
    ctx.session.flush()
    return user
