"""Match each record to a catalog event and compare it with the definition: fields missing,
unknown, of the wrong type or value, a side the catalog does not list, personal-looking values in
fields declared to hold none. Undocumented names, implicit events and malformed lines are counted.

Speed comes from doing the catalog work once: each (event, record shape) pair is compiled on first
sight into flat lists of field checks and a tree of declared keys, so a record costs one json.loads
and a few dict look-ups per declared field. Memory stays flat: counts and at most EXAMPLES places
per finding, and limits on how many distinct names are kept."""

from __future__ import annotations

import builtins
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ..diagnostics import printable
from ..link import Catalog, EventEntry
from .parse import BadLine, fast_loads, slow_loads
from .pii import _cache as pii_cache
from .pii import pii_kind
from .read import MAX_LINE_BYTES, TOO_LONG, FileStats, Progress, json_part, read_lines
from .records import PAYLOAD_KEY, PROCESSED, SEGMENT, TRACKING, normalise
from .report import EXAMPLES, FINDING_KINDS, FileSummary, Finding, Report, Seen

MAX_NAMES = 10_000  # distinct undocumented names kept; records of others are only counted
MAX_GROUPS = 1_000  # distinct implicit-event groups kept; the rest fold into one
MAX_FINDINGS_PER_EVENT = 300  # distinct findings kept for one event (a log with random keys)
MAX_SHOWN = 120  # characters of a name or field taken from the log
_MISSING = object()

# --- types ---------------------------------------------------------------------------------------


def _is_datetime(value: Any) -> bool:
    if type(value) is not str or len(value) < 10:
        return False
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object",
               list: "array", type(None): "null"}


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def time_key(value: Any) -> float | None:
    """A record's time as seconds, for ordering; naive times are taken as UTC (as the LMS writes)."""
    if type(value) is not str:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def shown(text: str) -> str:
    """A name or key from the log, cut to a length a report can show, with control characters and
    lone surrogates escaped: it reaches terminals, a saved report (UTF-8) and the site."""
    return printable(text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…")


def parse_line(line: bytes) -> tuple[Any, str]:
    """(the record, "") or (None, why the line is malformed), for readers that are not the hot
    loop (logs infer)."""
    if line is TOO_LONG:
        return None, "line too long"
    text = line if line[:1] == b"{" else json_part(line)
    try:
        data = fast_loads(text if text is not None else line)
    except (ValueError, RecursionError):
        try:
            data = slow_loads(text if text is not None else line, text is not None)
        except BadLine as error:
            return None, str(error)
    if type(data) is not dict:
        return None, f"a JSON {json_type(data)}, not an object"
    return data, ""


# --- what one event expects of one record shape ---------------------------------------------------


def too_long_reason(max_line_bytes: int) -> str:
    """Why a line past --max-line-bytes is malformed (the ClickHouse engine says the same)."""
    return f"line longer than {max_line_bytes:,} bytes (--max-line-bytes)"


class FieldCheck(NamedTuple):
    head: str  # the first key of the path
    rest: tuple[str, ...]  # the keys after it, for nested names
    name: str
    required: bool
    type: str
    types: tuple[builtins.type, ...]  # Python types of a fitting value; a datetime must also parse
    allowed: frozenset | None
    scan: bool  # look for personal data: declared `none` or not classified
    nullable: bool = True  # null ("no value") fits: the field's `nullable`, else the catalog's


PY_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
            "datetime": (str,), "object": (dict,), "array": (list,)}


class Part(NamedTuple):
    checks: tuple[FieldCheck, ...]
    tree: dict  # declared keys: a nested dict, None where a value is opaque (not looked into)


class Expectation(NamedTuple):
    name: str
    sides: frozenset[str]
    envelope: Part | None  # None: the catalog describes no envelope for this shape
    payload: Part
    payload_key: str
    channels: frozenset[str] = frozenset()


def _part(fields: Iterable[Any], extra_keys: Iterable[str] = (), nullable: bool = True) -> Part:
    checks: list[FieldCheck] = []
    tree: dict[str, Any] = {}
    for f in fields:
        path = tuple(f.name.split("."))
        node = tree
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node.setdefault(path[-1], None)
        try:
            allowed = frozenset(f.allowed) if f.allowed else None
        except TypeError:  # unhashable allowed values (objects): not checked
            allowed = None
        checks.append(FieldCheck(path[0], path[1:], f.name, f.required, f.type, PY_TYPES[f.type],
                                 allowed, f.pii in (None, "none") and f.type == "string",
                                 nullable if f.nullable is None else f.nullable))
    for key in extra_keys:
        tree.setdefault(key, None)
    return Part(tuple(checks), tree)


def compile_expectation(entry: EventEntry, catalog: Catalog, shape: str) -> Expectation:
    """The envelope: the event's own envelope groups for this shape's payload key, or else every
    envelope group of the catalog for it. The processed event-tracking shape shares `context`
    with the tracking-log record, and its other keys are fixed."""
    key = PAYLOAD_KEY[shape]
    group_key = PAYLOAD_KEY[TRACKING] if shape == PROCESSED else key
    own = [catalog.groups[g] for g in entry.event.field_groups
           if catalog.groups[g].envelope and catalog.groups[g].payload_key == group_key]
    groups = own or [g for g in catalog.groups.values() if g.envelope and g.payload_key == group_key]
    nullable = catalog.config.nullable  # what a field that does not say takes
    envelope = None
    if groups:
        fields = {f.name: f for g in groups for f in g.fields}
        if shape == PROCESSED:
            envelope = _part([f for n, f in fields.items() if n.startswith("context.")],
                             ("name", "timestamp", "context", "data"), nullable)
            if isinstance(envelope.tree["context"], dict):  # else nothing in it is declared
                envelope.tree["context"]["event_source"] = None  # where the side is, in this shape
        else:
            envelope = _part(fields.values(), (key,), nullable)
    payload = _part((r.field for r in entry.fields if not r.envelope), (), nullable)
    return Expectation(entry.name, frozenset(entry.sides), envelope, payload, key, entry.channels)


def build_lookup(catalog: Catalog) -> dict[str, EventEntry]:
    """Names and aliases, then the wire names implementations declare (a mobile app's display
    name, say) where no name or alias claims them already."""
    lookup = dict(catalog.lookup)
    for entry in catalog.events:
        for impl in entry.event.implementations:
            if impl.name:
                lookup.setdefault(impl.name, entry)
    return lookup


# The record shapes (records.py) a tracking-log pipeline writes, and the APIs' record shapes
# (model.RECORD_TEXT) that end up as one of them.
_LOGGED_SHAPES = {"tracking-log", "segment-webhook", "event-tracking"}


def expected_events(catalog: Catalog, shapes: Iterable[str] = ()) -> list[str]:
    """The documented events the given logs could contain, whatever their channel: those that
    reach a tracking log when the logs hold tracking-log records, those that reach Segment when
    they hold Segment messages (both when the logs are empty)."""
    shapes = set(shapes)
    want_log = not shapes or bool(shapes & {TRACKING, PROCESSED})
    want_segment = not shapes or SEGMENT in shapes
    names = []
    for e in catalog.events:
        logged = "tracking-log" in e.channels or any(
            catalog.apis[i.api].shape in _LOGGED_SHAPES for i in e.event.implementations
            if i.api in catalog.apis)
        if (want_log and logged) or (want_segment and "segment" in e.channels):
            names.append(e.name)
    return sorted(names, key=str.lower)


# --- implicit events -------------------------------------------------------------------------------

_ID_LIKE = re.compile(r"^[\d_.-]+$|[:+@=]|\d{4,}|^[0-9a-f]{12,}$", re.IGNORECASE)


def implicit_group(path: str) -> str:
    """A URL path with its ids replaced, cut after three segments: '/courses/{id}/courseware/…'."""
    path = path.split("?", 1)[0]
    parts = [p for p in path.split("/") if p]
    shown_parts = ["{id}" if _ID_LIKE.search(p) or len(p) > 40 else p for p in parts[:3]]
    tail = "/…" if len(parts) > 3 else ("/" if parts and path.endswith("/") else "")
    return shown("/" + "/".join(shown_parts) + tail)


# --- the checker ------------------------------------------------------------------------------------


@dataclass
class _Place:
    files: list[FileStats]

    def __call__(self, file_index: int, line: int) -> str:
        # a file name is text from outside too: `a.log\nb.yaml:1:1: error` must stay one line
        return f"{printable(self.files[file_index].path)}:{line}"


class Checker:
    def __init__(self, catalog: Catalog, catalog_name: str = "", made: str = ""):
        self.catalog = catalog
        self.lookup = build_lookup(catalog)
        self.expectations: dict[tuple[str, str], Expectation] = {}
        self.stats: list[FileStats] = []
        self.place = _Place(self.stats)
        self.report = Report(made=made, catalog=printable(catalog_name))
        self.findings: dict[tuple, Finding] = {}
        self.per_event: dict[str, int] = {}
        self.comments: dict[int, int] = {}  # '#' lines per file index

    # --- reading ---------------------------------------------------------------------------

    def run(self, paths: list[Path], progress: Progress | None = None,
            max_line_bytes: int = MAX_LINE_BYTES) -> Report:
        self.consume(read_lines(paths, self.stats, progress, max_line_bytes), max_line_bytes)
        return self.finish()

    def consume(self, lines: Iterable[tuple[int, int, bytes]], max_line_bytes: int = MAX_LINE_BYTES) -> None:
        """Check every (file index, line number, line)."""
        loads, record = fast_loads, self.record
        for index, number, line in lines:
            if line is TOO_LONG:
                self.malformed(index, number, too_long_reason(max_line_bytes))
                continue
            if line[:1] == b"#":  # a comment, as hand-made and test logs have: skipped, not malformed
                self.comments[index] = self.comments.get(index, 0) + 1
                continue
            text = line if line[:1] == b"{" else json_part(line)
            if text is None:
                text = line  # a JSON array or string says what it is; anything else is not JSON
            try:
                data = loads(text)
            except (ValueError, RecursionError):
                try:
                    data = slow_loads(text, text is not line or line[:1] == b"{")
                except BadLine as error:
                    self.malformed(index, number, str(error))
                    continue
            if type(data) is not dict:
                self.malformed(index, number, f"a JSON {json_type(data)}, not an object")
                continue
            record(data, index, number)

    def finish(self) -> Report:
        report = self.report
        report.expected = expected_events(self.catalog, report.shapes)
        report.documented = len(report.expected)
        report.files = [FileSummary(printable(s.path), s.lines, s.blank, s.gzip, printable(s.truncated),
                                    self.comments.get(i, 0)) for i, s in enumerate(self.stats)]
        for stat in self.stats:
            if stat.truncated:
                self.malformed(self.stats.index(stat), stat.lines + 1, stat.truncated)
        kinds = list(self._kinds)
        report.findings = sorted(self.findings.values(),
                                 key=lambda f: (f.event.lower(), kinds.index(f.kind), f.part, f.field, f.detail))
        return report

    _kinds = tuple(FINDING_KINDS)  # the order findings of one event are listed in

    def malformed(self, file_index: int, line: int, reason: str) -> None:
        report = self.report
        report.malformed += 1
        if len(report.malformed_examples) < 20:
            report.malformed_examples.append({"where": self.place(file_index, line), "reason": reason})

    # --- one record ------------------------------------------------------------------------

    def record(self, data: dict, file_index: int, line: int) -> None:
        report = self.report
        report.records += 1
        rec = normalise(data)
        report.shapes[rec.shape] = report.shapes.get(rec.shape, 0) + 1
        if rec.implicit:
            group = implicit_group(data["event_type"])
            if group not in report.implicit and len(report.implicit) >= MAX_GROUPS:
                group = "(other paths)"
            self._seen(report.implicit, group, rec.side, rec.time, file_index, line)
            return
        if rec.call:
            self._seen(report.calls, rec.call, rec.side, rec.time, file_index, line)
            return
        if not rec.names:
            report.unnamed += 1
            if len(report.unnamed_where) < EXAMPLES:
                report.unnamed_where.append(self.place(file_index, line))
            return
        lookup = self.lookup
        entry = None
        for name in rec.names:
            entry = lookup.get(name)
            if entry is not None:
                break
        if entry is None:
            name = shown(rec.names[0])
            if name not in report.undocumented and len(report.undocumented) >= MAX_NAMES:
                report.undocumented_overflow += 1
                return
            self._seen(report.undocumented, name, rec.side, rec.time, file_index, line)
            return
        expect = self.expectations.get((entry.name, rec.shape))
        if expect is None:
            expect = self.expectations[(entry.name, rec.shape)] = compile_expectation(
                entry, self.catalog, rec.shape)
        self._seen(report.events, entry.name, rec.side, rec.time, file_index, line)
        if rec.side is not None and rec.side not in expect.sides:
            self._add("side", expect.name, "", "", f"event_source {shown(rec.side)!r}; the catalog "
                      f"lists {', '.join(sorted(expect.sides))}", file_index, line)
        if rec.shape == SEGMENT and "segment" not in expect.channels:
            self._add("side", expect.name, "", "", "a Segment message; the catalog sends it only "
                      f"through {', '.join(sorted(expect.channels)) or 'no channel'}", file_index, line)
        if expect.envelope is not None:
            self._fields(rec.envelope, expect.envelope, expect.name, "envelope", file_index, line)
        payload = rec.payload
        if type(payload) is dict:
            self._fields(payload, expect.payload, expect.name, "payload", file_index, line)
        elif expect.payload.checks:
            self._add("type-mismatch", expect.name, expect.payload_key, "envelope",
                      f"expected object, got {json_type(payload)}", file_index, line)

    def _seen(self, table: dict[str, Seen], name: str, side: str | None, time: Any,
              file_index: int, line: int) -> None:
        seen = table.get(name)
        if seen is None:
            seen = table[name] = Seen()
        seen.count += 1
        if side is not None:
            side = shown(side)
            if side in seen.sides or len(seen.sides) < 8:
                seen.sides[side] = seen.sides.get(side, 0) + 1
        if len(seen.where) < EXAMPLES:
            seen.where.append(self.place(file_index, line))
        key = time_key(time)
        if key is not None:
            if key < seen.first_key:
                seen.first_key, seen.first = key, time
            if key > seen.last_key:
                seen.last_key, seen.last = key, time

    def _fields(self, obj: dict, part: Part, event: str, where: str, file_index: int, line: int) -> None:
        # the hot loop: a few hundred thousand records a second each pass through it ~20 times
        add, cache, missing = self._add, pii_cache, _MISSING
        for check in part.checks:
            value = obj.get(check.head, missing)
            if check.rest:
                for key in check.rest:
                    if type(value) is not dict:
                        value = missing
                        break
                    value = value.get(key, missing)
            if value is missing:
                if check.required:
                    add("missing-required", event, check.name, where, f"required {check.type}",
                        file_index, line)
                continue
            if value is None:
                # "no value", as the tracker writes it; unless the catalog says the field never
                # takes null (its exported JSON Schema refuses null there too)
                if not check.nullable:
                    add("type-mismatch", event, check.name, where, f"expected {check.type}, got null",
                        file_index, line)
                continue
            if value == "":
                continue  # the tracker writes "" for "no value" too (a page without a URL)
            if type(value) not in check.types or (check.type == "datetime" and not _is_datetime(value)):
                add("type-mismatch", event, check.name, where,
                    f"expected {check.type}, got {json_type(value)}", file_index, line)
                continue
            if check.allowed is not None and value not in check.allowed and type(value) is not dict \
                    and type(value) is not list:
                add("not-allowed", event, check.name, where,
                    f"a value outside {', '.join(sorted(map(str, check.allowed)))}", file_index, line)
            elif check.scan:
                kind = cache.get(value, missing)
                if kind is missing:
                    kind = pii_kind(value)
                if kind is not None:
                    add("pii", event, check.name, where, f"looks like {kind}", file_index, line)
        self._unknown(obj, part.tree, "", event, where, file_index, line)

    def _unknown(self, obj: dict, tree: dict, prefix: str, event: str, where: str,
                 file_index: int, line: int) -> None:
        for key, value in obj.items():
            node = tree.get(key, _MISSING)
            if node is _MISSING:
                name = shown(prefix + key)
                self._add("unknown-field", event, name, where, f"not declared ({json_type(value)})",
                          file_index, line)
                if type(value) is str and value:
                    kind = pii_kind(value)
                    if kind is not None:  # undeclared, so not classified either
                        self._add("pii", event, name, where, f"looks like {kind}", file_index, line)
            elif node is not None and type(value) is dict:
                self._unknown(value, node, prefix + key + ".", event, where, file_index, line)

    def _add(self, kind: str, event: str, field: str, part: str, detail: str,
             file_index: int, line: int) -> None:
        key = (kind, event, field, part, detail)
        finding = self.findings.get(key)
        if finding is None:
            count = self.per_event.get(event, 0)
            if count >= MAX_FINDINGS_PER_EVENT:
                key = (kind, event, "(more fields)", part, "")
                finding = self.findings.get(key)
            if finding is None:
                self.per_event[event] = count + 1
                finding = self.findings[key] = Finding(*key)
        finding.count += 1
        if len(finding.where) < EXAMPLES:
            finding.where.append(self.place(file_index, line))


def check_logs(catalog: Catalog, paths: list[Path], progress: Progress | None = None,
               catalog_name: str = "", made: str = "", max_line_bytes: int = MAX_LINE_BYTES) -> Report:
    """The report on the logs, in this process (parallel.check_files uses every core)."""
    return Checker(catalog, catalog_name, made).run([Path(p) for p in paths], progress, max_line_bytes)
