"""Example records: for each implementation of an event, the record its API really puts on the
wire, as `eventcat logs check` reads it.

The API's declared `record` says which shape (see model.RECORD_TEXT). The envelope keys come from
the catalog's envelope field groups (the event's own, else every envelope group for that payload
key, as the log checker does), so an example only holds keys the catalog declares. Across one
event's examples, and across the site, the same person, moment, course and request appear:
values of fields named like the envelope's identity fields are made equal, so a record never
shows two users or another event's name.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .apis import nest
from .link import Catalog, EventEntry, ResolvedField
from .model import ApiDefinition, FieldGroup, Implementation, PayloadField

TRACKING_KEY, SEGMENT_KEY = "event", "properties"
# The payload key of the field group each record shape takes its envelope from.
SHAPE_GROUP_KEY = {"tracking-log": TRACKING_KEY, "segment-webhook": TRACKING_KEY,
                   "event-tracking": TRACKING_KEY, "segment-track": SEGMENT_KEY,
                   "segment-identify": SEGMENT_KEY}

# Which envelope keys a record of each side really carries. The tracking log repeats the request
# in the context of browser records only (they are posted to the LMS's event endpoint); a
# management command, an XBlock or its asides add context that a typical record does not have.
_TRACKING_BROWSER_ONLY = ("context.username", "context.ip", "context.agent", "context.host",
                          "context.session", "context.path")
_TRACKING_RARE = ("context.command", "context.module", "context.asides", "context.course_user_tags")
# Segment's libraries fill in page details in a browser, app and device details on a phone.
_SEGMENT_SIDE_ONLY = {"context.page": ("browser",), "context.app": ("mobile",),
                      "context.device": ("mobile",), "context.os": ("mobile",),
                      "context.timezone": ("mobile",), "context.locale": ("browser", "mobile"),
                      "context.userAgent": ("browser", "mobile"), "context.ip": ("browser", "mobile"),
                      "integrations": (), "channel": (),
                      # kept out of examples: app-only details, and keys a typical message lacks
                      "context.network": ("mobile",), "context.screen": ("mobile",),
                      "context.instanceId": ("mobile",), "context.campaign": (), "context.referrer": (),
                      "context.location": (), "context.traits": (), "context.groupId": (),
                      "context.userAgentData": (), "context.active": (), "writeKey": (), "projectId": (),
                      # the page's URL comes from the example's request; its parts would not match it
                      "context.page.path": (), "context.page.search": (), "context.page.title": ()}
# The library Segment records for each side (the log checker reads the side from it). Tasks run
# on servers but are not "server" to the catalog: their messages name no library.
_SEGMENT_LIBRARY = {"server": ("analytics-python", "2.2.2"), "browser": ("analytics.js", "2.11.1"),
                    "mobile": ("analytics-android", "4.10.0")}
# Where the Open edX Segment webhook is posted; its records carry it as their context path.
WEBHOOK_PATH = "/segmentio/event"
# Identity fields: a field with one of these leaf names holds the same value everywhere.
_IDENTITY_LEAVES = ("username", "user_id", "course_id", "org_id")
FALLBACK_TIME = datetime.datetime(2024, 5, 2, 16, 3, 14, 654040, tzinfo=datetime.UTC)


def example_value(field: PayloadField) -> Any:
    """The field's example, else its first allowed value, else a placeholder of its type."""
    if field.example is not None:
        return field.example
    if field.allowed:
        return field.allowed[0]
    return {"string": "…", "integer": 0, "number": 0.0, "boolean": False, "datetime":
            "2024-01-01T00:00:00+00:00", "object": {}, "array": []}[field.type]


def nested_examples(fields: Iterable[ResolvedField]) -> dict[str, Any]:
    """The fields' examples, dotted names nested, values as YAML gave them."""
    return nest([(f.field.name, example_value(f.field)) for f in fields])


def example_payload(entry: EventEntry) -> dict[str, Any]:
    """The payload an event's JSON Schema describes, filled with each field's example, ready for
    JSON (YAML dates become ISO text, tuples lists)."""
    own = nested_examples(f for f in entry.fields if not f.envelope)
    return json.loads(json.dumps(own, default=str, ensure_ascii=False))


def example_record(entry: EventEntry, catalog: Catalog) -> dict[str, Any]:
    """A tracking-log record made only of declared examples: envelope fields at the top, the
    event's own under the envelope's payload key, or everything flat without an envelope (the
    synthetic logs start from it)."""
    envelope = [f for f in entry.fields if f.envelope]
    own = nested_examples(f for f in entry.fields if not f.envelope)
    if not envelope:
        return own
    record = nested_examples(envelope)
    for key in ("name", "event_type"):  # the envelope's own examples name some other event
        if key in record:
            record[key] = entry.name
    groups = [catalog.groups[g] for g in dict.fromkeys(f.origin for f in envelope if f.origin_kind == "group")]
    payload_key = next((g.payload_key for g in groups if g.envelope and g.payload_key), None)
    if payload_key:
        record[payload_key] = own
    else:
        record.update(own)
    return record


@dataclass(frozen=True)
class Example:
    implementation: Implementation
    api: ApiDefinition
    shape: str  # the record shape actually shown (a segment-webhook API may show a Segment message)
    record: dict[str, Any] | None  # None: the API's record is not one the catalog can show

    @property
    def text(self) -> str:
        return json.dumps(self.record, indent=2, ensure_ascii=False, default=str)

    @property
    def line(self) -> str:
        """The record as one JSON line, as a log holds it."""
        return json.dumps(self.record, ensure_ascii=False, default=str, separators=(",", ":"))


def _groups_for(entry: EventEntry, catalog: Catalog, key: str) -> list[FieldGroup]:
    own = [catalog.groups[g] for g in entry.event.field_groups
           if g in catalog.groups and catalog.groups[g].envelope and catalog.groups[g].payload_key == key]
    return own or [g for g in catalog.groups.values() if g.envelope and g.payload_key == key]


def _own_key(entry: EventEntry, catalog: Catalog) -> str | None:
    """The payload key of the event's own envelope (what its fields are relative to), if any."""
    return next((catalog.groups[g].payload_key for g in entry.event.field_groups
                 if g in catalog.groups and catalog.groups[g].envelope), None)


def _fits(field: PayloadField, value: Any) -> bool:
    if field.allowed and value not in field.allowed:
        return False
    if field.type in ("string", "datetime"):
        return isinstance(value, str)
    if field.type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return False


@dataclass(frozen=True)
class Identity:
    """The one person, moment, course and request every example shows."""

    values: dict[str, Any]  # leaf name → value (username, user_id, course_id, org_id)
    time: datetime.datetime
    request: dict[str, Any]  # ip, agent, host, session, page, referer, accept_language

    def for_field(self, field: PayloadField) -> Any:
        leaf = field.name.rsplit(".", 1)[-1]
        value = self.values.get(leaf)
        if value is None:
            return None
        if field.type == "string" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return value if _fits(field, value) else None


def identity(catalog: Catalog) -> Identity:
    """Taken from the tracking-log envelope's examples where it has them: the catalog's own
    words for a typical record."""
    fields: dict[str, PayloadField] = {}
    for group in catalog.groups.values():
        if group.envelope:
            for f in group.fields:
                fields.setdefault(f.name, f)
    values: dict[str, Any] = {}
    for leaf in _IDENTITY_LEAVES:
        for name in (leaf, f"context.{leaf}"):
            found = fields.get(name)
            if found is not None and found.example not in (None, ""):
                values.setdefault(leaf, found.example)
    values.setdefault("username", "learner")
    values.setdefault("user_id", 4)
    moment = FALLBACK_TIME
    time_field = fields.get("time")
    if time_field is not None and isinstance(time_field.example, str):
        with contextlib.suppress(ValueError):  # not a time: the fallback moment
            moment = datetime.datetime.fromisoformat(time_field.example)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    request: dict[str, Any] = {k: fields[k].example for k in ("ip", "agent", "host", "session", "page", "referer",
                                               "accept_language")
               if k in fields and fields[k].example is not None}
    return Identity(values, moment, request)


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _segment_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def payload(entry: EventEntry, who: Identity) -> dict[str, Any]:
    """The event's own fields (inherited included, envelope excluded) as nested example values,
    identity fields made consistent."""
    pairs = []
    for rf in entry.fields:
        if rf.envelope:
            continue
        consistent = who.for_field(rf.field)
        pairs.append((rf.field.name, consistent if consistent is not None else example_value(rf.field)))
    return nest(pairs)


def api_payload(entry: EventEntry, catalog: Catalog, api: ApiDefinition, who: Identity) -> dict[str, Any]:
    """What the recipe hands the API: the payload, or for a webhook API whose records land in the
    tracking log, the payload under `data` beside the event's catalog name."""
    own = payload(entry, who)
    if api.shape == "segment-webhook" and _own_key(entry, catalog) != SEGMENT_KEY:
        return {"name": entry.name, "data": own}
    return own


def _envelope_values(groups: list[FieldGroup], skip: tuple[str, ...]) -> list[tuple[PayloadField, Any]]:
    seen: dict[str, PayloadField] = {}
    for group in groups:
        for f in group.fields:
            seen.setdefault(f.name, f)
    out = []
    for name, f in seen.items():
        if any(name == s or name.startswith(s + ".") for s in skip):
            continue
        out.append((f, example_value(f)))
    return out


def _set(record: dict[str, Any], declared: set[str], name: str, value: Any) -> None:
    """Set a dotted key, if the envelope declares it (an undeclared key would be a finding)."""
    if name not in declared:
        return
    node = record
    *parents, leaf = name.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def _tracking_record(entry: EventEntry, catalog: Catalog, side: str, wire: str, body: dict[str, Any],
                     who: Identity, webhook: bool = False) -> dict[str, Any]:
    groups = _groups_for(entry, catalog, TRACKING_KEY)
    declared = {f.name for g in groups for f in g.fields}
    skip = _TRACKING_RARE + (() if side == "browser" else _TRACKING_BROWSER_ONLY)
    fields = _envelope_values(groups, skip)
    record = nest([(f.name, who.for_field(f) if who.for_field(f) is not None else value)
                   for f, value in fields])
    for key, value in who.request.items():
        if key in record:
            record[key] = value
    _set(record, declared, "name", wire)
    _set(record, declared | ({"event_type"} if "name" not in declared else set()), "event_type", wire)
    _set(record, declared, "event_source", side)
    _set(record, declared, "time", _iso(who.time))
    if side == "browser":  # posted to the event endpoint: the request is repeated in the context
        for key in ("username", "ip", "agent", "host", "session"):
            if key in record:
                _set(record, declared, f"context.{key}", record[key])
    elif "page" in record:
        record["page"] = None  # server records have no page
    if side == "task" or webhook:  # no browser behind the request, or no request at all
        for key in ("referer", "accept_language"):
            record.pop(key, None)
        for key in ("session",) + (("ip", "agent", "host") if side == "task" else ()):
            if key in record:
                record[key] = ""
    if webhook:
        _set(record, declared, "context.path", WEBHOOK_PATH)
        agent = next((f.example for g in _groups_for(entry, catalog, SEGMENT_KEY) for f in g.fields
                      if f.name == "context.userAgent" and isinstance(f.example, str)), None)
        if agent and "agent" in record:
            record["agent"] = agent
    # the event's own fields: an object, except in browser records, which carry JSON text
    record[TRACKING_KEY] = json.dumps(body, ensure_ascii=False, default=str) if side == "browser" else body
    return record


def _segment_message(entry: EventEntry, catalog: Catalog, side: str, wire: str | None,
                     body: dict[str, Any], who: Identity, call: str = "track") -> dict[str, Any]:
    groups = _groups_for(entry, catalog, SEGMENT_KEY)
    skip = tuple(k for k, sides in _SEGMENT_SIDE_ONLY.items() if side not in sides)
    if side not in _SEGMENT_LIBRARY:
        skip += ("context.library",)
    fields = _envelope_values(groups, skip)
    declared = {f.name for f, _ in fields}
    record: dict[str, Any] = nest([(f.name, value) for f, value in fields])
    record["type"] = call
    if wire is not None:
        record["event"] = wire
    else:
        record.pop("event", None)
    user_id = who.values.get("user_id")
    _set(record, declared, "userId", str(user_id) if user_id is not None else None)
    stamp = _segment_time(who.time)
    for key in ("timestamp", "originalTimestamp", "sentAt", "receivedAt"):
        _set(record, declared, key, stamp)
    if side in _SEGMENT_LIBRARY:
        name, version = _SEGMENT_LIBRARY[side]
        _set(record, declared, "context.library.name", name)
        _set(record, declared, "context.library.version", version)
    if side == "browser":
        _set(record, declared, "context.ip", who.request.get("ip"))
        _set(record, declared, "context.userAgent", who.request.get("agent"))
        _set(record, declared, "context.page.url", who.request.get("page"))
    record["traits" if call == "identify" else SEGMENT_KEY] = body
    return record


def _processed_record(entry: EventEntry, catalog: Catalog, side: str, wire: str,
                      body: dict[str, Any], who: Identity) -> dict[str, Any]:
    groups = _groups_for(entry, catalog, TRACKING_KEY)
    skip = _TRACKING_RARE + (() if side == "browser" else _TRACKING_BROWSER_ONLY)
    context = [(f, v) for f, v in _envelope_values(groups, skip) if f.name.startswith("context.")]
    record = nest([(f.name, who.for_field(f) if who.for_field(f) is not None else v) for f, v in context])
    record.setdefault("context", {})["event_source"] = side
    return {"name": wire, "timestamp": _iso(who.time), **record, "data": body}


def documented_day(entry: EventEntry, who: Identity) -> Identity:
    """`who` on a day the event's records look as its page says: not before the event shipped
    (`since`) nor within a known issue that ended (`until`), at the same time of day. One
    catalog-wide moment would date a 2022 event's record 2014, before the event existed."""
    days = []
    if entry.event.since:
        with contextlib.suppress(ValueError):  # `since` may name a release rather than a day
            days.append(datetime.date.fromisoformat(entry.event.since))
    days += [datetime.date.fromisoformat(issue.until) + datetime.timedelta(days=1)
             for issue in entry.event.known_issues if issue.until]
    day = max(days, default=None)
    if day is None or day <= who.time.date():
        return who
    return replace(who, time=who.time.replace(year=day.year, month=day.month, day=day.day))


def examples(entry: EventEntry, catalog: Catalog, who: Identity | None = None) -> list[Example]:
    """One example per implementation, in the order the event lists them."""
    who = documented_day(entry, who or identity(catalog))
    body = payload(entry, who)
    out = []
    for impl in entry.event.implementations:
        api = catalog.apis[impl.api]
        wire = impl.name or entry.name
        shape = api.shape
        if shape == "segment-webhook" and _own_key(entry, catalog) == SEGMENT_KEY:
            shape = "segment-track"  # the event documents the Segment message itself
        record: dict[str, Any] | None
        if shape == "tracking-log":
            record = _tracking_record(entry, catalog, impl.side, wire, body, who)
        elif shape == "segment-webhook":  # the webhook logs it under the catalog name
            record = _tracking_record(entry, catalog, impl.side, entry.name, body, who, webhook=True)
        elif shape == "segment-track":
            record = _segment_message(entry, catalog, impl.side, wire, body, who)
        elif shape == "segment-identify":
            record = _segment_message(entry, catalog, impl.side, None, body, who, call="identify")
        elif shape == "event-tracking":
            record = _processed_record(entry, catalog, impl.side, wire, body, who)
        else:
            record = None
        out.append(Example(impl, api, shape, record))
    return out


def _lookup(record: Any, dotted: str) -> Any:
    node = record
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def field_examples(entry: EventEntry, shown: list[Example], who: Identity) -> dict[str, Any]:
    """The value each field of the event's table shows: the one its example records hold, so
    the table and the records agree (an envelope's `name` shows this event's name)."""
    values: dict[str, Any] = {}
    own = payload(entry, who)
    for rf in entry.fields:
        name = rf.field.name
        if not rf.envelope:
            value = _lookup(own, name)
        else:
            value = next((v for ex in shown if ex.record is not None
                          for v in [_lookup(ex.record, name)] if v not in (None, "")), None)
        if value is not None:
            values[name] = value
    return values

