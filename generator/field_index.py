"""The fields explorer page's data: every field name in the catalog, with its types and who
carries it."""

from __future__ import annotations

from dataclasses import dataclass

from .link import Catalog


@dataclass(frozen=True)
class FieldUse:
    name: str
    types: tuple[str, ...]
    events: tuple[str, ...]  # events declaring it, or taking it from another event (fields_from)
    groups: tuple[str, ...]  # field groups holding it: their events are not listed one by one


def field_uses(catalog: Catalog) -> list[FieldUse]:
    """Sorted by name. Events that get a field from a group are left out of its events: an
    envelope field would otherwise list every event in the catalog; the group is named instead."""
    types: dict[str, set[str]] = {}
    events: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    for entry in catalog.events:
        for rf in entry.fields:
            types.setdefault(rf.field.name, set()).add(str(rf.field.type))
            if rf.origin_kind != "group":
                events.setdefault(rf.field.name, []).append(entry.name)
    for group in catalog.groups.values():
        for f in group.fields:
            types.setdefault(f.name, set()).add(str(f.type))
            groups.setdefault(f.name, []).append(group.id)
    return [FieldUse(name, tuple(sorted(types[name])), tuple(sorted(events.get(name, ()))),
                     tuple(groups.get(name, ()))) for name in sorted(types)]
