"""Rendering tenant-edited templates in Jinja2's sandbox.

The environment has no loader (``include``/``import``/``extends`` cannot read files), the
sandbox refuses attributes that reach Python internals (``__class__``, ``mro`` ...), and
templates see plain dicts only. Undefined names fail loudly, so a typo is refused when
the admin saves, with its line, instead of sending an e-mail with a hole in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

MAX_SUBJECT = 200
MAX_SOURCE = 20_000

_text_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, loader=None)
_BLANK_LINES = re.compile(r"\n\s*\n")


class TemplateProblem(Exception):
    """A template that does not compile or render; ``line`` is 1-based when known."""

    def __init__(self, field: str, message: str, line: int | None) -> None:
        where = f"{field}, line {line}" if line else field
        super().__init__(f"{where}: {message}")
        self.field, self.message, self.line = field, message, line


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _line_of(exc: BaseException, source: str) -> int | None:
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    # Jinja rewrites a runtime error's traceback so template frames carry template lines.
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line if line is not None and 0 < line <= source.count("\n") + 1 else None


def _compile(env: SandboxedEnvironment, field: str, source: str) -> Any:
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(field, f"at most {MAX_SOURCE} characters", None)
    try:
        parsed = env.parse(source)
        for node in parsed.find_all((nodes.Extends, nodes.Include, nodes.Import)):
            raise TemplateProblem(field, "templates cannot include other files", node.lineno)
        return env.from_string(source)
    except TemplateProblem:
        raise
    except TemplateError as exc:
        raise TemplateProblem(
            field, exc.message or type(exc).__name__, _line_of(exc, source)
        ) from exc


def _run(template: Any, field: str, source: str, variables: dict[str, Any]) -> str:
    try:
        return str(template.render(variables))
    except TemplateError as exc:
        raise TemplateProblem(
            field, exc.message or type(exc).__name__, _line_of(exc, source)
        ) from exc
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise TemplateProblem(field, str(exc), _line_of(exc, source)) from exc


def _paragraphs(html_body: str) -> str:
    """Plain-text layout to HTML: blank lines end paragraphs, newlines break lines."""
    parts = [p.strip("\n") for p in _BLANK_LINES.split(html_body) if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>\n" for p in parts)


def render(subject: str, body: str, variables: dict[str, Any]) -> Rendered:
    """Render a notification; raises :class:`TemplateProblem` with the field and line."""
    subject_text = _run(_compile(_text_env, "subject", subject), "subject", subject, variables)
    text = _run(_compile(_text_env, "body", body), "body", body, variables)
    # The body is plain text, literal parts included: the HTML part is its escaped layout.
    html_body = str(escape(text.strip()))
    title = escape(" ".join(subject_text.split())[:MAX_SUBJECT])
    html = Markup(
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>{}</title></head>'
        '<body style="font-family:sans-serif;line-height:1.5">\n{}</body></html>\n'
    ).format(title, Markup(_paragraphs(html_body)))
    return Rendered(" ".join(subject_text.split())[:MAX_SUBJECT], text.strip() + "\n", str(html))


def check(subject: str, body: str, variables: dict[str, Any]) -> Rendered:
    """Compile and render with sample data: what an admin's save must pass."""
    if not subject.strip():
        raise TemplateProblem("subject", "the subject cannot be empty", None)
    if not body.strip():
        raise TemplateProblem("body", "the body cannot be empty", None)
    return render(subject, body, variables)
