"""Macro libraries are imported without context (Jinja then builds each once, not on every
page); such a macro sees only its arguments and the environment's globals, and any page
variable it read would silently render empty (a form without its CSRF token, a form
without its fields). So: a template imported without context reads no page variable."""

from __future__ import annotations

import re

from fastapi import FastAPI
from jinja2 import Environment, meta

IMPORT = re.compile(r'{%-?\s*(?:import|from)\s+"([^"]+)"[^%]*?(with context)?\s*-?%}')


def test_templates_imported_without_context_read_no_page_variables(app: FastAPI) -> None:
    env: Environment = app.state.templates
    assert env.loader is not None
    without_context: set[str] = set()
    for name in env.list_templates(extensions=["html"]):
        source = env.loader.get_source(env, name)[0]
        without_context |= {m.group(1) for m in IMPORT.finditer(source) if not m.group(2)}
    assert "_macros.html" in without_context
    for name in sorted(without_context):
        source = env.loader.get_source(env, name)[0]
        free = meta.find_undeclared_variables(env.parse(source)) - set(env.globals)
        assert free == set(), f"{name} reads {sorted(free)}: pass them as macro arguments"


def test_pagination_links_the_ends_and_two_pages_either_side() -> None:
    from commissary.web.rendering import page_window

    assert page_window(5, 10) == [1, 3, 4, 5, 6, 7, 10]
    assert page_window(1, 3) == [1, 2, 3]
    assert page_window(1, 1) == [1]
