"""Notification REST routes: templates (tenant admins), preferences (everyone) and the
delivery log (tenant admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.permissions import Permission
from commissary.jobs.models import OutboxAttempt
from commissary.notifications import service
from commissary.notifications import settings as reminder_settings
from commissary.notifications.catalog import KINDS
from commissary.notifications.rendering import TemplateProblem
from commissary.notifications.schemas import (
    AttemptPublic,
    DigestChoice,
    PreferencePublic,
    PreferenceUpdate,
    RenderedPublic,
    SettingsPublic,
    TemplatePublic,
    TemplateSource,
    TemplateUpdate,
)
from commissary.web.deps import ApiCtx, api_requires

router = APIRouter(prefix="/notifications", tags=["notifications"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.PLUGINS_MANAGE))]


def _public(view: service.TemplateView) -> TemplatePublic:
    return TemplatePublic(
        kind=view.kind.key,
        language=view.language,
        title=view.kind.title,
        recipients=view.kind.recipients,
        optional=view.kind.optional,
        subject=view.subject,
        body=view.body,
        customised=view.customised,
    )


# Templates are named by kind and language, not by id: both travel in the query or the
# body, so the paths carry no ids (and another tenant's template cannot even be named).
Kind = Annotated[str, Query(max_length=60)]
Language = Annotated[str, Query(max_length=8)]


@router.get("/templates", response_model=list[TemplatePublic])
def list_templates(ctx: AdminCtx, language: Language = "en") -> list[TemplatePublic]:
    """Every kind of notification in ``language``: the tenant's own or the default."""
    return [_public(service.template(ctx, key, language)) for key in KINDS]


@router.get("/template", response_model=TemplatePublic)
def get_template(ctx: AdminCtx, kind: Kind, language: Language = "en") -> TemplatePublic:
    return _public(service.template(ctx, kind, language))


@router.put("/template", response_model=TemplatePublic)
def put_template(ctx: AdminCtx, body: TemplateUpdate) -> TemplatePublic:
    """Save the tenant's template; a template that does not render with the sample data
    is refused with 422, naming the field and line."""
    return _public(service.save_template(ctx, body.kind, body.language, body.subject, body.body))


@router.delete("/template", response_model=TemplatePublic)
def reset_template(ctx: AdminCtx, kind: Kind, language: Language = "en") -> TemplatePublic:
    """Go back to the shipped default."""
    return _public(service.reset_template(ctx, kind, language))


@router.post("/template/preview", response_model=RenderedPublic)
def preview(ctx: AdminCtx, body: TemplateSource) -> RenderedPublic:
    """Render unsaved sources with the kind's sample data."""
    try:
        rendered = service.preview(ctx, body.kind, body.subject, body.body)
    except TemplateProblem as exc:
        raise Invalid(str(exc), field=exc.field, line=exc.line) from exc
    return RenderedPublic(subject=rendered.subject, text=rendered.text, html=rendered.html)


@router.post("/template/test", response_model=RenderedPublic, status_code=202)
def test_send(ctx: AdminCtx, body: TemplateSource) -> RenderedPublic:
    """Queue unsaved sources rendered with sample data to yourself, through every channel."""
    rendered = service.test_send(ctx, body.kind, body.subject, body.body)
    return RenderedPublic(subject=rendered.subject, text=rendered.text, html=rendered.html)


@router.get("/preferences", response_model=list[PreferencePublic])
def preferences(ctx: ApiCtx) -> list[PreferencePublic]:
    assert ctx.actor is not None
    quiet = service.muted(ctx, [ctx.actor.id])
    return [
        PreferencePublic(
            kind=k.key, title=k.title, optional=k.optional, muted=(ctx.actor.id, k.key) in quiet
        )
        for k in KINDS.values()
    ]


@router.put("/preferences", response_model=PreferencePublic)
def set_preference(ctx: ApiCtx, body: PreferenceUpdate) -> PreferencePublic:
    """Mute or unmute one kind for yourself; required kinds cannot be muted (422)."""
    assert ctx.actor is not None
    service.set_muted(ctx, ctx.actor.id, body.kind, body.muted)
    k = service.kind_of(body.kind)
    return PreferencePublic(kind=k.key, title=k.title, optional=k.optional, muted=body.muted)


@router.get("/digest", response_model=DigestChoice)
def get_digest(ctx: AdminCtx) -> DigestChoice:
    return DigestChoice(kinds=sorted(service.digest_kinds(ctx)))


@router.put("/digest", response_model=DigestChoice)
def put_digest(ctx: AdminCtx, body: DigestChoice) -> DigestChoice:
    """Choose the kinds that wait for the person's daily digest instead of going at once."""
    return DigestChoice(kinds=sorted(service.set_digest_kinds(ctx, body.kinds)))


def _settings(ctx: Context) -> SettingsPublic:
    current = reminder_settings.tenant_settings(ctx.session, ctx.tenant.id)
    return SettingsPublic(
        points_expiring_days=list(current.points_expiring_days),
        approval_waiting_days=list(current.approval_waiting_days),
        budget_percents=list(current.budget_percents),
        digest_period=current.digest_period,
        default_language=ctx.tenant.default_language,
    )


@router.get("/settings", response_model=SettingsPublic)
def get_settings(ctx: AdminCtx) -> SettingsPublic:
    """Reminder thresholds (points expiring: days before; approvals waiting: days after;
    budgets: percent spent), the digest period and the portal's default language."""
    return _settings(ctx)


@router.put("/settings", response_model=SettingsPublic)
def put_settings(ctx: AdminCtx, body: SettingsPublic) -> SettingsPublic:
    """Replace them all; a bad value answers 422 naming the field and nothing changes."""
    reminder_settings.save(
        ctx,
        points_expiring_days=body.points_expiring_days,
        approval_waiting_days=body.approval_waiting_days,
        budget_percents=body.budget_percents,
        digest_period=body.digest_period,
        default_language=body.default_language,
    )
    return _settings(ctx)


@router.get("/attempts", response_model=list[AttemptPublic])
def attempts(
    ctx: AdminCtx,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    failed: bool = False,
) -> list[AttemptPublic]:
    """The delivery log: each handler's attempt at each of this tenant's events."""
    query = select(OutboxAttempt).where(OutboxAttempt.tenant_id == ctx.tenant.id)
    if failed:
        query = query.where(OutboxAttempt.ok.is_(False))
    rows = ctx.session.scalars(query.order_by(OutboxAttempt.id.desc()).limit(limit))
    return [
        AttemptPublic(
            event_id=a.event_id,
            topic=a.topic,
            handler=a.handler,
            ok=a.ok,
            error=a.error,
            started_at=a.started_at,
            seconds=a.seconds,
        )
        for a in rows
    ]
