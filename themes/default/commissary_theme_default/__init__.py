"""The default theme. Child themes name it as their ``parent`` and override templates by name."""

from __future__ import annotations

from pathlib import Path

from commissary import Theme, hookimpl

HERE = Path(__file__).parent


@hookimpl
def register_themes() -> list[Theme]:
    return [Theme(name="default", templates=HERE / "templates", static=HERE / "static")]
