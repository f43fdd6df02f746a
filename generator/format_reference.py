"""The catalog format's reference page, derived from the model: each kind of file, its keys, their
types in a reader's words, defaults and examples. The model's own descriptions are the text."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from . import model

FORMAT_MODELS = (
    ("Event", model.Event, "events/<domain>/<name>.yaml"),
    ("Payload field", model.PayloadField, "an entry of `fields`"),
    ("Implementation", model.Implementation, "an entry of `implementations`"),
    ("Known issue", model.KnownIssue, "an entry of `known_issues`"),
    ("Source", model.Source, "an entry of `sources`"),
    ("Field group", model.FieldGroup, "fields/<id>.yaml"),
    ("Tool", model.Tool, "tools/<id>.yaml"),
    ("Storage notes", model.Storage, "a tool's `storage`"),
    ("Team", model.Team, "teams/<id>.yaml"),
    ("Emitting API", model.ApiDefinition, "apis/<name>.yaml"),
    ("Catalog settings", model.CatalogConfig, "catalog.yaml"),
    ("Kind", model.KindDefinition, "an entry of `kinds` in catalog.yaml"),
)


def format_reference() -> list[dict[str, Any]]:
    result = []
    for title, cls, where in FORMAT_MODELS:
        keys = []
        for name, info in cls.model_fields.items():
            required = info.is_required()
            default = None if required else info.get_default(call_default_factory=True)
            keys.append({
                "name": name,
                "type": describe_type(info.annotation, info.metadata),
                "required": required,
                "default": "" if required else _default_text(default),
                "description": info.description or "",
                "example": _example_text(info.examples[0]) if info.examples else "",
            })
        result.append({"title": title, "where": where, "doc": (cls.__doc__ or "").strip(),
                       "keys": keys, "anchor": title.lower().replace(" ", "-")})
    return result


def _default_text(value: Any) -> str:
    if value is None:
        return "not set"
    if value == ():
        return "empty list"
    if value == {}:
        return "empty mapping"
    if isinstance(value, bool):
        return str(value).lower()
    if value == "":
        return "empty"
    return str(value)


def _example_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


_PATTERN_LABELS = {
    model.EVENT_NAME_PATTERN: "event name",
    model.ID_PATTERN: "id",
    model.FIELD_NAME_PATTERN: "field name",
}


def _label_from_constraints(metadata: list[Any]) -> str | None:
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    max_length = next((m.max_length for m in metadata if getattr(m, "max_length", None)), None)
    if pattern == model.ID_PATTERN and max_length == 40:
        return "tag"
    if pattern in _PATTERN_LABELS:
        return _PATTERN_LABELS[pattern]
    if pattern and pattern.startswith("^https?"):
        return "URL"
    if max_length == 300:
        return "one line of text"
    if pattern == r"^[a-z][a-z0-9-]*$":
        return "rule id"
    if pattern and pattern.startswith("^[A-Za-z_]") and max_length == 40:
        return "key name"
    return None


def describe_type(annotation: Any, metadata: Sequence[Any] = ()) -> str:
    """A reader's name for a key's type: 'event name', 'list of ids', 'one of: a, b'..."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return describe_type(args[0], [*annotation.__metadata__, *metadata])
    label = _label_from_constraints(list(metadata))
    if label:
        return label
    if origin is Literal:
        return "one of: " + ", ".join(str(a).lower() if isinstance(a, bool) else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe_type(a) for a in args if a is not type(None))
    if origin is dict:
        return f"mapping of {describe_type(args[0])} to {describe_type(args[1])}"
    if origin is tuple:
        inner = describe_type(args[0])
        if inner.startswith("one of:"):
            return "list, each " + inner
        if inner.startswith("mapping"):
            return "list of mappings (see below)"
        return f"list of {inner}s" if not inner.endswith("s") else f"list of {inner}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping (see below)"
    if annotation is typing.Any:
        return "any value"
    name = getattr(annotation, "__name__", str(annotation))
    return {"str": "text", "bool": "true or false", "date": "date (YYYY-MM-DD)"}.get(name, name)
