"""The implementation status page's context, and the "Emitted at" list of each event page, from a
report saved by `eventcat code scan --save-report` (as the coverage page is made from a saved logs
report). Matching is done again here against the catalog being built, so a report stays usable
while the catalog moves on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..diagnostics import CatalogError, Diagnostic
from ..link import Catalog
from .compare import lookup, pattern_regex
from .links import link
from .report import GATE_KINDS, Report

SHOWN = 200  # rows per table on the page
SITES_PER_EVENT = 50


def load_report(path: Path) -> Report:
    """The saved report; CatalogError (so a build stops with one clear line) when it is missing
    or is not a code report."""
    def refuse(message: str, hint: str) -> CatalogError:
        return CatalogError([Diagnostic(str(path), 0, 0, "bad-code-report", message, hint)])
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise refuse("no such file", "the `code_report` setting, or --code-report, names it") from None
    except (OSError, UnicodeDecodeError) as error:
        raise refuse(f"cannot read the saved report: {error}", "save it again") from None
    try:
        return Report.from_json(text)
    except ValueError as error:
        raise refuse(f"cannot read the saved report: {error}",
                     "save it again with `eventcat code scan --save-report`") from None


def _site(report: Report, call: Any, how: str) -> dict[str, Any]:
    return {"file": call.file, "line": call.line, "api": call.api, "resolved": call.resolved,
            "via": " → ".join(call.via), "how": how, "pattern": call.pattern,
            "href": link(report.repo_url, call.file, call.line)}


def emitted(catalog: Catalog, report: Report | None) -> dict[str, list[dict[str, Any]]]:
    """For each event with call sites: where (file, line, link), exact matches first, then the
    dynamic names whose pattern matches it."""
    if report is None:
        return {}
    names = lookup(catalog)
    out: dict[str, list[dict[str, Any]]] = {}
    patterns: list[tuple[Any, Any]] = []
    for call in report.calls:
        if call.name and call.name in names:
            out.setdefault(names[call.name].name, []).append(_site(report, call, "exact"))
        elif call.pattern:
            patterns.append((call, pattern_regex(call.pattern)))
    for call, regex in patterns:
        for event in sorted({names[n].name for n in names if regex.match(n)}):
            out.setdefault(event, []).append(_site(report, call, "pattern"))
    return {event: sites[:SITES_PER_EVENT] for event, sites in out.items()}


def page_context(catalog: Catalog, report: Report | None) -> dict[str, Any]:
    if report is None:
        return {"report": None}
    sites = emitted(catalog, report)
    expected = set(report.expected)
    rows: list[dict[str, Any]] = []
    for entry in catalog.events:
        found = sites.get(entry.name, [])
        exact = [s for s in found if s["how"] == "exact"]
        status = ("emitted" if exact else "pattern" if found else
                  "missing" if entry.name in expected else "not-scanned")
        rows.append({"name": entry.name, "status": status, "sites": len(exact),
                     "first": (exact or found)[0] if found else None})
    order = {"missing": 0, "pattern": 1, "emitted": 2, "not-scanned": 3}
    rows.sort(key=lambda r: (order[r["status"]], r["name"].lower()))
    names = lookup(catalog)
    undocumented = [
        {"name": c.name or c.pattern, "file": c.file, "line": c.line, "api": c.api,
         "href": link(report.repo_url, c.file, c.line), "pattern": bool(c.pattern)}
        for c in report.calls
        if (c.name and c.name not in names)
        or (c.pattern and not any(pattern_regex(c.pattern).match(n) for n in names))]
    unresolved = [{"expression": c.expression, "file": c.file, "line": c.line, "api": c.api,
                   "href": link(report.repo_url, c.file, c.line)}
                  for c in report.calls if c.resolved == "unresolved"]
    problems = [{"kind": f.kind, "event": f.event, "file": f.file, "line": f.line, "detail": f.detail,
                 "href": link(report.repo_url, f.file, f.line) if f.line else "",
                 "in_catalog": f.event in catalog.lookup}
                for f in report.findings
                if f.kind in ("api", "side", "unknown-key", "required-not-passed", "stale-where")]
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in order}
    in_scope = counts["missing"] + counts["pattern"] + counts["emitted"]
    return {
        "report": report,
        "roots": report.roots,
        "files": report.files,
        "languages": report.languages,
        "calls": len(report.calls),
        "resolved": report.resolved_counts(),
        "counts": counts,
        "percent": round(100 * (counts["emitted"] + counts["pattern"]) / in_scope, 1) if in_scope else 100.0,
        "rows": rows,
        "undocumented": undocumented[:SHOWN],
        "undocumented_total": len(undocumented),
        "unresolved": unresolved[:SHOWN],
        "unresolved_total": len(unresolved),
        "problems": problems[:SHOWN],
        "problems_total": len(problems),
        "kinds": GATE_KINDS,
        "errors": report.errors[:SHOWN],
        "linked": bool(report.repo_url),
    }


def status_page(catalog: Catalog, source: Path | None) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The page's context and each event's call sites, from the saved report when there is one."""
    report = load_report(source) if source else None
    return page_context(catalog, report), emitted(catalog, report)
