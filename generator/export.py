"""The catalog in machine-readable forms: the whole resolved catalog as JSON, events and fields as
CSV, one JSON Schema per event payload, and the Segment whitelist for edx-platform's settings.
The CLI writes them on request; the site offers the same files as downloads (render.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from .diagnostics import printable
from .link import Catalog, EventEntry, ResolvedField
from .model import KnownIssue, PayloadField
from .yamltext import comment, scalar

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"  # what Segment Protocols and RudderStack read


def _plain(value: Any) -> Any:
    """JSON-ready: YAML dates become ISO text, tuples lists."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


# --- the whole catalog ----------------------------------------------------------------------------

def _field_document(rf: ResolvedField) -> dict[str, Any]:
    document = rf.field.model_dump(mode="json")
    document["from"] = f"{rf.origin_kind}:{rf.origin}" if rf.origin_kind else None
    document["envelope"] = rf.envelope
    return document


def event_document(entry: EventEntry) -> dict[str, Any]:
    event = entry.event.model_dump(mode="json", exclude={"fields"})
    event.update(
        domain=entry.domain,
        sides=list(entry.sides),
        channels=sorted(entry.channels),
        segment_via=entry.segment_via or None,
        reaches=[{"tool": d.tool.id, "via": d.via or None, "reached": d.reached}
                 for d in entry.destinations],
        fields=[_field_document(rf) for rf in entry.fields],
        own_fields=[f.name for f in entry.event.fields],
        source=entry.source,
        slug=entry.slug,
    )
    return event


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    """Everything the site shows, resolved: inherited fields merged, routes worked out. YAML
    dates are left as they are; catalog_json writes them as ISO text."""
    return {
        "format": "eventcat-catalog/1",
        "config": catalog.config.model_dump(mode="json"),
        "events": [event_document(e) for e in catalog.events],
        "tools": [t.model_dump(mode="json") for t in catalog.tools.values()],
        "teams": [t.model_dump(mode="json") for t in catalog.teams.values()],
        "field_groups": [g.model_dump(mode="json") for g in catalog.groups.values()],
    }


def catalog_json(catalog: Catalog, indent: int | None = None) -> str:
    """Compact by default: Python's C encoder only runs without indentation (7 s → 1 s for a
    5,000-event catalog). YAML dates become ISO text."""
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(catalog_document(catalog), indent=indent, separators=separators,
                      ensure_ascii=False, default=str, allow_nan=False) + "\n"


# --- CSV -----------------------------------------------------------------------------------------

EVENT_COLUMNS = ("name", "aliases", "kind", "status", "summary", "owner", "domain", "sides", "apis",
                 "channels", "segment_whitelist", "destinations", "unreached_destinations",
                 "fields", "pii", "tags", "since", "replaced_by", "source", "slug", "known_issues",
                 "sources")
FIELD_COLUMNS = ("event", "field", "type", "required", "pii", "description", "allowed", "example",
                 "inherited_from", "envelope")


_FORMULA_START = frozenset("=+-@")
_CELL_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _cell(value: Any) -> str:
    """A spreadsheet must not take a description for a formula (CSV injection): text that starts
    like one is prefixed with an apostrophe, which spreadsheets show as text. (Called for every
    cell of every field: the common cases return early.)"""
    if value is None:
        return ""
    if value is True or value is False:
        return "yes" if value else "no"
    if type(value) is not str:
        value = json.dumps(value, ensure_ascii=False, default=str)
    if _CELL_BREAKS.search(value):
        # one line per cell: Markdown line breaks mean nothing here, and a reader that splits on
        # every Unicode line break (str.splitlines does) must not see a new row; other control
        # characters are shown as escapes
        value = printable(" ".join(value.split()))
    if value and value[0] in _FORMULA_START:
        return "'" + value
    return value


def csv_text(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _pii_classes(entry: EventEntry) -> list[str]:
    return sorted({rf.field.pii for rf in entry.fields if rf.field.pii not in (None, "none")})


def _issue_text(issue: KnownIssue) -> str:
    when = (f"{issue.since} to {issue.until}" if issue.since and issue.until
            else f"since {issue.since}" if issue.since else f"until {issue.until}")
    return f"{when}: {issue.note}"


def events_csv(catalog: Catalog) -> str:
    def row(e: EventEntry) -> list[Any]:
        ev = e.event
        return [ev.name, " ".join(ev.aliases), ev.kind, ev.status, ev.summary, ev.owner, e.domain,
                " ".join(e.sides), " ".join(dict.fromkeys(i.api for i in ev.implementations)),
                " ".join(sorted(e.channels)), ev.segment_whitelist,
                " ".join(d.tool.id for d in e.destinations if d.reached),
                " ".join(d.tool.id for d in e.destinations if not d.reached),
                len(e.fields), " ".join(_pii_classes(e)), " ".join(ev.tags), ev.since,
                ev.replaced_by, e.source, e.slug,
                " | ".join(_issue_text(k) for k in ev.known_issues) or None,
                " | ".join(s.title + (f" <{s.url}>" if s.url else "") for s in ev.sources) or None]
    return csv_text(EVENT_COLUMNS, (row(e) for e in catalog.events))


def fields_csv(catalog: Catalog) -> str:
    return csv_text(FIELD_COLUMNS, (
        [e.name, rf.field.name, rf.field.type, rf.field.required, rf.field.pii or "not classified",
         rf.field.description, " | ".join(map(str, rf.field.allowed)) if rf.field.allowed else None,
         rf.field.example, f"{rf.origin_kind}:{rf.origin}" if rf.origin_kind else None, rf.envelope]
        for e in catalog.events for rf in e.fields))


# --- JSON Schema ---------------------------------------------------------------------------------

_JSON_TYPES = {"string": "string", "datetime": "string", "integer": "integer", "number": "number",
               "boolean": "boolean", "object": "object", "array": "array"}


def _field_schema(field: PayloadField, nullable: bool) -> dict[str, Any]:
    # null is "no value" in some logs (a tracking-log thread visible to everyone has group_id
    # null): the field's `nullable`, else the catalog's, says whether the schema takes it
    takes_null = field.nullable if field.nullable is not None else nullable
    schema: dict[str, Any] = {"type": [_JSON_TYPES[field.type], "null"] if takes_null
                              else _JSON_TYPES[field.type]}
    if field.type == "datetime":
        schema["format"] = "date-time"
    if field.description:
        schema["description"] = field.description
    if field.allowed:
        schema["enum"] = [*_plain(list(field.allowed)), *([None] if takes_null else [])]
    if field.example is not None:
        schema["examples"] = [_plain(field.example)]
    if field.pii:
        schema["$comment"] = f"personal data: {field.pii}"
    return schema


def payload_schema(entry: EventEntry, additional_properties: bool = True,
                   nullable: bool = False) -> dict[str, Any]:
    """A draft-07 JSON Schema of the event's payload: its own and inherited fields, without the
    envelope the tracker adds (a Segment `properties` object, a tracking-log `event`). Dotted
    field names become nested objects; a nested object is required when one of its fields is.
    A field takes null ("no value") where it, or else `nullable` (the catalog's setting), says so."""
    root: dict[str, Any] = {"type": "object", "properties": {}}
    for rf in entry.fields:
        if rf.envelope:
            continue
        *parents, leaf = rf.field.name.split(".")
        node = root
        for part in parents:
            child = node["properties"].get(part)
            if child is None or "object" not in child.get("type", ()):
                kept = {k: v for k, v in (child or {}).items() if k in ("description", "$comment")}
                child = node["properties"][part] = {**kept, "type": ["object", "null"] if nullable
                                                    else "object", "properties": {}}
            child.setdefault("properties", {})
            if rf.field.required:
                _require(node, part)
            node = child
        existing = node["properties"].get(leaf, {})
        node["properties"][leaf] = {**_field_schema(rf.field, nullable),
                                    **{k: v for k, v in existing.items() if k in ("properties", "required")}}
        if rf.field.required:
            _require(node, leaf)
    if not additional_properties:
        _close(root)
    return {"$schema": SCHEMA_DIALECT, "title": entry.name, "description": entry.event.summary,
            **root}


def _require(node: dict[str, Any], key: str) -> None:
    required = node.setdefault("required", [])
    if key not in required:
        required.append(key)


def _close(node: dict[str, Any]) -> None:
    if "object" in node.get("type", ()) and "properties" in node:
        node["additionalProperties"] = False
        for child in node["properties"].values():
            _close(child)


def schema_file_name(entry: EventEntry) -> str:
    return f"{entry.slug}.schema.json"


# marks an exported schema file as eventcat's, so a later export may replace it (and no other)
SCHEMA_COMMENT = "Made by `eventcat export jsonschema` from the catalog; export again rather than edit."


def schema_texts(catalog: Catalog, additional_properties: bool = True,
                 indent: int | None = 2, mark: bool = True) -> dict[str, str]:
    nullable = catalog.config.nullable

    def marked(schema: dict[str, Any]) -> dict[str, Any]:
        return {"$schema": schema["$schema"], "$comment": SCHEMA_COMMENT, **schema} if mark else schema
    return {schema_file_name(e): json.dumps(marked(payload_schema(e, additional_properties, nullable)),
                                            indent=indent, ensure_ascii=False, allow_nan=False) + "\n"
            for e in catalog.events}


def schemas_zip(catalog: Catalog) -> bytes:
    """All payload schemas in one archive, byte for byte the same for the same catalog (fixed
    dates), so an unchanged catalog does not rewrite the download."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in schema_texts(catalog, indent=None, mark=False).items():  # compact: see catalog_json
            info = zipfile.ZipInfo(f"event-schemas/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text)
    return out.getvalue()


# --- Segment whitelist ---------------------------------------------------------------------------

WHITELIST_SETTING = "EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST"


def whitelist_names(catalog: Catalog) -> list[tuple[str, str]]:
    """(name, why) for each name the whitelist must hold: every whitelisted event that goes
    through the tracking log, under each name its tracking-log implementations put on the wire,
    and its aliases (older names that may still be emitted)."""
    names: dict[str, str] = {}
    for e in catalog.events:
        if not (e.event.segment_whitelist and "tracking-log" in e.channels):
            continue
        status = "" if e.event.status == "active" else f" ({e.event.status})"
        names.setdefault(e.name, e.event.summary + status)
        for impl in e.event.implementations:
            if impl.name and catalog.apis[impl.api].channel == "tracking-log":
                names.setdefault(impl.name, f"sent as this name by {impl.api} for {e.name}")
        for alias in e.event.aliases:
            names.setdefault(alias, f"alias of {e.name}")
    return sorted(names.items(), key=lambda item: item[0].lower())


def segment_whitelist_yaml(catalog: Catalog) -> str:
    """YAML for edx-platform's settings (lms.yml). Names are written as double-quoted strings,
    which are valid YAML whatever characters the name holds."""
    lines = [f"# {WHITELIST_SETTING}: tracking-log events that are also sent to Segment.",
             comment(f"Made by eventcat from the catalog '{catalog.config.title}'; do not edit by "
                     "hand:").rstrip("\n"),
             "# set `segment_whitelist: true` on the event instead.",
             f"{WHITELIST_SETTING}:"]
    entries = whitelist_names(catalog)
    for name, why in entries:
        # each through the YAML emitter or made one line: a summary cannot end its comment
        lines.append(f"  - {scalar(name)}  " + comment(why).rstrip("\n"))
    if not entries:
        lines[-1] += " []"
    return "\n".join(lines) + "\n"
