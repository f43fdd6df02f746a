"""The emitting APIs the catalog knows: where each runs, where its data goes, and the code a developer
copies to call it (the "recipe" on an event page)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

# A recipe gets the event name and the payload fields as (name, example) pairs, dotted names
# already nested into dicts, and returns source code. Values become literals of the target
# language through json/repr only, so no example value can break out of its string.
Recipe = Callable[[str, dict[str, Any]], str]


@dataclass(frozen=True)
class Api:
    name: str
    sides: frozenset[str]
    channel: str  # "tracking-log", "segment" or "direct"
    language: str  # for syntax highlighting
    summary: str
    recipe: Recipe


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
            lines.append(f"{pad}put({_kotlin_string(key)}, JsonPrimitive({_kotlin_string(json.dumps(item, default=str))}))")
        elif isinstance(item, str) or not isinstance(item, (int, float, bool)) and item is not None:
            lines.append(f"{pad}put({_kotlin_string(key)}, {_kotlin_string(str(item))})")
        else:
            lines.append(f"{pad}put({_kotlin_string(key)}, {json.dumps(item)})")
    return "{\n" + "\n".join(lines) + ("\n" if lines else "") + " " * indent + "}"


def _tracker_emit(name: str, payload: dict[str, Any]) -> str:
    return ("from eventtracking import tracker\n\n"
            f"tracker.emit(\n    {name!r},\n    {_python_literal(payload, 4)},\n)\n")


def _segment_track(name: str, payload: dict[str, Any]) -> str:
    return ("from common.djangoapps.track import segment\n\n"
            f"segment.track(\n    user.id,\n    {name!r},\n    {_python_literal(payload, 4)},\n)\n")


def _segment_identify(name: str, payload: dict[str, Any]) -> str:
    return ("from common.djangoapps.track import segment\n\n"
            f"# Sent with {name!r}: the traits describe the user, not the event.\n"
            f"segment.identify(\n    user.id,\n    {_python_literal(payload, 4)},\n)\n")


def _send_tracking_log_event(name: str, payload: dict[str, Any]) -> str:
    return ("import { sendTrackingLogEvent } from '@edx/frontend-platform/analytics';\n\n"
            f"sendTrackingLogEvent({json.dumps(name)}, {_js_literal(payload, 0)});\n")


def _send_track_event(name: str, payload: dict[str, Any]) -> str:
    return ("import { sendTrackEvent } from '@edx/frontend-platform/analytics';\n\n"
            f"sendTrackEvent({json.dumps(name)}, {_js_literal(payload, 0)});\n")


def _logger_log(name: str, payload: dict[str, Any]) -> str:
    return f"Logger.log({json.dumps(name)}, {_js_literal(payload, 0)});\n"


def _analytics_track(name: str, payload: dict[str, Any]) -> str:
    return f"window.analytics.track({json.dumps(name)}, {_js_literal(payload, 0)});\n"


def _mobile_segment(name: str, payload: dict[str, Any]) -> str:
    return ("// Android, analytics-kotlin\n"
            f"analytics.track({_kotlin_string(name)}, buildJsonObject {_kotlin_json(payload, 0)})\n")


def _firebase_param(value: Any) -> str:
    """Firebase parameters are numbers or strings; anything else is sent as its JSON text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return _kotlin_string(value)
    return _kotlin_string(json.dumps(value, default=str))


def _firebase_log_event(name: str, payload: dict[str, Any]) -> str:
    params = "".join(f"    param({_kotlin_string(k)}, {_firebase_param(v)})\n"
                     for k, v in payload.items())
    return ("// Android, Firebase Analytics KTX. Firebase names allow letters, digits and '_' only,\n"
            "// at most 40 characters: check the name the app really sends.\n"
            f"Firebase.analytics.logEvent({_kotlin_string(name)}) {{\n{params}}}\n")


APIS: dict[str, Api] = {api.name: api for api in (
    Api("tracker.emit", frozenset({"server", "task"}), "tracking-log", "python",
        "Python event-tracking: writes to the tracking log; reaches Segment only if whitelisted.",
        _tracker_emit),
    Api("segment.track", frozenset({"server", "task"}), "segment", "python",
        "Sends straight to Segment from the server, skipping the tracking log.", _segment_track),
    Api("segment.identify", frozenset({"server"}), "segment", "python",
        "Tells Segment who the user is (traits); the LMS calls it at login and registration.",
        _segment_identify),
    Api("sendTrackingLogEvent", frozenset({"browser"}), "tracking-log", "javascript",
        "Micro-frontends: writes to the tracking log; reaches Segment only if whitelisted.",
        _send_tracking_log_event),
    Api("sendTrackEvent", frozenset({"browser"}), "segment", "javascript",
        "Micro-frontends: sends to Segment and the tools behind it, not to the tracking log.",
        _send_track_event),
    Api("Logger.log", frozenset({"browser"}), "tracking-log", "javascript",
        "Legacy front end: writes to the tracking log; reaches Segment only if whitelisted.",
        _logger_log),
    Api("analytics.track", frozenset({"browser"}), "segment", "javascript",
        "Legacy front end: Segment's analytics.js, straight to Segment.", _analytics_track),
    Api("Analytics.track", frozenset({"mobile"}), "segment", "kotlin",
        "Mobile apps: Segment's mobile SDK.", _mobile_segment),
    Api("logEvent", frozenset({"mobile"}), "direct", "kotlin",
        "Mobile apps: the Firebase Analytics SDK, straight to Firebase.", _firebase_log_event),
)}


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
