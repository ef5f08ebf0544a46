"""API shapes of locations and of who may order for them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LocationCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=500)
    manager_id: int | None = None
    parent_id: int | None = None


class LocationUpdate(BaseModel):
    """Only the fields sent change; send ``"parent_id": null`` to make it top-level."""

    code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    manager_id: int | None = None
    parent_id: int | None = None


class LocationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    address: str
    manager_id: int | None
    parent_id: int | None


class UserLocations(BaseModel):
    """A user's default location (``User.location_id``), further locations they may
    order for, and whether they may type a ship-to address of their own."""

    default_location_id: int | None
    location_ids: list[int] = Field(default_factory=list, max_length=500)
    may_enter_address: bool = False


class ShipToChoices(BaseModel):
    locations: list[LocationPublic]
    default_location_id: int | None
    may_enter_address: bool


class ImportRequest(BaseModel):
    csv: str = Field(max_length=5_000_000)
    dry_run: bool = True


class ImportRowError(BaseModel):
    line: int
    message: str


class ImportResult(BaseModel):
    dry_run: bool
    rows: int
    created: int
    updated: int
    errors: list[ImportRowError]
