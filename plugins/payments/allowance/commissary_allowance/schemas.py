"""API shapes of wallets, grants, programs and requests for points."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from commissary_allowance.models import LedgerEntry, Period, PointsRequest, Program, RequestStatus


class WalletPublic(BaseModel):
    user_id: int
    available: int
    held: int
    spent: int
    label: str
    wallets: list[WalletPart] = Field(default_factory=list)


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


class WalletPart(BaseModel):
    """One of the user's wallets: general, or restricted to a program's categories."""

    program_id: int
    program: str
    category_ids: list[int]
    available: int
    held: int
    spent: int


class GrantWithExpiry(GrantRequest):
    # When set, the points expire at the start of this day (UTC).
    expires_on: date | None = None


class BulkGrantPublic(BaseModel):
    people: int
    points: int
    replayed: bool


class ProgramCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    customer_type_id: int | None = Field(default=None, ge=1)
    points_per_period: int = Field(ge=1, le=10_000_000)
    period: Period
    starts_on: date
    expiry_days: int | None = Field(default=None, ge=1, le=3650)
    rollover_cap: int | None = Field(default=None, ge=0)
    prorate: bool = True
    category_ids: list[int] = Field(default_factory=list, max_length=200)

    @field_validator("starts_on")
    @classmethod
    def _renewal_day(cls, value: date) -> date:
        if value.day > 28:
            raise ValueError("the renewal day is between 1 and 28, so every month has it")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the program a name")
        return value


class ProgramPublic(BaseModel):
    id: int
    name: str
    customer_type_id: int | None
    points_per_period: int
    period: Period
    starts_on: date
    expiry_days: int | None
    rollover_cap: int | None
    prorate: bool
    category_ids: list[int]
    is_active: bool

    @classmethod
    def of(cls, p: Program) -> ProgramPublic:
        return cls(
            id=p.id,
            name=p.name,
            customer_type_id=p.customer_type_id,
            points_per_period=p.points_per_period,
            period=p.period,
            starts_on=p.starts_on,
            expiry_days=p.expiry_days,
            rollover_cap=p.rollover_cap,
            prorate=p.prorate,
            category_ids=list(p.category_ids),
            is_active=p.is_active,
        )


class PointsAsk(BaseModel):
    points: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=500)


class Decision(BaseModel):
    note: str = Field(default="", max_length=500)


class RequestPublic(BaseModel):
    id: int
    user_id: int
    points: int
    reason: str
    status: RequestStatus
    decided_by_id: int | None
    decision_note: str
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, r: PointsRequest) -> RequestPublic:
        return cls(
            id=r.id,
            user_id=r.user_id,
            points=r.points,
            reason=r.reason,
            status=r.status,
            decided_by_id=r.decided_by_id,
            decision_note=r.decision_note,
            created_at=r.created_at,
            decided_at=r.decided_at,
        )
