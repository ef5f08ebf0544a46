"""API shapes of wallets and grants."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from commissary_allowance.models import LedgerEntry


class WalletPublic(BaseModel):
    user_id: int
    available: int
    held: int
    spent: int
    label: str


class EntryPublic(BaseModel):
    id: int
    kind: str
    available_delta: int
    held_delta: int
    order_id: int | None
    reason: str
    actor_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, e: LedgerEntry) -> EntryPublic:
        return cls(
            id=e.id,
            kind=e.kind.value,
            available_delta=e.available_delta,
            held_delta=e.held_delta,
            order_id=e.order_id,
            reason=e.reason,
            actor_id=e.actor_id,
            created_at=e.created_at,
        )


class GrantRequest(BaseModel):
    user_id: int
    points: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=500)


class PersonBalance(BaseModel):
    user_id: int
    name: str
    email: str
    available: int
