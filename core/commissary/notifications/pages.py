"""Notification pages: tenant admins edit templates (with preview and test-send); every
signed-in person chooses which optional notifications they get."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.permissions import Permission
from commissary.notifications import service
from commissary.notifications import settings as reminder_settings
from commissary.notifications.catalog import KINDS, LANGUAGE_NAMES, LANGUAGES, NOT_DIGESTIBLE
from commissary.notifications.rendering import Rendered, TemplateProblem
from commissary.web.deps import PageCtx, page_requires
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/notifications")
AdminCtx = Annotated[Context, Depends(page_requires(Permission.PLUGINS_MANAGE))]


def _templates_page(
    request: Request,
    ctx: Context,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    current = reminder_settings.tenant_settings(ctx.session, ctx.tenant.id)
    shown = form or {
        "points_expiring_days": ", ".join(map(str, current.points_expiring_days)),
        "approval_waiting_days": ", ".join(map(str, current.approval_waiting_days)),
        "budget_percents": ", ".join(map(str, current.budget_percents)),
        "digest_period": current.digest_period,
        "default_language": ctx.tenant.default_language,
    }
    return render(
        request,
        "notifications/templates.html",
        ctx,
        status_code=status_code,
        kinds=list(KINDS.values()),
        languages=LANGUAGES,
        customised=service.customised(ctx),
        digested=service.digest_kinds(ctx),
        digestible=[k for k in KINDS.values() if k.key not in NOT_DIGESTIBLE],
        form=shown,
        periods=list(reminder_settings.DIGEST_PERIODS),
        language_names=LANGUAGE_NAMES,
        settings_error=error,
    )


@router.get("/templates", response_class=HTMLResponse)
def templates(request: Request, ctx: AdminCtx) -> HTMLResponse:
    return _templates_page(request, ctx)


@router.post("/digest")
def save_digest(
    request: Request,
    ctx: AdminCtx,
    digest: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    """Ticked kinds wait for each person's digest."""
    service.set_digest_kinds(ctx, digest or [])
    return redirect(request, f"/t/{ctx.tenant.slug}/notifications/templates", "Saved.")


@router.post("/settings", response_model=None)
def save_settings(
    request: Request,
    ctx: AdminCtx,
    points_expiring_days: Annotated[str, Form(max_length=100)] = "",
    approval_waiting_days: Annotated[str, Form(max_length=100)] = "",
    budget_percents: Annotated[str, Form(max_length=100)] = "",
    digest_period: Annotated[str, Form(max_length=10)] = "daily",
    default_language: Annotated[str, Form(max_length=8)] = "en",
) -> HTMLResponse | RedirectResponse:
    """Reminder thresholds, digest period and the portal's language; a bad value is
    shown with the form as typed and nothing is saved (422)."""
    form = {
        "points_expiring_days": points_expiring_days,
        "approval_waiting_days": approval_waiting_days,
        "budget_percents": budget_percents,
        "digest_period": digest_period,
        "default_language": default_language,
    }
    try:
        reminder_settings.save(
            ctx,
            points_expiring_days=reminder_settings.parse_list(
                points_expiring_days, "points_expiring_days"
            ),
            approval_waiting_days=reminder_settings.parse_list(
                approval_waiting_days, "approval_waiting_days"
            ),
            budget_percents=reminder_settings.parse_list(budget_percents, "budget_percents"),
            digest_period=digest_period,
            default_language=default_language,
        )
    except Invalid as exc:
        return _templates_page(request, ctx, form=form, error=exc.message, status_code=422)
    return redirect(
        request, f"/t/{ctx.tenant.slug}/notifications/templates", "Reminder settings saved."
    )


def _editor(
    request: Request,
    ctx: Context,
    view: service.TemplateView,
    *,
    subject: str | None = None,
    body: str | None = None,
    rendered: Rendered | None = None,
    problem: TemplateProblem | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if rendered is None and problem is None:
        try:
            rendered = service.preview(
                ctx, view.kind.key, subject or view.subject, body or view.body
            )
        except TemplateProblem as exc:
            problem = exc
    return render(
        request,
        "notifications/edit.html",
        ctx,
        status_code=status_code,
        view=view,
        subject=view.subject if subject is None else subject,
        body=view.body if body is None else body,
        rendered=rendered,
        problem=problem,
        variables=sorted(service.sample_variables(ctx, view.kind)),
    )


@router.get("/templates/{kind}/{language}", response_class=HTMLResponse)
def edit(request: Request, ctx: AdminCtx, kind: str, language: str) -> HTMLResponse:
    return _editor(request, ctx, service.template(ctx, kind, language))


@router.post("/templates/{kind}/{language}", response_model=None)
def act(
    request: Request,
    ctx: AdminCtx,
    kind: str,
    language: str,
    action: Annotated[Literal["save", "preview", "test", "reset"], Form()],
    subject: Annotated[str, Form(max_length=500)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse | RedirectResponse:
    view = service.template(ctx, kind, language)
    here = f"/t/{ctx.tenant.slug}/notifications/templates/{kind}/{language}"
    if action == "reset":
        service.reset_template(ctx, kind, language)
        return redirect(request, here, "Back to the default template.")
    try:
        if action == "save":
            service.save_template(ctx, kind, language, subject, body)
            return redirect(request, here, "Template saved.")
        if action == "test":
            service.test_send(ctx, kind, subject, body)
            to = ctx.actor.email if ctx.actor else "you"
            return redirect(request, here, f"A test message is on its way to {to}.")
        rendered = service.preview(ctx, kind, subject, body)
        return _editor(request, ctx, view, subject=subject, body=body, rendered=rendered)
    except Invalid as exc:
        problem = TemplateProblem(
            str(exc.detail.get("field", "body")), exc.message, exc.detail.get("line")
        )
        return _editor(
            request, ctx, view, subject=subject, body=body, problem=problem, status_code=422
        )
    except TemplateProblem as exc:
        return _editor(request, ctx, view, subject=subject, body=body, problem=exc, status_code=422)


@router.get("/preferences", response_class=HTMLResponse)
def preferences(request: Request, ctx: PageCtx) -> HTMLResponse:
    assert ctx.actor is not None
    quiet = {kind for _, kind in service.muted(ctx, [ctx.actor.id])}
    return render(
        request,
        "notifications/preferences.html",
        ctx,
        kinds=list(KINDS.values()),
        muted=quiet,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
    )


@router.post("/language")
def save_language(
    request: Request,
    ctx: PageCtx,
    language: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    """The language your messages are written in (empty: the portal's)."""
    from commissary.identity.invites import check_language

    assert ctx.actor is not None
    ctx.actor.language = check_language(language or None)
    return redirect(request, f"/t/{ctx.tenant.slug}/notifications/preferences", "Language saved.")


@router.post("/preferences")
def save_preferences(
    request: Request,
    ctx: PageCtx,
    receive: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    """Every optional kind not ticked is muted."""
    assert ctx.actor is not None
    wanted = set(receive or [])
    unknown = wanted - set(KINDS)
    if unknown:
        raise Invalid(f"unknown notification {sorted(unknown)[0]!r}")
    for kind in KINDS.values():
        if kind.optional:
            service.set_muted(ctx, ctx.actor.id, kind.key, kind.key not in wanted)
    return redirect(request, f"/t/{ctx.tenant.slug}/notifications/preferences", "Saved.")
