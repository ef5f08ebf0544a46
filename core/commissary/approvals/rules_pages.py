"""The approval rule editor for tenant admins: rules, their levels, escalation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from commissary.approvals import forms, rules, ruletypes
from commissary.approvals.models import ApprovalRule, RuleAction
from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.models import Role, User
from commissary.identity.permissions import Permission, has_permission
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
AdminCtx = Annotated[Context, Depends(page_requires(Permission.APPROVALS_MANAGE))]
LEVELS = 3


def _approvers(ctx: Context) -> list[User]:
    users = ctx.session.scalars(select(User).where(User.is_active).order_by(User.name))
    return [u for u in users if has_permission(u, Permission.APPROVALS_DECIDE)]


def _editor(
    request: Request,
    ctx: Context,
    kind: str,
    rule: ApprovalRule | None,
    values: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    types = ruletypes.available(ctx)
    found = types.get(kind)
    if found is None:
        raise Invalid(f"unknown rule type {kind!r}")
    levels = list(values.get("levels") or [])
    levels += [{"kind": ""}] * (LEVELS - len(levels))
    return render(
        request,
        "approval_rule.html",
        ctx,
        status_code=status_code,
        rule=rule,
        kind=found,
        values=values,
        fields=forms.fields_of(found.settings, values.get("settings") or {}),
        levels=levels[:LEVELS],
        approvers=_approvers(ctx),
        roles=[r.value for r in Role],
        error=error,
    )


@router.get("/admin/approval-rules", response_class=HTMLResponse)
def list_page(request: Request, ctx: AdminCtx) -> HTMLResponse:
    types = ruletypes.available(ctx)
    users = dict(ctx.session.execute(select(User.id, User.name)).all())
    return render(
        request,
        "approval_rules.html",
        ctx,
        rules=rules.list_rules(ctx),
        types=types,
        users=users,
        escalate_after_days=rules.tenant_escalation_days(ctx),
        threshold=ctx.tenant.approval_threshold_points,
    )


@router.get("/admin/approval-rules/new", response_class=HTMLResponse)
def new_page(request: Request, ctx: AdminCtx, kind: str = "order_total") -> HTMLResponse:
    values = {"name": "", "action": "require", "levels": [{"kind": "location_manager"}]}
    return _editor(request, ctx, kind, None, values)


@router.get("/admin/approval-rules/{rule_id}", response_class=HTMLResponse)
def edit_page(request: Request, ctx: AdminCtx, rule_id: int) -> HTMLResponse:
    rule = rules.get_rule(ctx, rule_id)
    values = {
        "name": rule.name,
        "action": rule.action.value,
        "settings": rule.settings,
        "levels": rule.levels,
        "escalate_after_days": rule.escalate_after_days,
        "position": rule.position,
        "is_active": rule.is_active,
    }
    return _editor(request, ctx, rule.kind, rule, values)


def _from_form(ctx: Context, form: dict[str, str]) -> dict[str, Any]:
    kind = ruletypes.available(ctx).get(form.get("kind", ""))
    if kind is None:
        raise Invalid("choose a rule type")
    levels: list[dict[str, Any]] = []
    for n in range(1, LEVELS + 1):
        who = form.get(f"level_{n}", "")
        if who == "location_manager":
            levels.append({"kind": who})
        elif who.startswith("role:"):
            levels.append({"kind": "role", "role": who[5:]})
        elif who.startswith("user:") and who[5:].isdigit():
            levels.append({"kind": "user", "user_id": int(who[5:])})
    days = form.get("escalate_after_days", "").strip()
    position = form.get("position", "").strip()
    return {
        "name": form.get("name", "").strip(),
        "kind": kind.key,
        "action": form.get("action", "require"),
        "settings": forms.parse(kind.settings, form),
        "levels": levels,
        "escalate_after_days": int(days) if days.isdigit() else None,
        "position": int(position) if position.isdigit() else 0,
        "is_active": form.get("is_active") == "1",
    }


async def _save(
    request: Request, ctx: Context, rule_id: int | None
) -> RedirectResponse | HTMLResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}

    def work() -> RedirectResponse | HTMLResponse:
        values: dict[str, Any] = {}
        try:
            values = _from_form(ctx, form)
            data = rules.RuleIn.model_validate(values)
            if rule_id is None:
                saved = rules.create_rule(ctx, data)
            else:
                saved = rules.update_rule(ctx, rule_id, data)
        except (Invalid, ValidationError) as exc:
            ctx.session.rollback()
            message = (
                exc.message
                if isinstance(exc, Invalid)
                else "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'][1:]) or 'rule'}: {e['msg']}"
                    for e in exc.errors()
                )
            )
            rule = rules.get_rule(ctx, rule_id) if rule_id is not None else None
            values = values or {"name": form.get("name", ""), "action": form.get("action")}
            return _editor(request, ctx, form.get("kind", ""), rule, values, message, 422)
        return redirect(
            request, f"/t/{ctx.tenant.slug}/admin/approval-rules", f"Rule “{saved.name}” saved."
        )

    return await run_in_threadpool(work)


@router.post("/admin/approval-rules", response_model=None)
async def create(request: Request, ctx: AdminCtx) -> RedirectResponse | HTMLResponse:
    return await _save(request, ctx, None)


@router.post("/admin/approval-rules/{rule_id}", response_model=None)
async def update(request: Request, ctx: AdminCtx, rule_id: int) -> RedirectResponse | HTMLResponse:
    return await _save(request, ctx, rule_id)


@router.post("/admin/approval-rules/{rule_id}/delete")
def delete(request: Request, ctx: AdminCtx, rule_id: int) -> RedirectResponse:
    name = rules.get_rule(ctx, rule_id).name
    rules.delete_rule(ctx, rule_id)
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/admin/approval-rules",
        f"Rule “{name}” deleted. Orders waiting already keep their steps.",
    )


@router.post("/admin/approval-settings")
async def settings(request: Request, ctx: AdminCtx) -> RedirectResponse:
    form = await request.form()
    days = str(form.get("escalate_after_days", "")).strip()
    back = f"/t/{ctx.tenant.slug}/admin/approval-rules"

    def work() -> RedirectResponse:
        try:
            rules.set_tenant_escalation_days(ctx, int(days) if days.isdigit() else None)
        except Invalid as exc:
            ctx.session.rollback()
            return redirect(request, back, f"Nothing was saved: {exc.message}")
        return redirect(request, back, "Escalation setting saved.")

    return await run_in_threadpool(work)


__all__ = ["RuleAction", "router"]
