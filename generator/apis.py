"""Recipes: the code a developer copies to call one of the catalog's emitting APIs (declared in
its `apis/` folder), made from the API's template and the event's example payload."""

from __future__ import annotations

import json
import re
from typing import Any

from .model import PLACEHOLDER_RE, ApiDefinition


def _python_literal(value: Any, indent: int) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = " " * (indent + 4)
        items = ",\n".join(f"{pad}{k!r}: {_python_literal(v, indent + 4)}" for k, v in value.items())
        return "{\n" + items + ",\n" + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_python_literal(v, indent) for v in value) + "]"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    return repr(str(value))  # dates and other YAML scalars


def _js_literal(value: Any, indent: int) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = " " * (indent + 2)
        items = ",\n".join(f"{pad}{json.dumps(k)}: {_js_literal(v, indent + 2)}" for k, v in value.items())
        return "{\n" + items + ",\n" + " " * indent + "}"
    return json.dumps(value, default=str, ensure_ascii=False)


def _kotlin_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("$", "\\$")


def _kotlin_json(value: Any, indent: int) -> str:
    """analytics-kotlin takes a kotlinx JsonObject built with buildJsonObject { put(...) }."""
    pad = " " * (indent + 4)
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}putJsonObject({_kotlin_string(key)}) {_kotlin_json(item, indent + 4)}")
        elif isinstance(item, (list, tuple)):
            encoded = _kotlin_string(json.dumps(item, default=str))
            lines.append(f"{pad}put({_kotlin_string(key)}, JsonPrimitive({encoded}))")
        elif isinstance(item, str) or (not isinstance(item, (int, float, bool)) and item is not None):
            lines.append(f"{pad}put({_kotlin_string(key)}, {_kotlin_string(str(item))})")
        else:
            lines.append(f"{pad}put({_kotlin_string(key)}, {json.dumps(item)})")
    return "{\n" + "\n".join(lines) + ("\n" if lines else "") + " " * indent + "}"


def _firebase_param(value: Any) -> str:
    """Firebase parameters are numbers or strings; anything else is sent as its JSON text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return _kotlin_string(value)
    return _kotlin_string(json.dumps(value, default=str))


def _params(payload: dict[str, Any], indent: str) -> str:
    lines = [f"param({_kotlin_string(k)}, {_firebase_param(v)})" for k, v in payload.items()]
    return ("\n" + indent).join(lines)


def _literal(language: str, value: Any, indent: int) -> str:
    if language == "python":
        return _python_literal(value, indent)
    if language == "kotlin":
        return "buildJsonObject " + _kotlin_json(value, indent) if isinstance(value, dict) \
            else _kotlin_string(str(value))
    if language in ("javascript", "typescript"):
        return _js_literal(value, indent)
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def render_recipe(api: ApiDefinition, name: str, payload: dict[str, Any]) -> str:
    """The API's recipe with its placeholders filled in. The template is the catalog author's
    text and is never evaluated: only the named placeholders are replaced, by literals of the
    recipe's language (json/repr), so no example value or name can break out of its string. A
    placeholder indented on its line continues at that indentation."""
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        line_start = match.string.rfind("\n", 0, match.start()) + 1
        prefix = match.string[line_start:match.start()]
        indent = len(prefix) - len(prefix.lstrip(" "))
        if key == "name":
            if api.language == "python":
                return repr(name)
            if api.language == "kotlin":
                return _kotlin_string(name)
            return json.dumps(name, ensure_ascii=False)
        if key == "payload:params":
            return _params(payload, " " * indent)
        return _literal(api.language, payload, indent)
    return PLACEHOLDER_RE.sub(fill, api.recipe)


# Where a channel's records keep an event's own fields, under the envelope the channel adds.
PAYLOAD_KEYS = {"tracking-log": "event", "segment": "properties"}


def nest(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Turn dotted field names into nested mappings: [('context.path', '/x')] → {'context': {'path': '/x'}}."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        parts = name.split(".")
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return root
