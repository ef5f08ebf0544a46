"""Entitlements at the API's edge."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from commissary.entitlements.manage import MAX_QUANTITY, EntitlementData
from commissary.entitlements.models import Enforcement, Entitlement, PeriodKind, TargetKind
from commissary.entitlements.service import Usage


class EntitlementIn(BaseModel):
    """``period``: ``rolling`` (give ``months``), or the calendar ``year``, ``quarter`` or
    ``month``. ``customer_type_id``: null for everyone."""

    name: str = Field(min_length=1, max_length=120)
    target_kind: TargetKind
    target_id: int
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    period: PeriodKind
    months: int | None = Field(default=None, ge=1, le=60)
    enforcement: Enforcement = Enforcement.HARD
    customer_type_id: int | None = None
    is_active: bool = True

    @model_validator(mode="after")
    def _months_for_rolling(self) -> EntitlementIn:
        if self.period is PeriodKind.ROLLING and self.months is None:
            raise ValueError("a rolling period needs months (1 to 60)")
        if self.period is not PeriodKind.ROLLING and self.months is not None:
            raise ValueError("months applies to rolling periods only")
        return self

    def data(self) -> EntitlementData:
        return EntitlementData(**self.model_dump())


class EntitlementPublic(BaseModel):
    id: int
    name: str
    target_kind: TargetKind
    target_id: int
    target_name: str
    quantity: int
    period: PeriodKind
    months: int | None
    enforcement: Enforcement
    customer_type_id: int | None
    is_active: bool

    @classmethod
    def of(cls, e: Entitlement, names: dict[tuple[str, int], str]) -> EntitlementPublic:
        return cls(
            id=e.id,
            name=e.name,
            target_kind=e.target_kind,
            target_id=e.target_id,
            target_name=names.get((e.target_kind.value, e.target_id), "(deleted)"),
            quantity=e.quantity,
            period=e.period,
            months=e.months,
            enforcement=e.enforcement,
            customer_type_id=e.customer_type_id,
            is_active=e.is_active,
        )


class UsagePublic(BaseModel):
    """An entitlement as it stands for the signed-in person. ``ordered``: units in live
    orders inside the window; ``in_cart``: units in the cart; ``until``: when more units
    become available (the calendar reset, or when the oldest counted unit leaves a rolling
    window); ``label``: the sentence buyers read ("1 of 2 left until 1 Jan 2027")."""

    entitlement_id: int
    name: str
    target_kind: TargetKind
    target_id: int
    quantity: int
    per: str
    ordered: int
    in_cart: int
    left: int
    until: datetime | None
    enforcement: Enforcement
    label: str

    @classmethod
    def of(cls, u: Usage) -> UsagePublic:
        return cls(
            entitlement_id=u.rule.id,
            name=u.rule.name,
            target_kind=u.rule.target_kind,
            target_id=u.rule.target_id,
            quantity=u.rule.quantity,
            per=u.rule.per,
            ordered=u.ordered,
            in_cart=u.pending,
            left=u.left,
            until=u.until if u.total else None,
            enforcement=u.rule.enforcement,
            label=u.label,
        )
