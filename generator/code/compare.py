"""The emit calls found in the code against the catalog: names it lacks, events with no call site,
APIs and sides that differ, payload keys, and `where:` paths that no longer exist."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..link import Catalog, EventEntry
from .report import Finding
from .resolve import Call

SIDES = {"python": {"server", "task"}, "javascript": {"browser"}}
_NOTE = re.compile(r"\s*\([^)]*\)\s*$")
_BLOB = re.compile(r"^https?://[^/]+/[^/]+/([^/]+)/(?:blob|tree)/[^/]+/(.*)$")


def lookup(catalog: Catalog) -> dict[str, EventEntry]:
    """Names and aliases, then the wire names implementations declare."""
    found = dict(catalog.lookup)
    for entry in catalog.events:
        for impl in entry.event.implementations:
            if impl.name:
                found.setdefault(impl.name, entry)
    return found


def pattern_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".+" if part == "*" else re.escape(part)
                              for part in re.split(r"(\*)", pattern)) + r"\Z")


def where_path(where: str) -> tuple[str, str]:
    """('edx-platform', 'xmodule/capa_block.py') from 'openedx/edx-platform: xmodule/capa_block.py'
    or a GitHub blob URL; ('', '') when it names no path."""
    text = where.strip()
    match = _BLOB.match(text)
    if match:
        return match.group(1), match.group(2).strip("/")
    repo, sep, path = text.partition(": ")
    if not sep:
        repo, path = "", text
    path = _NOTE.sub("", path).strip().strip("/")
    if not path or " " in path or path.startswith(("http:", "https:")):
        return "", ""
    return repo.split(" ")[0].rsplit("/", 1)[-1], path


@dataclass
class Scope:
    """What was scanned: the base folder's name and contents, and the scanned folders in it."""
    base_name: str
    roots: list[str]  # relative to the base, '/' separated; "" for the base itself
    exists: Callable[[str], bool]  # whether a path relative to the base exists
    languages: set[str]

    def covers(self, path: str) -> bool:
        """A path the scan looked at, or one that holds a scanned folder."""
        return any(not root or path == root or path.startswith(root + "/") or root.startswith(path + "/")
                   for root in self.roots)

    def under(self, path: str) -> bool:
        return any(not root or path == root or path.startswith(root + "/") for root in self.roots)


@dataclass
class Comparison:
    findings: list[Finding]
    expected: list[str]
    found: list[str]
    by_pattern: list[str]


def compare(catalog: Catalog, calls: list[Call], scope: Scope, api_languages: dict[str, set[str]]
            ) -> Comparison:
    """`api_languages`: for each catalog API the scanner recognises, its languages."""
    names = lookup(catalog)
    repos = {where_path(i.where)[0] for e in catalog.events for i in e.event.implementations} - {""}
    findings: list[Finding] = []
    exact: dict[str, list[Call]] = {}
    patterned: set[str] = set()
    every_name = sorted(names)
    for call in calls:
        if call.resolved == "unresolved":
            findings.append(Finding("unresolved", "", call.file, call.line,
                                    f"{call.api}: name from {call.expression or '?'}"))
        elif call.pattern:
            regex = pattern_regex(call.pattern)
            hits = {names[n].name for n in every_name if regex.match(n)}
            if not hits:
                findings.append(Finding("undocumented", call.pattern, call.file, call.line,
                                        f"{call.api}: no catalog name matches the pattern"))
            patterned |= hits
        elif call.name:
            entry = names.get(call.name)
            if entry is None:
                findings.append(Finding("undocumented", call.name, call.file, call.line,
                                        f"{call.api}: not in the catalog"))
            else:
                exact.setdefault(entry.name, []).append(call)
    for entry in catalog.events:
        if entry.name in exact:
            findings += _check_calls(entry, exact[entry.name])
    identify = [c for c in calls if c.resolved == "nameless"]

    def where_scanned(impl_where: str) -> tuple[str, bool]:
        repo, path = where_path(impl_where)
        if not path:
            return "", False
        if repo and scope.base_name in repos and repo != scope.base_name:
            return path, False
        return path, scope.covers(path)

    expected, found = [], []
    for entry in catalog.events:
        hoped = False
        for impl in entry.event.implementations:
            if scope.languages.isdisjoint(api_languages.get(impl.api, ())):
                continue
            path, covered = where_scanned(impl.where) if impl.where else ("", True)
            if covered:
                hoped = True
            if path and covered and scope.under(path) and not scope.exists(path):
                findings.append(Finding("stale-where", entry.name, entry.source, 0,
                                        f"{impl.api} where: '{path}' does not exist under the scanned folders"))
        nameless = any(impl.api in {c.api for c in identify} and impl.where and
                       any(c.file.startswith(where_path(impl.where)[1]) for c in identify)
                       for impl in entry.event.implementations)
        if hoped:
            expected.append(entry.name)
            if entry.name in exact or (nameless and entry.name not in patterned):
                found.append(entry.name)
            elif entry.name not in patterned:
                findings.append(Finding("missing", entry.name, entry.source, 0,
                                        "no call site found in the scanned code"))
    by_pattern = sorted(n for n in patterned if n not in exact)
    found_all = sorted(set(found) | {n for n in by_pattern if n in expected})
    return Comparison(findings, expected, found_all, by_pattern)


def _check_calls(entry: EventEntry, calls: list[Call]) -> list[Finding]:
    findings = []
    impls = entry.event.implementations
    apis = sorted({i.api for i in impls})
    sides = sorted({i.side for i in impls})
    own = [f.field for f in entry.fields if not f.envelope]
    declared = {f.name.split(".", 1)[0] for f in own}
    for call in calls:
        if call.implements not in apis:
            findings.append(Finding("api", entry.name, call.file, call.line,
                                    f"emitted with {call.api}; the catalog lists {', '.join(apis)}"))
        elif SIDES[call.language].isdisjoint(sides):
            findings.append(Finding("side", entry.name, call.file, call.line,
                                    f"emitted from the {call.side} side; the catalog lists "
                                    f"{', '.join(sides)}"))
        for key in call.payload_keys:
            if key not in declared:
                findings.append(Finding("unknown-key", entry.name, call.file, call.line,
                                        f"payload key '{key}' is not a declared field"))
    if calls and all(c.payload_complete for c in calls):
        passed = {k for c in calls for k in c.payload_keys}
        for f in own:
            if f.required and f.name.split(".", 1)[0] not in passed:
                findings.append(Finding("required-not-passed", entry.name, calls[0].file, calls[0].line,
                                        f"required field '{f.name}' is passed by no call"))
    return findings

