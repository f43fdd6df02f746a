"""The text summary of a report, for a terminal or a CI log. Problems read as
`file:line: kind event: what (count)`, so editors and CI tools can jump to the first place."""

from __future__ import annotations

from ..diagnostics import printable
from .report import Report

LISTED = 50  # names listed in each section before "... and N more"


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _more(items: list, shown: int) -> list[str]:
    return [f"  ... and {len(items) - shown:,} more (see --format json)"] if len(items) > shown else []


def to_text(report: Report) -> str:
    lines = []
    files = len(report.files)
    lines.append(f"eventcat logs check: {_n(files, 'file')}, {_n(report.records, 'record')}, "
                 f"{_n(report.malformed, 'malformed line')}, {report.unnamed:,} without an event name")
    seen = sum(1 for n in report.expected if n in report.events)
    if report.expected:
        lines.append(f"coverage: {seen} of {len(report.expected)} documented events that these logs could hold "
                     f"were seen ({report.coverage():.1f}%)")
    else:  # "0 of 0 (100%)" read as a bug; say why nothing was expected
        lines.append("coverage: no documented event reaches the kind of records these logs hold "
                     f"({', '.join(report.shapes) or 'none'}), so none was expected")
    for f in report.files:
        if f.truncated:
            lines.append(f"{f.path}: {f.truncated}")

    if report.malformed:
        lines += ["", f"malformed lines ({report.malformed:,}):"]
        lines += [f"  {m['where']}: {m['reason']}" for m in report.malformed_examples]
        if report.malformed > len(report.malformed_examples):
            lines.append(f"  ... and {report.malformed - len(report.malformed_examples):,} more")
    if report.unnamed:
        lines += ["", f"records without an event name ({report.unnamed:,}): first at "
                  + ", ".join(report.unnamed_where)]

    undocumented = sorted(report.undocumented.items(), key=lambda kv: (-kv[1].count, kv[0]))
    if undocumented:
        total = sum(s.count for _, s in undocumented) + report.undocumented_overflow
        lines += ["", f"undocumented events ({_n(len(undocumented), 'name')}, {_n(total, 'record')}):"]
        for name, s in undocumented[:LISTED]:
            sides = "/".join(s.sides) or "no side"
            lines.append(f"  {s.where[0]}: {name} ({_n(s.count, 'record')}, {sides}, "
                         f"first {s.first or '?'}, last {s.last or '?'})")
        lines += _more(undocumented, LISTED)

    implicit = sorted(report.implicit.items(), key=lambda kv: (-kv[1].count, kv[0]))
    if implicit:
        total = sum(s.count for _, s in implicit)
        lines += ["", f"implicit events (URL paths; {_n(len(implicit), 'group')}, {_n(total, 'record')}):"]
        lines += [f"  {group} ({_n(s.count, 'record')})" for group, s in implicit[:LISTED]]
        lines += _more(implicit, LISTED)

    calls = sorted(report.calls.items(), key=lambda kv: (-kv[1].count, kv[0]))
    if calls:
        total = sum(s.count for _, s in calls)
        lines += ["", f"Segment calls that are not events ({_n(total, 'record')}): "
                  + ", ".join(f"{call} {s.count:,}" for call, s in calls)]

    if report.findings:
        lines += ["", "problems in documented events:"]
        for finding in report.findings:
            what = f"field '{finding.field}' ({finding.part}): {finding.detail}" if finding.field else finding.detail
            lines.append(f"  {finding.where[0]}: {finding.kind} {finding.event}: {what} "
                         f"({_n(finding.count, 'record')})")

    never = [n for n in report.expected if n not in report.events]
    if never:
        lines += ["", f"documented events never seen ({len(never)}):"]
        lines += [f"  {name}" for name in never[:LISTED]]
        lines += _more(never, LISTED)

    counts = report.counts()
    lines += ["", "totals: " + ", ".join(f"{kind} {count:,}" for kind, count in counts.items())]
    # each line is one entry: whatever a log or a report put in it is escaped, not obeyed
    return "\n".join(printable(line) for line in lines) + "\n"
