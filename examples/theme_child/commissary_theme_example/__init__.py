"""A child theme: everything it does not override comes from the default theme.

Select it for the deployment with ``COMMISSARY_THEME=example``.
"""

from __future__ import annotations

from pathlib import Path

from commissary import Theme, hookimpl

HERE = Path(__file__).parent


@hookimpl
def register_themes() -> list[Theme]:
    return [
        Theme(
            name="example",
            templates=HERE / "templates",
            static=HERE / "static",
            parent="default",
        )
    ]
