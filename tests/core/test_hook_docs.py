"""Meta-test: every hook has a reference entry in docs/hooks.md and a test that uses it."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from commissary import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "commissary_spec")
)


def test_the_catalogue_is_not_empty() -> None:
    assert len(HOOKS) >= 10


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_reference_entry(hook: str) -> None:
    reference = (ROOT / "docs" / "hooks.md").read_text()
    assert f"### `{hook}`" in reference, f"docs/hooks.md has no section for {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring_that_says_when(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert "called" in doc.lower() or "delivered" in doc.lower() or "an order" in doc.lower()


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook: str) -> None:
    me = Path(__file__).resolve()
    sources = [p.read_text() for p in (ROOT / "tests").rglob("test_*.py") if p.resolve() != me]
    implementations = [
        p.read_text()
        for folder in ("plugins", "themes", "examples")
        for p in (ROOT / folder).rglob("*.py")
    ]
    assert any(hook in s for s in sources), f"no test mentions {hook}"
    assert any(f"def {hook}(" in s for s in implementations + sources), f"nothing implements {hook}"
