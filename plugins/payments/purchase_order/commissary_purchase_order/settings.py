"""Per-tenant PO rules: the number's format and the payment terms."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from commissary import PluginSettings


class PurchaseOrderSettings(PluginSettings):
    # A full-match regular expression for PO numbers, e.g. ``PO-\d{6}``.
    number_pattern: str = Field(default=r"[A-Za-z0-9][A-Za-z0-9/_.-]{2,39}", max_length=200)
    # Shown to buyers when a number does not match.
    number_hint: str = Field(default="3-40 letters, digits, / _ . -", max_length=200)
    # Net N: days from invoice to due date.
    terms_days: int = Field(default=30, ge=0, le=365)

    @field_validator("number_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value

    @property
    def terms(self) -> str:
        return "Due on receipt" if self.terms_days == 0 else f"Net {self.terms_days}"
