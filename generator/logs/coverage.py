"""The coverage page's context: which documented events the logs hold and which they never do,
by owner team and by domain, plus what the logs hold that the catalog does not document.

The page's source is either a report saved by `eventcat logs check --save-report`, or log files
checked while the site is generated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..diagnostics import CatalogError, Diagnostic
from ..link import Catalog, EventEntry
from .check import check_logs
from .read import LogFileError, check_readable
from .report import FINDING_KINDS, Report, Seen, looks_like_report

# A report keeps counts and a few examples, bounded by the checker's limits on distinct names:
# far below this. A bigger file is not one, and is not read into memory to find that out.
MAX_REPORT_BYTES = 64 << 20
SHOWN_NAMES = 200  # undocumented names and implicit groups listed on the page, most frequent first


def load_report(catalog: Catalog, sources: list[Path]) -> Report:
    """A saved report (one file), or the report of checking the given log files now. Raises
    CatalogError for a missing file or a broken report, so a build stops with a clear message."""
    def refuse(path: Path | str, message: str, hint: str = "") -> CatalogError:
        return CatalogError([Diagnostic(str(path), 0, 0, "bad-coverage", message, hint)])
    try:
        check_readable(sources)
    except LogFileError as error:
        raise refuse(str(error).split(":")[0], str(error).split(": ", 1)[1],
                     "eventcat_coverage in conf.py, or --coverage, names it") from None
    with open(sources[0], "rb") as handle:
        head = handle.read(64 * 1024)
    if looks_like_report(head):
        if len(sources) > 1:
            raise refuse(sources[0], "a saved report cannot be combined with other files",
                         "give the report alone, or only log files")
        if sources[0].stat().st_size > MAX_REPORT_BYTES:
            raise refuse(sources[0], f"larger than a saved report can be ({MAX_REPORT_BYTES:,} bytes)",
                         "save it again with `eventcat logs check --save-report`")
        try:
            report = Report.from_json(sources[0].read_bytes())
        except ValueError as error:
            raise refuse(sources[0], f"cannot read the saved report: {error}",
                         "save it again with `eventcat logs check --save-report`") from None
    else:
        report = check_logs(catalog, sources)
    # file names only: the page is published, the build machine's folders are nobody's business
    report.files = [type(f)(**{**f.__dict__, "path": Path(f.path).name}) for f in report.files]
    return report


def _groups(catalog: Catalog, report: Report, key: Callable[[EventEntry], str]) -> list[dict[str, Any]]:
    groups: dict[str, list] = {}
    for name in report.expected:
        entry = catalog.lookup.get(name)
        if entry is not None:
            groups.setdefault(key(entry), []).append(entry)
    out = []
    for group, entries in sorted(groups.items()):
        seen = [e for e in entries if e.name in report.events]
        never = [e for e in entries if e.name not in report.events]
        out.append({"key": group, "total": len(entries), "seen": len(seen),
                    "percent": round(100 * len(seen) / len(entries)),
                    "never": [e.name for e in never]})
    return out


def short_time(value: str) -> str:
    """'2025-03-03T11:34:40.704532+00:00' → '2025-03-03 11:34:40 UTC'; other forms as they are."""
    for suffix in ("+00:00", "Z"):
        if value.endswith(suffix) and len(value) >= 19 and value[10] == "T":
            return value[:10] + " " + value[11:19] + " UTC"
    return value


def _row(name: str, seen: Seen) -> dict[str, Any]:
    return {"name": name, "count": seen.count, "sides": ", ".join(seen.sides),
            "first": short_time(seen.first), "last": short_time(seen.last)}


def page_context(catalog: Catalog, report: Report | None) -> dict[str, Any]:
    if report is None:
        return {"report": None}
    expected = [n for n in report.expected if n in catalog.lookup]
    events = []
    for name in expected:
        entry = catalog.lookup[name]
        seen = report.events.get(name)
        events.append({"name": entry.name, "team": entry.event.owner, "domain": entry.domain,
                       "count": seen.count if seen else 0,
                       "last": short_time(seen.last) if seen else "",
                       "sides": ", ".join(seen.sides) if seen else ""})
    # names the report saw as documented that this catalog no longer has
    gone = [(n, s) for n, s in report.events.items() if n not in catalog.lookup]
    undocumented = sorted([*report.undocumented.items(), *gone], key=lambda kv: (-kv[1].count, kv[0]))
    implicit = sorted(report.implicit.items(), key=lambda kv: (-kv[1].count, kv[0]))
    counts = report.counts()
    firsts = [s.first for s in (*report.events.values(), *report.undocumented.values()) if s.first]
    counted = set(report.expected)
    not_in_log = sorted((e.name for e in catalog.events if e.name not in counted), key=str.lower)
    seen_count = sum(1 for e in events if e["count"])
    return {
        "report": report,
        "files": [f.path for f in report.files],
        "records": report.records,
        "seen": seen_count,
        "expected": len(events),
        "percent": round(100 * seen_count / len(events), 1) if events else 100.0,
        "events": events,
        "never": [e["name"] for e in events if not e["count"]],
        "by_team": _groups(catalog, report, lambda e: e.event.owner),
        "by_domain": _groups(catalog, report, lambda e: e.domain),
        "undocumented": [_row(n, s) for n, s in undocumented[:SHOWN_NAMES]],
        "undocumented_names": len(undocumented),
        "undocumented_records": counts["undocumented"],
        "implicit": [_row(n, s) for n, s in implicit[:SHOWN_NAMES]],
        "implicit_records": sum(s.count for s in report.implicit.values()),
        "problems": [(kind, text, counts[kind]) for kind, text in FINDING_KINDS.items()],
        "malformed": report.malformed,
        "unnamed": report.unnamed,
        "not_in_log": not_in_log,
        "first": short_time(min(firsts)) if firsts else "",
        "last": short_time(max((s.last for s in (*report.events.values(), *report.undocumented.values()) if s.last),
                    default="")),
    }


def coverage_page(catalog: Catalog, sources: list[Path]) -> dict[str, Any]:
    """The page's context: from the sources when there are any, else the page that says how."""
    return page_context(catalog, load_report(catalog, sources) if sources else None)
