"""The result of checking logs: counts and a few examples only, so its size does not grow with the
log. JSON-serialisable (`to_json`/`from_json`) so CI can keep it and the site can render it later."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from .. import gates
from ..diagnostics import printable
from ..gates import Gate

FORMAT = "eventcat-log-report"  # the first key of a saved report; tells it apart from a log
VERSION = 1
EXAMPLES = 3  # places kept per finding, per event and per malformed-line reason

# Finding kinds, in the order reports list them, with what each means.
FINDING_KINDS = {
    "missing-required": "a required field is missing",
    "unknown-field": "a field the catalog does not declare",
    "type-mismatch": "a value of another type than declared",
    "not-allowed": "a value outside the field's allowed values",
    "side": "an event_source the catalog does not list for the event, or a Segment message of an "
            "event the catalog does not send through Segment",
    "pii": "a value that looks like personal data in a field declared as holding none",
}
# Every kind `--fail-on` accepts, with what it counts.
GATE_KINDS = {
    "undocumented": "records of events the catalog does not know",
    "malformed": "lines that are not a JSON object",
    "unnamed": "records without an event name",
    **FINDING_KINDS,  # counted once per field and record
}


@dataclass
class Seen:
    """How often a name was seen, when first and last, from which sides, and where."""
    count: int = 0
    first: str = ""
    last: str = ""
    sides: dict[str, int] = dataclasses.field(default_factory=dict)
    where: list[str] = dataclasses.field(default_factory=list)
    first_key: float = float("inf")  # the times as numbers, for ordering; not saved
    last_key: float = float("-inf")

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "first": self.first, "last": self.last,
                "sides": dict(sorted(self.sides.items())), "where": self.where}


@dataclass
class Finding:
    kind: str  # one of FINDING_KINDS
    event: str
    field: str  # dotted field name; "" for a side finding
    part: str  # "envelope" or "payload" ("" for a side finding)
    detail: str  # what was expected and found; never a raw value that could be personal data
    count: int = 0
    where: list[str] = dataclasses.field(default_factory=list)


@dataclass
class FileSummary:
    path: str
    lines: int
    blank: int
    gzip: bool
    truncated: str = ""
    comments: int = 0  # lines starting with '#': skipped like blank lines, not malformed


@dataclass
class Report:
    made: str  # ISO time the report was made; "" when made during a site build
    catalog: str
    files: list[FileSummary] = dataclasses.field(default_factory=list)
    records: int = 0
    shapes: dict[str, int] = dataclasses.field(default_factory=dict)
    malformed: int = 0
    malformed_examples: list[dict[str, str]] = dataclasses.field(default_factory=list)
    unnamed: int = 0
    unnamed_where: list[str] = dataclasses.field(default_factory=list)
    events: dict[str, Seen] = dataclasses.field(default_factory=dict)  # documented events seen, by name
    undocumented: dict[str, Seen] = dataclasses.field(default_factory=dict)
    undocumented_overflow: int = 0  # records of names past the limit on distinct names
    implicit: dict[str, Seen] = dataclasses.field(default_factory=dict)  # implicit events, by path group
    calls: dict[str, Seen] = dataclasses.field(default_factory=dict)  # Segment calls that are not events, by type
    findings: list[Finding] = dataclasses.field(default_factory=list)
    documented: int = 0  # events in the catalog that reach the tracking log
    expected: list[str] = dataclasses.field(default_factory=list)  # their names

    # --- totals ----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """By gate kind: records (undocumented, unnamed), lines (malformed), or for the finding
        kinds, occurrences: one per field and record (a record with two bad fields counts two)."""
        totals = dict.fromkeys(GATE_KINDS, 0)
        totals["undocumented"] = sum(s.count for s in self.undocumented.values()) + self.undocumented_overflow
        totals["malformed"] = self.malformed
        totals["unnamed"] = self.unnamed
        for finding in self.findings:
            totals[finding.kind] += finding.count
        return totals

    def coverage(self) -> float:
        """Percentage of the documented events that these logs could hold were seen at least once."""
        if not self.expected:
            return 100.0
        seen = sum(1 for name in self.expected if name in self.events)
        return 100.0 * seen / len(self.expected)

    # --- JSON --------------------------------------------------------------------------------

    def to_json(self) -> str:
        data = {"format": FORMAT, "version": VERSION, "made": self.made, "catalog": self.catalog,
                "files": [asdict(f) for f in self.files], "records": self.records,
                "shapes": self.shapes, "malformed": self.malformed,
                "malformed_examples": self.malformed_examples, "unnamed": self.unnamed,
                "unnamed_where": self.unnamed_where,
                "events": {k: v.to_dict() for k, v in sorted(self.events.items())},
                "undocumented": {k: v.to_dict() for k, v in sorted(self.undocumented.items())},
                "undocumented_overflow": self.undocumented_overflow,
                "implicit": {k: v.to_dict() for k, v in sorted(self.implicit.items())},
                "calls": {k: v.to_dict() for k, v in sorted(self.calls.items())},
                "findings": [asdict(f) for f in self.findings],
                "expected": self.expected, "counts": self.counts(),
                "coverage": round(self.coverage(), 1)}
        # allow_nan=False: a report is read by other tools, and NaN is not JSON
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Report:
        """Raises ValueError (with a reason a person can act on) for anything but a saved report.
        A report may come from anywhere (a CI artefact, a hand edit), so every value is checked
        for its type and every string made printable before it reaches a page or a terminal."""
        from .parse import BadLine, slow_loads
        try:
            data = slow_loads(text, True)
        except BadLine as error:
            raise ValueError(str(error)) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a saved report (no \"format\": \"{FORMAT}\")")
        if data.get("version") != VERSION:
            raise ValueError(f"report version {printable(repr(data.get('version'))[:40])}; "
                             f"this eventcat reads {VERSION}")
        try:
            findings = [Finding(_str(f["kind"]), _str(f["event"]), _str(f["field"]), _str(f["part"]),
                                _str(f["detail"]), _count(f["count"]), _strs(f["where"]))
                        for f in _list(data["findings"])]
            for finding in findings:
                if finding.kind not in FINDING_KINDS:
                    raise ValueError(f"unknown finding kind {finding.kind!r}")
            expected = _strs(data["expected"])
            return cls(
                made=_str(data["made"]), catalog=_str(data["catalog"]),
                files=[FileSummary(_str(f["path"]), _count(f["lines"]), _count(f["blank"]),
                                   bool(f["gzip"]), _str(f.get("truncated", "")),
                                   _count(f.get("comments", 0)))
                       for f in _list(data["files"])],
                records=_count(data["records"]),
                shapes={_str(k): _count(v) for k, v in _dict(data["shapes"]).items()},
                malformed=_count(data["malformed"]),
                malformed_examples=[{_str(k): _str(v) for k, v in _dict(m).items()}
                                    for m in _list(data["malformed_examples"])],
                unnamed=_count(data["unnamed"]), unnamed_where=_strs(data["unnamed_where"]),
                events=_seen_table(data["events"]), undocumented=_seen_table(data["undocumented"]),
                undocumented_overflow=_count(data["undocumented_overflow"]),
                implicit=_seen_table(data["implicit"]), calls=_seen_table(data.get("calls", {})),
                findings=findings,
                documented=len(expected), expected=expected)
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"a saved report with a missing or wrong key: "
                             f"{printable(str(error))[:120]}") from None


# --- reading a saved report: each value of the type it must have ----------------------------------

_MAX_TEXT = 2_000  # no string a report writes is longer; a longer one is cut


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return printable(value[:_MAX_TEXT])


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise TypeError(f"expected a count, got {printable(repr(value))[:40]}")
    return value


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _dict(value: Any) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _strs(value: Any) -> list[str]:
    return [_str(v) for v in _list(value)]


def _seen_table(value: Any) -> dict[str, Seen]:
    table = {}
    for name, seen in _dict(value).items():
        seen = _dict(seen)
        table[_str(name)] = Seen(_count(seen["count"]), _str(seen.get("first", "")),
                                 _str(seen.get("last", "")),
                                 {_str(k): _count(v) for k, v in _dict(seen.get("sides", {})).items()},
                                 _strs(seen.get("where", [])))
    return table


_SAVED = re.compile(rb'\s*\{\s*"format"\s*:\s*"' + FORMAT.encode() + rb'"')


def is_saved_report(head: bytes) -> bool:
    """Whether a file's first bytes are those of a report `--save-report` wrote."""
    return _SAVED.match(head) is not None


def looks_like_report(head: bytes) -> bool:
    """Whether a file is meant as a saved report rather than a log: it starts with a JSON object
    that is not one complete record on the first line (pretty-printed JSON), or whose first line
    has a "format" key, as a report (or another tool's JSON document) has and log records do not.
    Such a file is then read strictly as a report, so a wrong file gets a clear error instead of
    being counted as a log of one malformed record."""
    text = head.lstrip()
    if not text.startswith(b"{"):
        return False
    first = text.split(b"\n", 1)[0]
    try:
        record = json.loads(first.decode("utf-8", "replace"))  # a bad byte makes no log of it
    except (ValueError, RecursionError):
        # an object spread over lines is a document, not JSON Lines; one that starts by saying it
        # is a report is one, however broken (cut short, nested too deep to read)
        return b"\n" in text or re.match(rb'\{\s*"format"\s*:', first) is not None
    return isinstance(record, dict) and "format" in record


# --- thresholds --------------------------------------------------------------------------------

def parse_gate(text: str) -> Gate:
    """`KIND=N` (fail when the problem is found more than N times) or `coverage<P%`."""
    return gates.parse_gate(text, GATE_KINDS)
