"""The result of scanning code: every emit call found, the wrappers followed, the files that did
not parse and the findings against the catalog. JSON-serialisable (`to_json`/`from_json`) so CI can
keep it and the site can render it later, as a saved logs report is."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import gates
from ..gates import Gate
from .resolve import Call

FORMAT = "eventcat-code-report"
VERSION = 1
# Characters json.dumps leaves as they are that a terminal acts on (C1 controls, bidirectional
# overrides, line separators): written as \u escapes, which JSON readers decode the same.
_TERMINAL_UNSAFE = re.compile("[\u0080-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
RESOLVED = ("literal", "constant", "wrapper", "dynamic", "unresolved", "nameless")

# Finding kinds, in the order reports list them, with what each counts. `--fail-on` takes these.
GATE_KINDS = {
    "undocumented": "emit calls of names the catalog does not know (patterns: matching no name)",
    "unresolved": "emit calls whose name could not be worked out",
    "missing": "catalog events expected in the scanned code with no call site found",
    "api": "calls made with an API the catalog does not list for the event",
    "side": "calls from a side the catalog does not list for the event",
    "unknown-key": "payload keys the catalog does not declare for the event",
    "required-not-passed": "required fields that no call of the event passes",
    "stale-where": "`where:` paths under the scanned folders that no longer exist",
    "syntax-error": "files that could not be parsed",
}


@dataclass
class Finding:
    kind: str  # a GATE_KINDS key
    event: str  # the catalog event, or the name found in the code
    file: str  # the source file, or the catalog path for missing/stale-where
    line: int
    detail: str


@dataclass
class FileError:
    file: str
    line: int
    column: int
    message: str


@dataclass
class WrapperInfo:
    file: str
    line: int
    function: str
    api: str
    names: list[str]  # the name templates, parameters as {name}


@dataclass
class Report:
    made: str
    catalog: str
    roots: list[str] = field(default_factory=list)
    repo_url: str = ""  # the template links are made from, or ""
    files: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "path: why"
    calls: list[Call] = field(default_factory=list)
    wrappers: list[WrapperInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)  # catalog events the scan could find
    found: list[str] = field(default_factory=list)  # those it found a call site for
    by_pattern: list[str] = field(default_factory=list)  # found only through a dynamic pattern

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(GATE_KINDS, 0)
        for finding in self.findings:
            totals[finding.kind] += 1
        return totals

    def resolved_counts(self) -> dict[str, int]:
        totals = dict.fromkeys(RESOLVED, 0)
        for call in self.calls:
            totals[call.resolved] += 1
        return totals

    def coverage(self) -> float:
        return 100.0 * len(self.found) / len(self.expected) if self.expected else 100.0

    # --- JSON --------------------------------------------------------------------------------

    def to_json(self) -> str:
        calls = []
        for c in self.calls:
            entry: dict[str, Any] = {"file": c.file, "line": c.line, "column": c.column, "api": c.api,
                                     "side": c.side, "resolved": c.resolved}
            if c.name:
                entry["name"] = c.name
            if c.pattern:
                entry["pattern"] = c.pattern
            if c.expression:
                entry["expression"] = c.expression
            if c.api != c.implements:
                entry["implements"] = c.implements
            if c.via:
                entry["via"] = c.via
            entry["payload_keys"] = c.payload_keys
            entry["payload_complete"] = c.payload_complete
            calls.append(entry)
        data = {"format": FORMAT, "version": VERSION, "made": self.made, "catalog": self.catalog,
                "roots": self.roots, "repo_url": self.repo_url, "files": self.files,
                "languages": self.languages, "errors": [asdict(e) for e in self.errors],
                "skipped": self.skipped,
                "calls": calls, "wrappers": [asdict(w) for w in self.wrappers],
                "findings": [asdict(f) for f in self.findings], "expected": self.expected,
                "found": self.found, "by_pattern": self.by_pattern, "counts": self.counts(),
                "resolved": self.resolved_counts(), "coverage": round(self.coverage(), 1)}
        return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                    json.dumps(data, indent=2, ensure_ascii=False)) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Report:
        """Raises ValueError (with a reason a person can act on) for anything but a saved report."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a saved code report (no \"format\": \"{FORMAT}\")")
        if data.get("version") != VERSION:
            raise ValueError(f"report version {data.get('version')!r}; this eventcat reads {VERSION}")
        try:
            calls = []
            for c in data["calls"]:
                if c["resolved"] not in RESOLVED:
                    raise ValueError(f"unknown resolved value {c['resolved']!r}")
                calls.append(Call(
                    str(c["file"]), int(c["line"]), int(c.get("column", 1)), str(c["api"]),
                    str(c.get("implements", c["api"])),
                    "python" if c.get("side") == "server" else "javascript", str(c["resolved"]),
                    str(c.get("name", "")), str(c.get("pattern", "")), str(c.get("expression", "")),
                    [str(v) for v in c.get("via", [])], [str(k) for k in c.get("payload_keys", [])],
                    bool(c.get("payload_complete", False))))
            return cls(
                made=str(data["made"]), catalog=str(data["catalog"]),
                roots=[str(r) for r in data["roots"]], repo_url=str(data.get("repo_url", "")),
                files=int(data["files"]), languages={str(k): int(v) for k, v in data["languages"].items()},
                errors=[FileError(**e) for e in data["errors"]],
                skipped=[str(s) for s in data.get("skipped", [])], calls=calls,
                wrappers=[WrapperInfo(**w) for w in data["wrappers"]],
                findings=[Finding(**f) for f in data["findings"]],
                expected=[str(e) for e in data["expected"]], found=[str(e) for e in data["found"]],
                by_pattern=[str(e) for e in data["by_pattern"]])
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"a saved code report with a missing or wrong key: {error}") from None


# --- thresholds --------------------------------------------------------------------------------

def parse_gate(text: str) -> Gate:
    """`KIND=N` (fail when KIND is found more than N times) or `coverage<P%` (fail when fewer than
    P% of the catalog events expected in the scanned code have a call site)."""
    return gates.parse_gate(text, GATE_KINDS)


_SAVED = re.compile(rb'\s*\{\s*"format"\s*:\s*"' + FORMAT.encode() + rb'"')


def is_saved_report(head: bytes) -> bool:
    """Whether a file's first bytes are those of a report `code scan --save-report` wrote."""
    return _SAVED.match(head) is not None
