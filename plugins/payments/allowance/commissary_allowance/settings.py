"""Per-tenant settings of the allowance plugin."""

from __future__ import annotations

from pydantic import Field

from commissary import PluginSettings


class AllowanceSettings(PluginSettings):
    # What the portal calls its points ("points", "credits", "uniform dollars").
    points_label: str = Field(default="points", min_length=1, max_length=30)
    # The largest single grant a manager may make; tenant admins are bound by it too.
    max_grant: int = Field(default=10_000, ge=1, le=10_000_000)
