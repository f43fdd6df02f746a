"""`_objects.json`: what hand-written pages can reference with the {event}, {tool}, {team} and
{field} roles. The generator writes it beside the pages; the Sphinx domain reads it. This module
stays light (no catalog model, no templates) because the domain can be loaded on its own by
another project."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .link import Catalog

OBJECTS_FILE = "_objects.json"


def objects_index(catalog: Catalog) -> str:
    """What hand-written pages can reference with the {event}, {tool}, {team} and {field} roles
    (read by sphinx_domain.py), as JSON."""
    return json.dumps({
        "events": {e.name: {"slug": e.slug, "fields": [rf.field.name for rf in e.fields],
                            # own fields: the ones site search lists (inherited ones would repeat
                            # every envelope field on every event page)
                            "own": [rf.field.name for rf in e.fields if not rf.origin_kind]}
                   for e in catalog.events},
        # names implementations put on the wire instead of the event's: searching one finds the event
        "wire": {i.name: e.name for e in catalog.events for i in e.event.implementations
                 if i.name and i.name != e.name},
        "aliases": {a: e.name for e in catalog.events for a in e.event.aliases},
        "tools": {t.id: t.name for t in catalog.tools.values()},
        "teams": {t.id: t.name for t in catalog.teams.values()},
    }, ensure_ascii=False, sort_keys=True) + "\n"
