"""Webhook API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000)
    topics: list[str] = Field(default_factory=list, max_length=20)
    description: str = Field(default="", max_length=200)
    active: bool = True


class EndpointPublic(BaseModel):
    id: int
    url: str
    topics: list[str]
    description: str
    active: bool
    created_at: datetime


class EndpointCreated(EndpointPublic):
    secret: str  # shown once, at creation


class DeliveryPublic(BaseModel):
    id: int
    outbox_event_id: int
    topic: str
    ok: bool
    status_code: int | None
    error: str
    at: datetime
    seconds: float
