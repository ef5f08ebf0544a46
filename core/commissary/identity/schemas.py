"""API shapes of logins and users."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    roles: list[str]
    location_id: int | None
