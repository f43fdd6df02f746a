"""What changed between two catalogs: events added, removed, renamed and changed, and for each
changed event its field changes, each marked breaking or not. Pure: catalogs in, data out.

The comparison works on a *snapshot*: for each event, the facts a reader or a consumer of the
data relies on, with its RESOLVED fields (from field groups and `fields_from` included), so that
a change to a field group shows on every event that uses it. A snapshot is plain JSON data, so
history.py can cache it per git tree.

What counts as breaking: a change after which data already collected, a query already written or
code already emitting the event may no longer match the definition:
  * an event removed (a rename that keeps the old name in `aliases` is not: the catalog still
    knows the old name and readers are led to the new one);
  * a field removed, its type changed, or the field made required (old records lack it);
  * a field's allowed values narrowed (old records may hold a value no longer allowed), including
    a list of allowed values put on a field that had none.
Everything else (added events and fields, made optional, values widened, PII class, owner,
status, routing) is reported but not breaking; a PII class change is worth a privacy review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from .diagnostics import printable
from .link import Catalog, EventEntry

Snapshot = dict[str, dict[str, Any]]  # event name → facts (see snapshot_event)

# Event-level facts compared, in the order they are reported.
EVENT_FACTS = ("kind", "status", "replaced_by", "owner", "summary", "sides", "destinations")


def snapshot_event(entry: EventEntry) -> dict[str, Any]:
    event = entry.event
    return {
        "aliases": list(event.aliases),
        "kind": event.kind,
        "status": event.status,
        "replaced_by": event.replaced_by,
        "owner": event.owner,
        "summary": event.summary,
        "sides": list(entry.sides),
        "destinations": sorted(event.destinations),
        "fields": {rf.field.name: {"type": rf.field.type, "required": rf.field.required,
                                   "pii": rf.field.pii, "allowed": _plain(rf.field.allowed),
                                   "group": rf.origin if rf.origin_kind == "group" else ""}
                   for rf in entry.fields},
    }


def _plain(values: tuple) -> list:
    """Allowed values as JSON gives them back (dates as text), so a cached snapshot compares
    equal to a fresh one. Most fields have none, or plain strings and numbers."""
    if all(isinstance(v, (str, int, float)) for v in values):
        return list(values)
    return json.loads(json.dumps(list(values), default=str))


def snapshot(catalog: Catalog) -> Snapshot:
    return {entry.name: snapshot_event(entry) for entry in catalog.events}


@dataclass(frozen=True)
class Change:
    """One thing that changed on an event. `field` is empty for an event-level change; `group`
    names the field group the field comes from, when it does (its history is the group's)."""
    what: str  # see DETAILS for the vocabulary
    field: str = ""
    old: Any = None
    new: Any = None
    breaking: bool = False
    group: str = ""

    @property
    def detail(self) -> str:
        """Plain text: what happened, after the field's name (or the event's, when no field)."""
        return DETAILS[self.what](self.old, self.new)


def _words(values: Iterable[Any]) -> str:
    shown = [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values]
    return ", ".join(shown) if shown else "none"


def _pii(value: str | None) -> str:
    return value or "not classified"


DETAILS = {
    "field-added": lambda old, new: "added" + (" (required)" if new else " (optional)"),
    "field-removed": lambda old, new: "removed",
    "type-changed": lambda old, new: f"type changed from {old} to {new}",
    "made-required": lambda old, new: "made required",
    "made-optional": lambda old, new: "made optional",
    "pii-changed": lambda old, new: f"PII class changed from {_pii(old)} to {_pii(new)}",
    "allowed-narrowed": lambda old, new: (
        f"allowed values narrowed to {_words(new)}" if old else f"now limited to {_words(new)}"),
    "allowed-widened": lambda old, new: (
        f"allowed values widened to {_words(new)}" if new else "no longer limited to a list of values"),
    "allowed-changed": lambda old, new: f"allowed values changed from {_words(old)} to {_words(new)}",
    "kind-changed": lambda old, new: f"kind changed from {old} to {new}",
    "status-changed": lambda old, new: f"status changed from {old} to {new}",
    "replaced_by-changed": lambda old, new: (f"now replaced by {new}" if new else "no replacement named any more"),
    "owner-changed": lambda old, new: f"owner changed from {old} to {new}",
    "summary-changed": lambda old, new: "summary changed",
    "sides-changed": lambda old, new: f"sides changed from {_words(old)} to {_words(new)}",
    "destinations-changed": lambda old, new: "; ".join(filter(None, (
        "destinations added: " + _words(sorted(set(new) - set(old))) if set(new) - set(old) else "",
        "destinations removed: " + _words(sorted(set(old) - set(new))) if set(old) - set(new) else ""))),
}


@dataclass(frozen=True)
class EventChange:
    """One event that was added, removed, renamed or changed. `name` is the event's name in the
    newer catalog (in the older one for a removed event); `old_name` is set for a rename."""
    name: str
    change: str  # "added", "removed", "renamed" or "changed"
    changes: tuple[Change, ...] = ()
    old_name: str = ""

    @property
    def breaking(self) -> bool:
        return self.change == "removed" or any(c.breaking for c in self.changes)


CHANGE_KINDS = ("added", "removed", "renamed", "changed")


@dataclass(frozen=True)
class CatalogDiff:
    events: tuple[EventChange, ...] = ()
    old_count: int = 0  # events in the older catalog
    new_count: int = 0

    @property
    def breaking(self) -> bool:
        return any(e.breaking for e in self.events)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CHANGE_KINDS, 0)
        for e in self.events:
            counts[e.change] += 1
        counts["breaking"] = sum(e.breaking for e in self.events)
        return counts

    def of(self, kind: str) -> list[EventChange]:
        return [e for e in self.events if e.change == kind]

    def grouped(self) -> list[ChangeGroup]:
        return grouped(self.events)

    def only_breaking(self) -> CatalogDiff:
        """The breaking part: removed events, and the breaking changes of the others."""
        kept = []
        for e in self.events:
            if e.change == "removed":
                kept.append(e)
            elif e.breaking:
                kept.append(EventChange(e.name, e.change, tuple(c for c in e.changes if c.breaking),
                                        e.old_name))
        return CatalogDiff(tuple(kept), self.old_count, self.new_count)

    def to_json(self) -> dict[str, Any]:
        """Stable keys, documented in docs/guides/changelog.md."""
        return {"counts": self.counts(), "old_events": self.old_count, "new_events": self.new_count,
                "events": [{"name": e.name, "change": e.change, "old_name": e.old_name or None,
                            "breaking": e.breaking, "changes": [asdict(c) for c in e.changes]}
                           for e in self.events]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CatalogDiff:
        return cls(tuple(EventChange(e["name"], e["change"],
                                     tuple(Change(**c) for c in e["changes"]), e["old_name"] or "")
                         for e in data["events"]), data["old_events"], data["new_events"])


def diff(old: Snapshot, new: Snapshot) -> CatalogDiff:
    """A rename is an event name that disappeared while an event of the newer catalog lists it in
    its `aliases`; the two are compared like any changed event."""
    new_alias = {alias: name for name, facts in new.items() for alias in facts["aliases"]}
    result: list[EventChange] = []
    renamed_to: set[str] = set()
    for name, facts in old.items():
        if name in new:
            changes = _event_changes(facts, new[name])
            if changes:
                result.append(EventChange(name, "changed", changes))
        elif name in new_alias:
            target = new_alias[name]
            renamed_to.add(target)
            result.append(EventChange(target, "renamed", _event_changes(facts, new[target]), name))
        else:
            result.append(EventChange(name, "removed"))
    for name in new:
        if name not in old and name not in renamed_to:
            result.append(EventChange(name, "added"))
    result.sort(key=lambda e: (e.name.lower(), e.name, e.old_name))
    return CatalogDiff(tuple(result), len(old), len(new))


def _event_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[Change, ...]:
    changes: list[Change] = []
    for key in EVENT_FACTS:
        before, after = old.get(key), new.get(key)
        if before != after:
            changes.append(Change(f"{key}-changed", "", before, after))
    old_fields, new_fields = old["fields"], new["fields"]
    for name in sorted(old_fields.keys() | new_fields.keys()):
        before, after = old_fields.get(name), new_fields.get(name)
        if before is None:
            changes.append(Change("field-added", name, None, after["required"], group=after.get("group", "")))
        elif after is None:
            changes.append(Change("field-removed", name, before["type"], None, breaking=True,
                                  group=before.get("group", "")))
        else:
            group = after.get("group", "") or before.get("group", "")
            changes += [replace(c, group=group) for c in _field_changes(name, before, after)]
    return tuple(changes)


def _field_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    if old["type"] != new["type"]:
        changes.append(Change("type-changed", name, old["type"], new["type"], breaking=True))
    if old["required"] != new["required"]:
        changes.append(Change("made-required", name, breaking=True) if new["required"]
                       else Change("made-optional", name))
    if old["pii"] != new["pii"]:
        changes.append(Change("pii-changed", name, old["pii"], new["pii"]))
    change = _allowed_change(old["allowed"], new["allowed"])
    if change:
        changes.append(Change(change, name, old["allowed"], new["allowed"],
                              breaking=change != "allowed-widened"))
    return changes


def _allowed_change(old: list[Any], new: list[Any]) -> str:
    """An empty list allows anything: putting a list on a field narrows it, taking it off widens."""
    def keys(values: list[Any]) -> set[str]:
        return {json.dumps(v, sort_keys=True) for v in values}
    before, after = keys(old), keys(new)
    if before == after:
        return ""
    if not before or (after and after < before):
        return "allowed-narrowed"
    if not after or after > before:
        return "allowed-widened"
    return "allowed-changed"  # some values gone, others new: narrowed for what was there


@dataclass(frozen=True)
class ChangeGroup:
    """Events that changed in exactly the same way (a field group edit reaches all its events),
    shown once with the list of events."""
    names: tuple[str, ...]
    change: str
    changes: tuple[Change, ...]
    old_names: tuple[str, ...] = ()
    breaking: bool = False


def grouped(events: Iterable[EventChange]) -> list[ChangeGroup]:
    """Breaking first, then removed, renamed, added, changed; events with identical changed
    facts merged into one group, in the order of their first event."""
    order = {"removed": 0, "renamed": 1, "added": 2, "changed": 3}
    groups: dict[tuple, list[EventChange]] = {}
    for e in events:
        key = ((e.change, json.dumps([asdict(c) for c in e.changes], default=str))
               if e.change in ("added", "changed") else (e.change, e.name, e.old_name))
        groups.setdefault(key, []).append(e)
    result = [ChangeGroup(tuple(e.name for e in members), members[0].change, members[0].changes,
                          tuple(e.old_name for e in members if e.old_name), members[0].breaking)
              for members in groups.values()]
    result.sort(key=lambda g: (not g.breaking, order[g.change]))
    return result


# --- Markdown, for a terminal or a pull request comment -----------------------------------------

# Backslash-escaped (CommonMark allows it for any ASCII punctuation): what could start emphasis,
# code, a link or image, HTML or an entity, a table cell, strikethrough or a GitHub @mention.
# Commas and full stops stay as they are: the text is read in terminals too.
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>&|~!@"})


def _md(text: str) -> str:
    """User text (allowed values, names in details, labels) as inert Markdown text, one line."""
    return printable(" ".join(str(text).split())).translate(_MARKDOWN_SPECIAL)


def _code(text: str) -> str:
    """User text (an event or field name) as a Markdown code span that nothing in it can end: the
    fence is longer than any run of backticks inside."""
    text = printable(" ".join(str(text).split()))
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall("`+", text)) + 1)
    return f"{fence} {text} {fence}"


def _md_changes(changes: Iterable[Change], indent: str = "  ") -> list[str]:
    return [f"{indent}- " + (f"{_code(c.field)}: " if c.field else "") + _md(c.detail)
            + (" **(breaking)**" if c.breaking else "") for c in changes]


def _md_group(group: ChangeGroup) -> list[str]:
    names = ", ".join(_code(n) for n in group.names)
    if group.change == "renamed":
        head = f"{_code(group.old_names[0])} renamed to {_code(group.names[0])}"
    elif group.change == "removed":
        head = f"{names} removed **(breaking)**"
    elif len(group.names) > 1:
        head = f"{len(group.names)} events {group.change} the same way: {names}"
    else:
        head = f"{names} {group.change}"
    return [f"- {head}", *_md_changes(group.changes)]


def to_markdown(result: CatalogDiff, old_label: str, new_label: str) -> str:
    counts = result.counts()
    parts = [f"{counts[k]} {k}" for k in CHANGE_KINDS if counts[k]]
    lines = [f"# Catalog changes: {_md(old_label)} → {_md(new_label)}", "",
             f"{result.old_count} events → {result.new_count} events: "
             + (", ".join(parts) if parts else "no event changed")
             + (f"; **{counts['breaking']} with breaking changes**" if counts["breaking"] else "") + "."]
    groups = result.grouped()
    for title, members in (("Breaking changes", [g for g in groups if g.breaking]),
                           ("Other changes", [g for g in groups if not g.breaking])):
        if members:
            lines += ["", f"## {title}", ""]
            for group in members:
                lines += _md_group(group)
    return "\n".join(lines) + "\n"
