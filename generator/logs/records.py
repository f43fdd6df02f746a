"""One shape for every kind of record: (shape, name, side, time, payload, envelope).

Three shapes reach a tracking log:

- the Open edX tracking-log record: `event_type` and/or `name`, `event_source`, `time`, the
  event's own fields under `event` (an object, or in browser records a JSON-encoded string);
- the processed event-tracking shape, before the LMS maps it to the legacy record:
  `name`, `timestamp`, `context`, the event's own fields under `data`;
- a Segment message (the analytics pipeline reads those too): `type`, `event`, `messageId`,
  the event's own fields under `properties`.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

TRACKING, PROCESSED, SEGMENT = "tracking-log", "event-tracking", "segment"
PAYLOAD_KEY = {TRACKING: "event", PROCESSED: "data", SEGMENT: "properties"}
NAME_KEYS = {TRACKING: ("name", "event_type"), PROCESSED: ("name",), SEGMENT: ("event",)}

# Segment does not say where a message came from; its library does.
_SEGMENT_LIBRARY_SIDES = {
    "analytics.js": "browser", "analytics-next": "browser",
    "analytics-android": "mobile", "analytics-ios": "mobile", "analytics-kotlin": "mobile",
    "analytics-swift": "mobile", "analytics-react-native": "mobile",
    "analytics-python": "server", "analytics-node": "server", "analytics-ruby": "server",
    "analytics-java": "server", "analytics-go": "server",
}


class Record(NamedTuple):
    shape: str
    names: tuple[str, ...]  # candidate names, best first: `name`, then `event_type`
    side: str | None
    time: Any
    payload: Any  # the event's own fields: a dict when well formed
    envelope: dict  # the whole record (the payload key included)
    implicit: bool  # an implicit server event: its event_type is the requested URL path


def shape_of(record: dict) -> str:
    if "event_type" in record or "event_source" in record or "event" in record and "type" not in record:
        return TRACKING
    if "messageId" in record or "type" in record and ("properties" in record or "traits" in record):
        return SEGMENT
    if "data" in record or "timestamp" in record:
        return PROCESSED
    return TRACKING  # a stub (only username and time) is a tracking-log record without a name


def _decoded(payload: Any) -> Any:
    """Browser records carry `event` as JSON text; an empty string means no payload."""
    if isinstance(payload, str):
        if payload == "":
            return {}
        if payload[:1] in ("{", "["):
            try:
                return json.loads(payload)
            except ValueError:
                return payload
    return payload


def normalise(record: dict) -> Record:
    shape = shape_of(record)
    if shape == TRACKING:
        name, event_type = record.get("name"), record.get("event_type")
        names = tuple(n for n in dict.fromkeys((name, event_type)) if isinstance(n, str) and n)
        implicit = not (isinstance(name, str) and name) and isinstance(event_type, str) \
            and event_type.startswith("/")
        side = record.get("event_source")
        return Record(shape, names, side if isinstance(side, str) else None, record.get("time"),
                      _decoded(record.get("event", {})), record, implicit)
    if shape == PROCESSED:
        name = record.get("name")
        context = record.get("context")
        side = context.get("event_source") if isinstance(context, dict) else None
        side = side or record.get("event_source")
        return Record(shape, (name,) if isinstance(name, str) and name else (),
                      side if isinstance(side, str) else None, record.get("timestamp"),
                      _decoded(record.get("data", {})), record, False)
    name = record.get("event")
    context = record.get("context")
    library = context.get("library") if isinstance(context, dict) else None
    side = _SEGMENT_LIBRARY_SIDES.get(library.get("name")) if isinstance(library, dict) else None
    return Record(shape, (name,) if isinstance(name, str) and name else (), side,
                  record.get("timestamp"), record.get("properties", {}), record, False)
