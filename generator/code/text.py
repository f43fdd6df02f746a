"""The text summary of a code report, for a terminal or a CI log: `file:line: kind name: what`.
File names and string literals come from the scanned code, so control characters in them are
shown escaped: a crafted file name or literal cannot move the cursor or recolour the terminal."""

from __future__ import annotations

import re

from .report import GATE_KINDS, Report

LISTED = 50  # lines per section before "... and N more"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def safe(text: str) -> str:
    """Control and bidirectional-formatting characters as escapes (\\x1b, \\u202e)."""
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return _CONTROL.sub(escape, text)


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _more(items: list, shown: int) -> list[str]:
    return [f"  ... and {len(items) - shown:,} more (see --format json)"] if len(items) > shown else []


def _coverage(report: Report) -> str:
    if not report.expected:  # "0 of 0 (100.0%)" reads as a bug; say why nothing was expected
        return ("catalog: no catalog event is implemented, in these languages, under the scanned "
                "paths (by its `where:`), so none was expected")
    return (f"catalog: {len(report.found)} of {len(report.expected)} events expected in this code "
            f"have a call site ({report.coverage():.1f}%)")


def _by_pattern(report: Report) -> str:
    if not report.expected:
        return f"; {_n(len(report.by_pattern), 'catalog event')} match a computed name (a pattern) found"
    return f", {len(report.by_pattern)} only through a pattern"


def to_text(report: Report) -> str:
    languages = ", ".join(f"{_n(n, lang + ' file')}" for lang, n in sorted(report.languages.items()))
    resolved = report.resolved_counts()
    lines = [f"eventcat code scan: {_n(report.files, 'file')} ({languages or 'none'}), "
             f"{_n(len(report.calls), 'emit call')}, {_n(len(report.wrappers), 'wrapper')}",
             "names: " + ", ".join(f"{kind} {count:,}" for kind, count in resolved.items()),
             _coverage(report)
             + (_by_pattern(report) if report.by_pattern else "")]
    for skipped in report.skipped:
        lines.append(f"skipped {safe(skipped)}")
    if report.calls:
        lines += ["", "emit calls:"]
        for call in report.calls[:LISTED * 4]:
            what = call.name or call.pattern or call.expression or "(no name: " + call.api + ")"
            via = f" via {' → '.join(call.via)}" if call.via else ""
            keys = f" [{', '.join(call.payload_keys)}{'' if call.payload_complete else ', …'}]" \
                if call.payload_keys else ""
            lines.append(safe(f"  {call.file}:{call.line}: {call.api} {what} ({call.resolved}{via}){keys}"))
        lines += _more(report.calls, LISTED * 4)
    by_kind: dict[str, list] = {}
    for finding in report.findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    for kind, text in GATE_KINDS.items():
        found = by_kind.get(kind, [])
        if not found:
            continue
        lines += ["", f"{kind} ({len(found):,}): {text}"]
        for f in found[:LISTED]:
            place = f"{f.file}:{f.line}" if f.line else f.file
            lines.append(safe(f"  {place}: {kind}{' ' + f.event if f.event else ''}: {f.detail}"))
        lines += _more(found, LISTED)
    counts = report.counts()
    lines += ["", "totals: " + ", ".join(f"{kind} {count:,}" for kind, count in counts.items())]
    return "\n".join(lines) + "\n"
