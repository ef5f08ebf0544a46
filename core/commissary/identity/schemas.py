"""API shapes of logins and users."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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
    language: str | None = None  # None: the tenant's default language
    invited: bool = False  # has not chosen a password yet


class LanguageUpdate(BaseModel):
    """A person's language (``null``: follow the portal's default language)."""

    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(max_length=8)


class InviteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(min_length=1, max_length=5)
    location_id: int | None = None
    language: str | None = Field(default=None, max_length=8)


class InvitePublic(BaseModel):
    user: UserPublic
    invite_id: int
    expires_at: datetime
    mailed: bool
    # Only when no channel mailed it: the single-use link, to hand over yourself.
    invite_url: str | None = None
