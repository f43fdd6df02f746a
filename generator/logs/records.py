"""One shape for every kind of record: (shape, name, side, time, payload, envelope).

Three shapes reach a tracking log:

- the Open edX tracking-log record: `event_type` and/or `name`, `event_source`, `time`, the
  event's own fields under `event` (an object, or in browser records a JSON-encoded string);
- the processed event-tracking shape, before the LMS maps it to the legacy record:
  `name`, `timestamp`, `context`, the event's own fields under `data`;
- a Segment message (the analytics pipeline reads those too): `type` (track, identify, page,
  screen, group, alias), `messageId`, `anonymousId`, `userId`, `context`; a `track` call names
  its event in `event` and carries the event's own fields under `properties`. The other calls
  are not events: they are counted by call, not checked against an event (`Record.call`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .parse import BadLine, loads_text

TRACKING, PROCESSED, SEGMENT = "tracking-log", "event-tracking", "segment"
PAYLOAD_KEY = {TRACKING: "event", PROCESSED: "data", SEGMENT: "properties"}
SEGMENT_CALLS = ("track", "identify", "page", "screen", "group", "alias")
# keys only a Segment message has; with a known `type`, one of them makes a record a message
SEGMENT_KEYS = ("messageId", "anonymousId", "userId", "properties", "traits")

# Segment does not say where a message came from; its library does.
_SEGMENT_LIBRARY_SIDES = {
    "analytics.js": "browser", "analytics-next": "browser",
    "analytics-android": "mobile", "analytics-ios": "mobile", "analytics-kotlin": "mobile",
    "analytics-swift": "mobile", "analytics-react-native": "mobile",
    "analytics-python": "server", "analytics-node": "server", "analytics-ruby": "server",
    "analytics-java": "server", "analytics-go": "server",
}
# ... and where the library is not named, Segment's own `channel` says roughly the same
_SEGMENT_CHANNEL_SIDES = {"server": "server", "browser": "browser", "client": "browser", "mobile": "mobile"}


class Record(NamedTuple):
    shape: str
    names: tuple[str, ...]  # candidate names, best first: `name`, then `event_type`
    side: str | None
    time: Any
    payload: Any  # the event's own fields: a dict when well formed
    envelope: dict  # the whole record (the payload key included)
    implicit: bool  # an implicit server event: its event_type is the requested URL path
    call: str = ""  # a Segment call other than track (identify, page, ...): not an event


def is_segment(record: dict) -> bool:
    """A Segment call: a known `type` and a key only Segment messages have, or a `messageId`."""
    if "messageId" in record:
        return True
    return record.get("type") in SEGMENT_CALLS and any(k in record for k in SEGMENT_KEYS)


def shape_of(record: dict) -> str:
    if "event_type" in record or "event_source" in record:
        return TRACKING
    if is_segment(record):
        return SEGMENT
    if "event" in record:
        return TRACKING
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
                return loads_text(payload)
            except BadLine:  # not JSON after all (or nested too deep to read): a string
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
    return _segment(record)


def segment_side(record: dict) -> str | None:
    context = record.get("context")
    library = context.get("library") if isinstance(context, dict) else None
    name = library.get("name") if isinstance(library, dict) else None
    if isinstance(name, str) and name in _SEGMENT_LIBRARY_SIDES:
        return _SEGMENT_LIBRARY_SIDES[name]
    channel = record.get("channel")
    return _SEGMENT_CHANNEL_SIDES.get(channel) if isinstance(channel, str) else None


def _segment(record: dict) -> Record:
    kind = record.get("type")
    call = kind if isinstance(kind, str) and kind in SEGMENT_CALLS and kind != "track" else ""
    name = record.get("event")
    names = (name,) if isinstance(name, str) and name and not call else ()
    return Record(SEGMENT, names, segment_side(record), record.get("timestamp"),
                  record.get("properties", {}), record, False, call)
