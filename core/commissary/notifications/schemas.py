"""Notification API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class TemplatePublic(BaseModel):
    kind: str
    language: str
    title: str
    recipients: str
    optional: bool
    subject: str
    body: str
    customised: bool


class TemplateSource(BaseModel):
    """A template to preview or test-send (not stored)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=60)
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=20_000)


class TemplateUpdate(TemplateSource):
    """A template to store for one kind and language."""

    language: str = Field(default="en", max_length=8)


class RenderedPublic(BaseModel):
    subject: str
    text: str
    html: str


class PreferencePublic(BaseModel):
    kind: str
    title: str
    optional: bool
    muted: bool


class PreferenceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=60)
    muted: bool


class AttemptPublic(BaseModel):
    event_id: int
    topic: str
    handler: str
    ok: bool
    error: str
    started_at: datetime
    seconds: float


class DigestChoice(BaseModel):
    """The kinds a tenant sends as a digest (one message per person and period)."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[str] = Field(default_factory=list, max_length=50)


class SettingsPublic(BaseModel):
    """A tenant's reminder thresholds, digest period and default language."""

    model_config = ConfigDict(extra="forbid")

    points_expiring_days: list[StrictInt] = Field(max_length=5)
    approval_waiting_days: list[StrictInt] = Field(max_length=5)
    budget_percents: list[StrictInt] = Field(max_length=5)
    digest_period: str = Field(max_length=10)
    default_language: str = Field(max_length=8)
