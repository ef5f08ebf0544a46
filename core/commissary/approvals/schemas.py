"""API shapes of the approvals inbox and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator


class InboxItem(BaseModel):
    order_id: int
    number: str
    buyer: str
    location: str
    total_points: int
    pending_lines: int
    submitted_at: datetime
    reasons: list[str]


class Inbox(BaseModel):
    items: list[InboxItem]
    total: int


class LineDecisionIn(BaseModel):
    line_id: int
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=500)


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
