"""The notification service: event → recipients → rendered template → ``notification``
events that channel plugins deliver.

It runs inside the worker's delivery of a domain event (an ``on_*`` hook of this core
plugin), so the messages it emits commit together with the record that the domain event
was handled: a retry after a crash renders them again, a success never twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from commissary.context import Context
from commissary.db import row_insert
from commissary.errors import Invalid, NotFound
from commissary.identity.models import Location, User
from commissary.jobs.outbox import emit
from commissary.notifications import catalog
from commissary.notifications.catalog import (
    DEFAULT_LANGUAGE,
    KINDS,
    LANGUAGES,
    NOT_DIGESTIBLE,
    Kind,
)
from commissary.notifications.models import (
    DigestItem,
    DigestKind,
    NotificationPreference,
    NotificationTemplate,
)
from commissary.notifications.rendering import Rendered, TemplateProblem, check, render
from commissary.orders.models import Order
from commissary.tenants.service import portal_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemplateView:
    kind: Kind
    language: str
    subject: str
    body: str
    customised: bool


def kind_of(key: str) -> Kind:
    found = KINDS.get(key)
    if found is None:
        raise NotFound(f"there is no notification {key!r}")
    return found


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise NotFound(f"no language {language!r}; use one of {', '.join(LANGUAGES)}")
    return language


def _override(ctx: Context, kind: str, language: str) -> NotificationTemplate | None:
    return ctx.session.scalar(
        select(NotificationTemplate).where(
            NotificationTemplate.kind == kind, NotificationTemplate.language == language
        )
    )


def template(ctx: Context, key: str, language: str) -> TemplateView:
    kind, language = kind_of(key), _language(language)
    row = _override(ctx, key, language)
    if row is None:
        return TemplateView(kind, language, kind.subject, kind.body, False)
    return TemplateView(kind, language, row.subject, row.body, True)


def customised(ctx: Context) -> set[tuple[str, str]]:
    """(kind, language) pairs this tenant has its own template for."""
    rows = ctx.session.execute(select(NotificationTemplate.kind, NotificationTemplate.language))
    return {(k, lang) for k, lang in rows}


def sample_variables(ctx: Context, kind: Kind) -> dict[str, Any]:
    return {**catalog.sample(kind), "tenant": tenant_vars(ctx)}


def preview(ctx: Context, key: str, subject: str, body: str) -> Rendered:
    """Render (unsaved) sources with the kind's sample data; TemplateProblem if broken."""
    kind = kind_of(key)
    return check(subject, body, sample_variables(ctx, kind))


def save_template(ctx: Context, key: str, language: str, subject: str, body: str) -> TemplateView:
    """Store a tenant's template after it rendered with sample data; a broken one is
    refused (Invalid, with the field and line) and nothing changes."""
    kind, language = kind_of(key), _language(language)
    try:
        check(subject, body, sample_variables(ctx, kind))
    except TemplateProblem as exc:
        raise Invalid(str(exc), field=exc.field, line=exc.line) from exc
    row = _override(ctx, key, language)
    if row is None:
        row = NotificationTemplate(tenant_id=ctx.tenant.id, kind=key, language=language)
        ctx.session.add(row)
    row.subject, row.body = subject, body
    row.updated_by = ctx.actor.id if ctx.actor else None
    ctx.session.flush()
    ctx.memo.pop("notifications.templates", None)
    return TemplateView(kind, language, subject, body, True)


def reset_template(ctx: Context, key: str, language: str) -> TemplateView:
    kind_of(key)
    ctx.session.execute(
        delete(NotificationTemplate).where(
            NotificationTemplate.kind == key, NotificationTemplate.language == _language(language)
        )
    )
    ctx.memo.pop("notifications.templates", None)
    return template(ctx, key, language)


def tenant_vars(ctx: Context) -> dict[str, Any]:
    return {"name": ctx.tenant.name, "slug": ctx.tenant.slug, "url": portal_url(ctx.tenant)}


def _user_vars(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email}


def language_of(ctx: Context, user: User) -> str:
    """The person's language, else the tenant's default language, else ``en``."""
    for language in (user.language, ctx.tenant.default_language):
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def render_for(ctx: Context, kind: Kind, language: str, variables: dict[str, Any]) -> Rendered:
    """The tenant's template in ``language``, else the tenant's template in its default
    language, else the shipped default; a stored template that fails to render is
    skipped (logged) for the next one."""
    rows = _overrides(ctx, kind.key)
    for lang in dict.fromkeys((language, ctx.tenant.default_language)):
        row = rows.get(lang)
        if row is None:
            continue
        try:
            return render(row.subject, row.body, variables)
        except TemplateProblem as exc:
            log.warning(
                "tenant %s template %s/%s failed (%s); falling back",
                ctx.tenant.id,
                kind.key,
                lang,
                exc,
            )
    return render(kind.subject, kind.body, variables)


def _overrides(ctx: Context, key: str) -> dict[str, NotificationTemplate]:
    """The tenant's templates of one kind by language, read once per request or job run."""
    memo: dict[str, dict[str, NotificationTemplate]] = ctx.memo.setdefault(
        "notifications.templates", {}
    )
    if key not in memo:
        memo[key] = {
            row.language: row
            for row in ctx.session.scalars(
                select(NotificationTemplate).where(NotificationTemplate.kind == key)
            )
        }
    return memo[key]


def muted(ctx: Context, user_ids: list[int]) -> set[tuple[int, str]]:
    rows = ctx.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind).where(
            NotificationPreference.user_id.in_(user_ids), NotificationPreference.muted.is_(True)
        )
    )
    return {(user_id, kind) for user_id, kind in rows}


def has_channels(ctx: Context) -> bool:
    """Whether any channel (e-mail, webhooks, ...) is enabled for this tenant; without one,
    events cause no lookups and no rendering."""
    return bool(ctx.hooks.on_notification.get_hookimpls())


def send(ctx: Context, key: str, users: list[User], variables: dict[str, Any], source: str) -> int:
    """Render ``key`` for each person and emit one ``notification`` event each, or keep
    it for their next digest when the tenant digests this kind. People who muted an
    optional kind, and inactive people, are skipped. Returns how many."""
    kind = kind_of(key)
    if not has_channels(ctx):
        return 0  # no channel is enabled for this tenant: nothing to render
    people = [u for u in {u.id: u for u in users}.values() if u.is_active]
    quiet = muted(ctx, [u.id for u in people]) if kind.optional else set()
    to_digest = key in digest_kinds(ctx)
    sent = 0
    for user in people:
        if (user.id, key) in quiet:
            continue
        language = language_of(ctx, user)
        rendered = render_for(
            ctx,
            kind,
            language,
            {**variables, "tenant": tenant_vars(ctx), "user": _user_vars(user)},
        )
        if to_digest:
            ctx.session.execute(
                row_insert(DigestItem),
                {
                    "tenant_id": ctx.tenant.id,
                    "user_id": user.id,
                    "kind": key,
                    "subject": rendered.subject,
                    "text": rendered.text,
                },
            )
        else:
            emit_message(ctx, user, key, language, rendered, source)
        sent += 1
    return sent


def emit_message(
    ctx: Context, user: User, key: str, language: str, rendered: Rendered, source: str
) -> None:
    """One ``notification`` event: what channel plugins deliver."""
    emit(
        ctx.session,
        ctx.tenant.id,
        "notification",
        {
            "id": uuid.uuid4().hex,
            "kind": key,
            "language": language,
            "user_id": user.id,
            "email": user.email,
            "name": user.name,
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "source": source,
        },
    )


def digest_kinds(ctx: Context) -> set[str]:
    """Kinds this tenant batches into digests."""
    return set(ctx.session.scalars(select(DigestKind.kind)))


def set_digest_kinds(ctx: Context, kinds: list[str]) -> set[str]:
    """Choose the kinds sent as a digest; unknown kinds are refused and nothing changes."""
    wanted = set(kinds)
    for key in wanted:
        kind_of(key)
    refused = wanted & NOT_DIGESTIBLE
    if refused:
        raise Invalid(f"{sorted(refused)[0]!r} cannot be part of a digest")
    ctx.session.execute(delete(DigestKind).where(DigestKind.kind.not_in(wanted)))
    for key in sorted(wanted - digest_kinds(ctx)):
        ctx.session.add(DigestKind(tenant_id=ctx.tenant.id, kind=key))
    ctx.session.flush()
    return wanted


def test_send(ctx: Context, key: str, subject: str, body: str) -> Rendered:
    """Send (unsaved) sources rendered with sample data to the admin who asks."""
    if ctx.actor is None:
        raise Invalid("sign in to send a test")
    try:
        rendered = preview(ctx, key, subject, body)
    except TemplateProblem as exc:
        raise Invalid(str(exc), field=exc.field, line=exc.line) from exc
    emit(
        ctx.session,
        ctx.tenant.id,
        "notification",
        {
            "id": uuid.uuid4().hex,
            "kind": key,
            "language": DEFAULT_LANGUAGE,
            "user_id": ctx.actor.id,
            "email": ctx.actor.email,
            "name": ctx.actor.name,
            "subject": f"[test] {rendered.subject}",
            "text": rendered.text,
            "html": rendered.html,
            "source": "test",
        },
    )
    return rendered


# -- recipients ---------------------------------------------------------------------------


def users(ctx: Context, ids: list[int]) -> list[User]:
    if not ids:
        return []
    return list(ctx.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


def order_vars(ctx: Context, order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status.value,
        "total_points": order.total_points,
        "url": f"{portal_url(ctx.tenant)}/orders/{order.id}",
    }


def approvers_of(ctx: Context, order: Order) -> list[User]:
    """Who decides ``order`` now: the approvers of its open approval steps (named people,
    their delegates today, holders of the roles named; see ``approvals.steps``). Orders
    without steps fall back to the location's manager and the roles their requirements
    name; tenant admins when nobody else is found."""
    from commissary.approvals import steps

    current = steps.current_approver_ids(ctx, order.id)
    if current:
        return [u for u in users(ctx, current) if u.id not in (order.user_id, order.placed_by_id)]
    found: list[User] = []
    wanted = {req.get("approver", "") for req in order.approval or []}
    if "location_manager" in wanted and order.location_id is not None:
        manager_id = ctx.session.scalar(
            select(Location.manager_id).where(Location.id == order.location_id)
        )
        found += users(ctx, [manager_id] if manager_id else [])
    roles = {w.split(":", 1)[1] for w in wanted if w.startswith("role:")}
    if roles or not found:
        roles = roles or {"tenant_admin"}
        everyone = ctx.session.scalars(select(User).where(User.is_active.is_(True)))
        found += [u for u in everyone if roles & set(u.roles)]
    return [u for u in found if u.id != order.user_id]


def order_or_none(ctx: Context, order_id: Any) -> Order | None:
    if not isinstance(order_id, int):
        return None
    return ctx.session.get(Order, order_id)


def set_muted(ctx: Context, user_id: int, key: str, mute: bool) -> None:
    kind = kind_of(key)
    if mute and not kind.optional:
        raise Invalid(f"{kind.title!r} cannot be muted")
    ctx.session.execute(
        delete(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == key
        )
    )
    if mute:
        ctx.session.add(
            NotificationPreference(tenant_id=ctx.tenant.id, user_id=user_id, kind=key, muted=True)
        )
    ctx.session.flush()
