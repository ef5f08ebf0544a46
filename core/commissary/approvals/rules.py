"""Configured approval rules: tenant admins' CRUD, and their evaluation at submission.

Precedence at submission (``docs/approvals.md`` explains it to admins):

1. An active **auto-approve** rule that matches the draft switches off every configured
   *require* rule and the tenant's built-in points threshold for this order.
2. Otherwise every matching **require** rule asks its approvers, level by level, and the
   built-in threshold rule applies as before.
3. Requirements from other plugins (budgets, entitlements ...) always apply: an
   auto-approve rule cannot lift a limit it does not own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, select

from commissary.approvals import ruletypes
from commissary.approvals.models import ApprovalRule, ApprovalSettings, RuleAction
from commissary.context import Context
from commissary.errors import Invalid, NotFound
from commissary.hooktypes import ApprovalRequirement, OrderDraft
from commissary.identity.models import Role, User
from commissary.tenants.cache import ConfigCache
from commissary.tenants.service import bump_config

MAX_LEVELS = 5
MAX_RULES = 100


class ApproverSpec(BaseModel):
    """Who approves at one level: the buyer's location manager, anyone with a role, a user."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["location_manager", "role", "user"]
    role: str | None = None
    user_id: int | None = None

    @model_validator(mode="after")
    def complete(self) -> ApproverSpec:
        if self.kind == "role" and self.role not in {r.value for r in Role}:
            raise ValueError(f"role must be one of {', '.join(r.value for r in Role)}")
        if self.kind == "user" and self.user_id is None:
            raise ValueError("name the user who approves (user_id)")
        if self.kind != "role":
            self.role = None
        if self.kind != "user":
            self.user_id = None
        return self

    def approver(self) -> str:
        if self.kind == "role":
            return f"role:{self.role}"
        if self.kind == "user":
            return f"user:{self.user_id}"
        return "location_manager"


class RuleIn(BaseModel):
    """A rule as tenant admins write it (API body; the editor form builds the same)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(min_length=1, max_length=60)
    action: RuleAction = RuleAction.REQUIRE
    settings: dict[str, Any] = Field(default_factory=dict)
    levels: list[ApproverSpec] = Field(default_factory=list, max_length=MAX_LEVELS)
    escalate_after_days: int | None = Field(default=None, ge=1, le=365)
    position: int = Field(default=0, ge=0, le=10_000)
    is_active: bool = True


def _checked(ctx: Context, data: RuleIn) -> dict[str, Any]:
    kind = ruletypes.available(ctx).get(data.kind)
    if kind is None:
        raise Invalid(f"unknown rule type {data.kind!r}; see GET /approval-rule-types")
    settings = ruletypes.validate_settings(kind, data.settings)
    if data.action is RuleAction.REQUIRE and not data.levels:
        raise Invalid("a rule that requires approval names who approves (at least one level)")
    if data.action is RuleAction.AUTO_APPROVE:
        data.levels = []
    user_ids = {spec.user_id for spec in data.levels if spec.user_id is not None}
    if user_ids:
        found = set(ctx.session.scalars(select(User.id).where(User.id.in_(user_ids))))
        if user_ids - found:
            raise Invalid(f"no such user: {', '.join(str(i) for i in sorted(user_ids - found))}")
    return {
        "name": data.name.strip(),
        "kind": data.kind,
        "action": data.action,
        "settings": settings,
        "levels": [spec.model_dump() for spec in data.levels],
        "escalate_after_days": data.escalate_after_days,
        "position": data.position,
        "is_active": data.is_active,
    }


def list_rules(ctx: Context) -> list[ApprovalRule]:
    return list(
        ctx.session.scalars(select(ApprovalRule).order_by(ApprovalRule.position, ApprovalRule.id))
    )


def get_rule(ctx: Context, rule_id: int) -> ApprovalRule:
    rule = ctx.session.get(ApprovalRule, rule_id)
    # session.get skips the tenant criteria when the row is already in the identity map
    if rule is None or rule.tenant_id != ctx.tenant.id:
        raise NotFound("no such approval rule")
    return rule


def create_rule(ctx: Context, data: RuleIn) -> ApprovalRule:
    count = ctx.session.scalar(select(func.count()).select_from(ApprovalRule)) or 0
    if count >= MAX_RULES:
        raise Invalid(f"a portal has at most {MAX_RULES} approval rules")
    rule = ApprovalRule(tenant_id=ctx.tenant.id, **_checked(ctx, data))
    ctx.session.add(rule)
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)
    return rule


def update_rule(ctx: Context, rule_id: int, data: RuleIn) -> ApprovalRule:
    rule = get_rule(ctx, rule_id)
    for key, value in _checked(ctx, data).items():
        setattr(rule, key, value)
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)
    return rule


def delete_rule(ctx: Context, rule_id: int) -> None:
    """Delete a rule. Orders it already put in approval keep their steps."""
    ctx.session.delete(get_rule(ctx, rule_id))
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)


def tenant_escalation_days(ctx: Context) -> int | None:
    return ctx.session.scalar(select(ApprovalSettings.escalate_after_days))


def set_tenant_escalation_days(ctx: Context, days: int | None) -> None:
    if days is not None and not 1 <= days <= 365:
        raise Invalid("escalate after 1 to 365 days, or leave it empty for never")
    row = ctx.session.scalar(select(ApprovalSettings))
    if row is None:
        row = ApprovalSettings(tenant_id=ctx.tenant.id)
        ctx.session.add(row)
    row.escalate_after_days = days
    ctx.session.flush()


def evaluate(ctx: Context, draft: OrderDraft) -> tuple[list[ApprovalRequirement], bool]:
    """The configured rules' requirements for ``draft``, and whether an auto-approve rule
    matched (which also switches off the built-in threshold; see the module docstring).

    Rules of types no longer available (their plugin was disabled) are skipped."""
    types = ruletypes.available(ctx)
    rules = [r for r in _active_rules(ctx) if r.kind in types and r.is_active]
    for rule in rules:
        if rule.action is RuleAction.AUTO_APPROVE:
            kind = types[rule.kind]
            if kind.evaluate(ctx, draft, kind.settings.model_validate(rule.settings)):
                return [], True
    found: list[ApprovalRequirement] = []
    for rule in rules:
        if rule.action is not RuleAction.REQUIRE:
            continue
        kind = types[rule.kind]
        match = kind.evaluate(ctx, draft, kind.settings.model_validate(rule.settings))
        if match is None:
            continue
        for level, spec in enumerate(rule.levels, start=1):
            found.append(
                ApprovalRequirement(
                    rule=f"rule:{rule.id}",
                    approver=ApproverSpec.model_validate(spec).approver(),
                    reason=f"{rule.name}: {match.reason}",
                    detail={
                        "rule_id": rule.id,
                        "rule_name": rule.name,
                        "escalate_after_days": rule.escalate_after_days,
                        **match.detail,
                    },
                    level=level,
                )
            )
    return found, False


@dataclass(frozen=True)
class ActiveRule:
    """A configured rule as evaluation reads it (a snapshot, shared between requests)."""

    id: int
    name: str
    kind: str
    action: RuleAction
    settings: dict[str, Any]
    levels: tuple[dict[str, Any], ...]
    escalate_after_days: int | None
    is_active: bool = True


def _active_rules(ctx: Context) -> tuple[ActiveRule, ...]:
    """The tenant's active rules, read once per process and ``config_version`` (every
    change of a rule bumps it), so a checkout pays no statement for them."""
    return _rule_cache.get(
        ctx,
        lambda: tuple(
            ActiveRule(
                r.id,
                r.name,
                r.kind,
                r.action,
                dict(r.settings),
                tuple(r.levels),
                r.escalate_after_days,
            )
            for r in ctx.session.scalars(
                select(ApprovalRule)
                .where(ApprovalRule.is_active)
                .order_by(ApprovalRule.position, ApprovalRule.id)
            )
        ),
    )


_rule_cache = ConfigCache[tuple[ActiveRule, ...]]()


__all__ = [
    "ApproverSpec",
    "RuleIn",
    "create_rule",
    "delete_rule",
    "evaluate",
    "get_rule",
    "list_rules",
    "update_rule",
]
