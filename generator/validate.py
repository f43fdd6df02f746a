"""Stage 2: raw documents → typed, immutable model objects, or diagnostics a person can act on."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .diagnostics import CheckId, Diagnostic, did_you_mean
from .load import RawDocument, is_placeholder
from .model import EVENT_NAME_PATTERN, FIELD_NAME_PATTERN, ID_PATTERN, SECTIONS, CatalogConfig, Strict

MODELS: dict[str, type[Strict]] = {**SECTIONS, "config": CatalogConfig}

NAME_HINT = ("any printable characters, with single spaces between words and none at either end; at "
             "most 128 characters")
ID_HINT = "lower-case letters, digits and '-', starting with a letter or digit"


@dataclass(frozen=True)
class Definition:
    """A validated object and the raw document it came from (for positions in later messages)."""

    item: Any
    source: RawDocument

    def at(self, *loc: Any, key: bool = False) -> tuple[str, int, int]:
        """Where the value at `loc` stands (with `key`, where its key does)."""
        line, column = self.source.position(loc, key=key)
        return self.source.path, line, column


def validate(documents: list[RawDocument], check_kinds: bool = True
             ) -> tuple[list[Definition], list[RawDocument], list[Diagnostic]]:
    """The valid definitions, the documents that were not valid, and every problem found. An
    event's kind is checked against the catalog.yaml among `documents` (or the default kinds
    when there is none); `check_kinds=False` leaves that to the linker, for files read alone."""
    definitions, invalid, problems = [], [], []
    # catalog.yaml first: it declares the kinds events may name
    documents = sorted(documents, key=lambda d: d.section != "config")
    has_config = any(d.section == "config" for d in documents)
    kinds = None if has_config or not check_kinds else CatalogConfig().kinds  # invalid: unchecked
    for document in documents:
        model = MODELS[document.section]
        try:
            item = model.model_validate(document.data, context={"kinds": kinds})
            definitions.append(Definition(item, document))
            if isinstance(item, CatalogConfig):
                kinds = item.kinds
        except ValidationError as error:
            invalid.append(document)
            problems.extend(_explain(error, model, document))
    return definitions, invalid, problems


def _explain(error: ValidationError, model: type[BaseModel], document: RawDocument) -> list[Diagnostic]:
    """Turn pydantic's errors into one message per place, in our words."""
    found: dict[tuple, Diagnostic] = {}
    errors = error.errors(include_url=False)
    placed = [(err, _data_loc(err["loc"], document.data)) for err in errors]
    kinds_at: dict[tuple, set[str]] = defaultdict(set)
    words_at: dict[tuple, str] = {}  # the allowed words of a literal branch, per place
    for err, loc in placed:
        kinds_at[loc].add(err["type"])
        if err["type"] == "literal_error":
            words_at.setdefault(loc, err.get("ctx", {}).get("expected", ""))
    for err, loc in placed:
        if is_placeholder(err.get("input")):
            continue  # reported once, as a placeholder, by the todo-placeholder rule
        # pydantic counts only the valid items, so a list whose one item is wrong is also
        # "too short": the item's own message is the one that helps.
        if err["type"] == "too_short" and any(
                len(other["loc"]) > len(err["loc"]) and other["loc"][:len(err["loc"])] == err["loc"]
                for other in errors):
            continue
        if loc in found:
            continue  # a union reports each branch; one message says it all
        if kinds_at[loc] == {"bool_type", "literal_error"}:  # true, false or a word
            line, column = document.position(loc)
            found[loc] = Diagnostic(document.path, line, column, "bad-value",
                                    f"{'.'.join(map(str, loc))}: expected true, false or "
                                    f"{words_at[loc]}, got {_yaml_type(err.get('input'))}")
            continue
        found[loc] = _diagnostic(err, loc, model, document)
    return list(found.values())


def _data_loc(loc: tuple, data: Any) -> tuple:
    """The part of pydantic's path that exists in the data (dropping union-branch labels),
    plus a missing key at its end."""
    kept: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            kept.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            kept.append(part)
            node = node[part]
        else:
            break
    return tuple(kept)


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that describes the mapping at `loc`, if any."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if current is not None else None
        if field is None:
            return None
        current = _inner_model(field.annotation)
    return current


def _inner_model(annotation: Any) -> Any:
    """The model class inside `tuple[Model, ...]`, `Model | None` or `Model`, if any."""
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
        stack.extend(getattr(item, "__args__", ()))
    return None


def _yaml_type(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date ({value.isoformat()})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


def _diagnostic(err: ErrorDetails, loc: tuple, model: type[BaseModel], document: RawDocument) -> Diagnostic:
    kind = err["type"]
    value = err.get("input")
    owner, key = _model_at(model, loc[:-1]), (loc[-1] if loc else None)
    name = ".".join(str(p) for p in loc) or "file"

    def at(rule: CheckId, message: str, hint: str = "", *, where: tuple | None = None,
           key_position: bool = False) -> Diagnostic:
        line, column = document.position(loc if where is None else where, key=key_position)
        return Diagnostic(document.path, line, column, rule, message, hint)

    if kind == "missing":
        field = owner.model_fields.get(key) if owner and isinstance(key, str) else None
        hint = field.description if field and field.description else ""
        inside = f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else ""
        return at("missing-key", f"missing required key '{loc[-1]}'{inside}", hint, where=loc[:-1])
    if kind == "extra_forbidden":
        known = list(owner.model_fields) if owner else []
        hint = did_you_mean(str(loc[-1]), known) if len(known) <= 8 or \
            did_you_mean(str(loc[-1]), known).startswith("did") else "allowed keys: " + ", ".join(known)
        return at("unknown-key", f"unknown key '{loc[-1]}'", hint, key_position=True)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ", ").split(",") if c.strip()]
        if isinstance(value, str):
            return at("bad-value", f"{name}: {value!r} is not allowed",
                      did_you_mean(value, choices) or f"expected {expected}")
        return at("wrong-type", f"{name}: expected one of the allowed words, got {_yaml_type(value)}",
                  f"expected {expected}")
    if kind in ("string_type", "string_sub_type"):
        hint = "put the value in quotes" if isinstance(value, (int, float, bool, datetime.date)) else ""
        return at("wrong-type", f"{name}: expected text, got {_yaml_type(value)}", hint)
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        what, hint = _pattern_words(pattern, loc)
        shown = value if len(str(value)) <= 60 else str(value)[:57] + "..."
        return at("bad-name", f"{name}: {shown!r} is not a valid {what}", hint)
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return at("too-long", f"{name}: text is too long ({len(str(value)):,} characters; the limit is {limit:,})")
    if kind == "string_too_short":
        return at("empty-value", f"{name}: must not be empty")
    if kind == "too_short":
        return at("empty-value", f"{name}: needs at least one entry")
    if kind in ("bool_type", "bool_parsing"):
        return at("wrong-type", f"{name}: expected true or false, got {_yaml_type(value)}")
    if kind in ("tuple_type", "list_type"):
        return at("wrong-type", f"{name}: expected a list, got {_yaml_type(value)}",
                  "write one '- item' per line")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return at("wrong-type", f"{name}: expected a mapping of keys, got {_yaml_type(value)}")
    if kind == "value_error":  # a model's own check: its message is already a sentence
        return at("bad-value", f"{name}: {err.get('ctx', {}).get('error', err['msg'])}")
    return at("bad-value", f"{name}: {err['msg']}")


def _pattern_words(pattern: str, loc: tuple) -> tuple[str, str]:
    """What a string that failed `pattern` was meant to be, and how to write one."""
    if loc and loc[0] == "tags":
        return "tag", "lower-case letters, digits and '-', at most 40 characters"
    if pattern == EVENT_NAME_PATTERN:
        return "event name", NAME_HINT
    if pattern == ID_PATTERN:
        return "id", ID_HINT
    if pattern.startswith("^https?"):
        return "URL", "an http:// or https:// address"
    if pattern == FIELD_NAME_PATTERN:
        return "field name", "letters, digits, '_' and '-', with dots between nested keys"
    if loc and loc[-1] == "payload_key":
        return "payload key", "one key: letters, digits and '_', no dots"
    if pattern == r"^[a-z][a-z0-9-]*$":
        return "rule id", "lower-case letters, digits and '-'"
    return "value", f"it must match {pattern}"
