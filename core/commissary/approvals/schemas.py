"""API shapes of the approvals inbox, decisions, steps, rules and delegations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from commissary.approvals.models import ApprovalDelegation, ApprovalRule, ApprovalStep


class InboxItem(BaseModel):
    order_id: int
    number: str
    buyer: str
    location: str
    total_points: int
    pending_lines: int
    submitted_at: datetime
    reasons: list[str]
    # The actor's part: the lowest level open for them, its reason, since when it waits.
    level: int = 1
    reason: str = ""
    waiting_since: datetime | None = None


class Inbox(BaseModel):
    items: list[InboxItem]
    total: int


class LineDecisionIn(BaseModel):
    line_id: int
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=500)
    # Approve only this many units (fewer than ordered): the rest is released.
    quantity: int | None = Field(default=None, ge=1)


class DecisionRequest(BaseModel):
    """Decide the whole order (``decision``) or named lines (``lines``), not both."""

    decision: Literal["approve", "reject"] | None = None
    reason: str = Field(default="", max_length=500)
    lines: list[LineDecisionIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def one_form(self) -> DecisionRequest:
        if (self.decision is None) == (not self.lines):
            raise ValueError("give either a decision for the whole order or a list of lines")
        return self


class BulkDecisionRequest(BaseModel):
    order_ids: list[int] = Field(min_length=1, max_length=200)
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=500)


class BulkResultPublic(BaseModel):
    order_id: int
    ok: bool
    status: str
    error: str


class StepPublic(BaseModel):
    id: int
    line_id: int
    level: int
    rule: str
    reason: str
    approver_kind: str
    approver_user_id: int | None
    approver_role: str | None
    status: str
    opened_at: datetime | None
    escalations: int
    decided_by_id: int | None
    on_behalf_of_id: int | None
    decided_at: datetime | None

    @classmethod
    def of(cls, step: ApprovalStep) -> StepPublic:
        return cls(
            id=step.id,
            line_id=step.line_id,
            level=step.level,
            rule=step.rule,
            reason=step.reason,
            approver_kind=step.approver_kind.value,
            approver_user_id=step.approver_user_id,
            approver_role=step.approver_role,
            status=step.status.value,
            opened_at=step.opened_at,
            escalations=step.escalations,
            decided_by_id=step.decided_by_id,
            on_behalf_of_id=step.on_behalf_of_id,
            decided_at=step.decided_at,
        )


class RuleTypePublic(BaseModel):
    key: str
    label: str
    description: str
    settings_schema: dict[str, Any]


class RulePublic(BaseModel):
    id: int
    name: str
    kind: str
    action: str
    settings: dict[str, Any]
    levels: list[dict[str, Any]]
    escalate_after_days: int | None
    position: int
    is_active: bool

    @classmethod
    def of(cls, rule: ApprovalRule) -> RulePublic:
        return cls(
            id=rule.id,
            name=rule.name,
            kind=rule.kind,
            action=rule.action.value,
            settings=rule.settings,
            levels=rule.levels,
            escalate_after_days=rule.escalate_after_days,
            position=rule.position,
            is_active=rule.is_active,
        )


class ApprovalSettingsIO(BaseModel):
    escalate_after_days: int | None = Field(default=None, ge=1, le=365)


class DelegationIn(BaseModel):
    delegate_id: int
    starts_on: date
    ends_on: date
    note: str = Field(default="", max_length=200)


class DelegationPublic(BaseModel):
    id: int
    user_id: int
    delegate_id: int
    starts_on: date
    ends_on: date
    note: str

    @classmethod
    def of(cls, d: ApprovalDelegation) -> DelegationPublic:
        return cls(
            id=d.id,
            user_id=d.user_id,
            delegate_id=d.delegate_id,
            starts_on=d.starts_on,
            ends_on=d.ends_on,
            note=d.note,
        )
