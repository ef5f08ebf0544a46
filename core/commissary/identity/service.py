"""Accounts, logins and tokens. The only module that writes identity rows."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from commissary.db import utcnow
from commissary.errors import Conflict, Invalid, NotFound, TooManyAttempts
from commissary.identity.models import (
    AuthToken,
    Location,
    LoginFailure,
    OperatorAdmin,
    Role,
    TokenKind,
    User,
)
from commissary.identity.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from commissary.settings import Settings
from commissary.tenants.models import Tenant


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise Invalid(f"not an e-mail address: {email!r}")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(f"the password needs at least {MIN_LENGTH} characters")


def create_user(
    session: Session,
    tenant: Tenant,
    *,
    email: str,
    name: str,
    password: str | None,
    roles: list[str],
    location_id: int | None = None,
) -> User:
    email = normalise_email(email)
    for role in roles:
        if role not in {r.value for r in Role}:
            raise Invalid(f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}")
    if not roles:
        raise Invalid("a user needs at least one role")
    if password is not None:
        check_password_strength(password)
    if (
        location_id is not None
        and session.scalar(
            select(Location.id).where(Location.id == location_id, Location.tenant_id == tenant.id)
        )
        is None
    ):
        raise NotFound("no such location")
    taken = session.scalar(select(User.id).where(User.tenant_id == tenant.id, User.email == email))
    if taken is not None:
        raise Conflict(f"{email} already has an account in {tenant.name}")
    user = User(
        tenant_id=tenant.id,
        email=email,
        name=name.strip() or email,
        password_hash=hash_password(password) if password else None,
        roles=sorted(set(roles)),
        location_id=location_id,
    )
    session.add(user)
    session.flush()
    return user


def create_operator(session: Session, *, email: str, name: str, password: str) -> OperatorAdmin:
    email = normalise_email(email)
    check_password_strength(password)
    if session.scalar(select(OperatorAdmin.id).where(OperatorAdmin.email == email)):
        raise Conflict(f"{email} is already an operator admin")
    admin = OperatorAdmin(email=email, name=name or email, password_hash=hash_password(password))
    session.add(admin)
    session.flush()
    return admin


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: AuthToken


def _check_rate(session: Session, settings: Settings, scope: str, email: str, client: str) -> None:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    per_account = session.scalar(
        select(func.count()).where(
            LoginFailure.scope == scope, LoginFailure.email == email, LoginFailure.at >= since
        )
    )
    per_client = session.scalar(
        select(func.count()).where(LoginFailure.client == client, LoginFailure.at >= since)
    )
    if (per_account or 0) >= settings.login_max_failures or (per_client or 0) >= (
        settings.login_max_failures * 6
    ):
        raise TooManyAttempts(
            f"too many failed logins; try again in {settings.login_window_minutes} minutes",
            retry_after=settings.login_window_minutes * 60,
        )


def _record_failure(session: Session, scope: str, email: str, client: str) -> None:
    session.add(LoginFailure(scope=scope, email=email, client=client[:64]))
    session.flush()


def _issue(
    session: Session,
    settings: Settings,
    kind: TokenKind,
    *,
    tenant_id: int | None,
    user_id: int | None = None,
    operator_id: int | None = None,
) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    lifetime = (
        timedelta(hours=settings.session_hours)
        if kind is TokenKind.SESSION
        else timedelta(days=settings.api_token_days)
    )
    record = AuthToken(
        token_hash=token_digest(token),
        kind=kind,
        tenant_id=tenant_id,
        user_id=user_id,
        operator_id=operator_id,
        csrf_secret=secrets.token_hex(16),
        expires_at=utcnow() + lifetime,
    )
    session.add(record)
    session.flush()
    return IssuedToken(token, record)


def login(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    *,
    email: str,
    password: str,
    client: str,
    kind: TokenKind,
) -> IssuedToken:
    """Check the password and issue a session or API token.

    Failures are written and committed by the caller even when the login fails, so the
    rate limit counts them; the message never says whether the account exists.
    """
    email = email.strip().lower()
    _check_rate(session, settings, tenant.slug, email, client)
    user = session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.email == email, User.is_active)
    )
    if user is None or not verify_password(user.password_hash, password):
        _record_failure(session, tenant.slug, email, client)
        raise Invalid("wrong e-mail or password")
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(
        delete(LoginFailure).where(LoginFailure.scope == tenant.slug, LoginFailure.email == email)
    )
    return _issue(session, settings, kind, tenant_id=tenant.id, user_id=user.id)


def operator_login(
    session: Session, settings: Settings, *, email: str, password: str, client: str
) -> IssuedToken:
    email = email.strip().lower()
    _check_rate(session, settings, "operator", email, client)
    admin = session.scalar(select(OperatorAdmin).where(OperatorAdmin.email == email))
    if admin is None or not verify_password(admin.password_hash, password):
        _record_failure(session, "operator", email, client)
        raise Invalid("wrong e-mail or password")
    return _issue(session, settings, TokenKind.SESSION, tenant_id=None, operator_id=admin.id)


def resolve_token(session: Session, token: str, kind: TokenKind) -> AuthToken | None:
    record = session.scalar(
        select(AuthToken).where(AuthToken.token_hash == token_digest(token), AuthToken.kind == kind)
    )
    if record is None or record.expires_at <= utcnow():
        return None
    return record


def logout(session: Session, token: str) -> None:
    session.execute(delete(AuthToken).where(AuthToken.token_hash == token_digest(token)))
