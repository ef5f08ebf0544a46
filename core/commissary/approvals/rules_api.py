"""REST routes for tenant admins: approval rule types, rules and approval settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from commissary.approvals import rules, ruletypes
from commissary.approvals.schemas import ApprovalSettingsIO, RulePublic, RuleTypePublic
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.web.deps import api_requires

router = APIRouter(tags=["approval rules"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.APPROVALS_MANAGE))]


@router.get("/approval-rule-types", response_model=list[RuleTypePublic])
def rule_types(ctx: AdminCtx) -> list[RuleTypePublic]:
    """The rule types this portal offers, each with the JSON schema of its settings."""
    return [
        RuleTypePublic(
            key=t.key,
            label=t.label,
            description=t.description,
            settings_schema=t.settings.model_json_schema(),
        )
        for t in ruletypes.available(ctx).values()
    ]


@router.get("/approval-rules", response_model=list[RulePublic])
def list_rules(ctx: AdminCtx) -> list[RulePublic]:
    return [RulePublic.of(r) for r in rules.list_rules(ctx)]


@router.post("/approval-rules", response_model=RulePublic, status_code=201)
def create_rule(ctx: AdminCtx, body: rules.RuleIn) -> RulePublic:
    return RulePublic.of(rules.create_rule(ctx, body))


@router.get("/approval-rules/{rule_id}", response_model=RulePublic)
def get_rule(ctx: AdminCtx, rule_id: int) -> RulePublic:
    return RulePublic.of(rules.get_rule(ctx, rule_id))


@router.put("/approval-rules/{rule_id}", response_model=RulePublic)
def update_rule(ctx: AdminCtx, rule_id: int, body: rules.RuleIn) -> RulePublic:
    return RulePublic.of(rules.update_rule(ctx, rule_id, body))


@router.delete("/approval-rules/{rule_id}", status_code=204)
def delete_rule(ctx: AdminCtx, rule_id: int) -> Response:
    rules.delete_rule(ctx, rule_id)
    return Response(status_code=204)


@router.get("/approval-settings", response_model=ApprovalSettingsIO)
def get_settings(ctx: AdminCtx) -> ApprovalSettingsIO:
    return ApprovalSettingsIO(escalate_after_days=rules.tenant_escalation_days(ctx))


@router.put("/approval-settings", response_model=ApprovalSettingsIO)
def put_settings(ctx: AdminCtx, body: ApprovalSettingsIO) -> ApprovalSettingsIO:
    rules.set_tenant_escalation_days(ctx, body.escalate_after_days)
    return ApprovalSettingsIO(escalate_after_days=rules.tenant_escalation_days(ctx))
