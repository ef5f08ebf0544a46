"""Forms rendered from a rule type's pydantic settings model, and parsed back.

The editor shows one input per field: a number for ``int``, a checkbox for ``bool``, a
text box for ``str`` and a comma-separated text box for lists of ints or strings. The
parsed values go through the model's own validation, so the form can never store what
the API would refuse.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from commissary.errors import Invalid


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # "number", "checkbox", "text", "list"
    value: str
    checked: bool = False
    hint: str = ""


def _widget(annotation: Any) -> tuple[str, type | None]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _widget(inner[0]) if len(inner) == 1 else ("text", str)
    if origin is list:
        (item,) = get_args(annotation) or (str,)
        return "list", item
    if annotation is bool:
        return "checkbox", bool
    if annotation is int:
        return "number", int
    return "text", str


def fields_of(model: type[BaseModel], values: dict[str, Any]) -> list[FormField]:
    found = []
    for name, info in model.model_fields.items():
        widget, _kind = _widget(info.annotation)
        default = info.get_default(call_default_factory=True)
        value = values.get(name, default)
        label = info.description or name.replace("_", " ").capitalize()
        if widget == "list":
            text = ", ".join(str(v) for v in value or [])
            hint = "Separate several with commas."
        else:
            text, hint = ("" if value is None else str(value)), ""
        found.append(
            FormField(
                name, label, widget, text, checked=bool(value) and widget == "checkbox", hint=hint
            )
        )
    return found


def parse(model: type[BaseModel], form: dict[str, str]) -> dict[str, Any]:
    """Form values (``s_<field>``) as the model's raw input; the model validates them."""
    raw: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        widget, kind = _widget(info.annotation)
        text = form.get(f"s_{name}", "").strip()
        if widget == "checkbox":
            raw[name] = text in ("1", "on", "true")
        elif widget == "list":
            parts = [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]
            if kind is int:
                bad = [p for p in parts if not p.lstrip("-").isdigit()]
                if bad:
                    raise Invalid(f"{name.replace('_', ' ')}: {', '.join(bad)} is not a number")
                raw[name] = [int(p) for p in parts]
            else:
                raw[name] = parts
        elif widget == "number":
            if text:
                if not text.lstrip("-").isdigit():
                    raise Invalid(f"{name.replace('_', ' ')}: enter a whole number")
                raw[name] = int(text)
        elif text:
            raw[name] = text
    return raw


__all__ = ["FormField", "fields_of", "parse"]
