"""Cross-references into the catalog for hand-written pages: the roles {event}, {tool}, {team} and
{field}, resolved against the generated pages, exported in objects.inv (so other Sphinx projects
reach our events through intersphinx), and the "Mentioned in" list on each event page.

The generator writes what can be referenced to `_objects.json` in the generated folder (see
objects.py); the domain reads it when the builder starts, so it is right even when the
pages themselves were not regenerated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Set
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.domains import Domain, ObjType
from sphinx.environment import BuildEnvironment
from sphinx.roles import XRefRole
from sphinx.util import logging
from sphinx.util.nodes import make_refnode
from sphinx.util.typing import RoleFunction

from .diagnostics import did_you_mean
from .objects import OBJECTS_FILE

ROLES = ("event", "tool", "team", "field")
FIELD_SEPARATOR = "/"  # EVENT/FIELD: field names never hold '/'; event names may, so split at the last
logger = logging.getLogger(__name__)


class CatalogRole(XRefRole):
    """Registered under the bare names too ({event} rather than {eventcat:event}), which plain
    XRefRole would send to no domain at all."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        role = self.name.rpartition(":")[2]
        self.name = f"eventcat:{role}"
        # names on the wire read as code; tools and teams as words
        self.innernodeclass = nodes.literal if role in ("event", "field") else nodes.inline
        return super().run()


class mentions_placeholder(nodes.General, nodes.Element):
    """Where an event page lists the hand-written pages that mention it; filled when written."""


class MentionsDirective(Directive):
    has_content = False

    def run(self) -> list[nodes.Node]:
        return [mentions_placeholder()]


class CatalogDomain(Domain):
    name = "eventcat"
    label = "Event catalog"
    # A wire name (what an implementation sends instead of the event's name) is its own kind of
    # object, so a search result says what it is ("wire name, in edx.video.played"); the {event}
    # role of another project reaches it through intersphinx like an event.
    object_types: ClassVar[dict[str, ObjType]] = {
        **{role: ObjType(role, role) for role in ROLES}, "wire": ObjType("wire name", "event")}
    roles: ClassVar[dict[str, RoleFunction | XRefRole]] = {role: CatalogRole() for role in ROLES}
    # Per-build state, kept with the environment between builds (Sphinx starts afresh when
    # data_version changes). The first two last; the others describe the current run and are
    # set again when the builder starts (load_objects).
    data_version = 1
    initial_data: ClassVar[dict[str, Any]] = {
        "objects": {},  # the contents of _objects.json, with the generated folder's prefix
        "refs": {},  # docname → sorted list of [role, target] that the page references
        "mentions_before": {},  # event → pages mentioning it, when this run started
        "mentions": None,  # the same after this run read the pages (None until then)
        "stale": [],  # pages not re-read whose references now point elsewhere
        "event_pages": {},  # docname of each event page → the event
        "generated": "",  # the generated folder, relative to the source folder
    }
    dangling_warnings: ClassVar[dict[str, str]] = {role: f"unknown {role} '%(target)s'" for role in ROLES}

    # --- what can be referenced ------------------------------------------------------------------

    @property
    def objects(self) -> dict[str, Any]:
        return self.data["objects"]

    def find(self, role: str, target: str) -> tuple[str, str, str, str] | None:
        """(canonical name, docname, anchor, title) of a target, or None."""
        objects = self.objects
        if not objects:
            return None
        prefix = objects["prefix"]
        if role == "event":
            name = objects["aliases"].get(target, target)
            entry = objects["events"].get(name)
            return (name, prefix + "events/" + entry["slug"], "", name) if entry else None
        if role in ("tool", "team"):
            title = objects[role + "s"].get(target)
            return (target, f"{prefix}{role}s/{target}", "", title) if title else None
        for event_name, field_name in _field_splits(target):
            found = self.find("event", event_name)
            if found and field_name in objects["events"][found[0]]["fields"]:
                return (f"{found[0]}{FIELD_SEPARATOR}{field_name}", found[1], "field-" + field_name,
                        field_name)
        return None

    def names(self, role: str) -> Iterable[str]:
        objects = self.objects or {"events": {}, "aliases": {}, "tools": {}, "teams": {}}
        if role == "event":
            return [*objects["events"], *objects["aliases"]]
        if role == "field":
            return [f"{e}{FIELD_SEPARATOR}{f}" for e, v in objects["events"].items() for f in v["fields"]]
        return objects[role + "s"]

    def resolve_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder, typ: str, target: str,
                     node: addnodes.pending_xref, contnode: nodes.Element) -> nodes.reference | None:
        found = self.find(typ, target)
        if found is None:
            return None
        _name, docname, anchor, title = found
        if typ in ("tool", "team") and not node.get("refexplicit"):
            contnode = nodes.inline("", title, classes=contnode["classes"])  # its name, not its id
        return make_refnode(builder, fromdocname, docname, anchor, contnode, title)

    def resolve_any_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder, target: str,
                         node: addnodes.pending_xref, contnode: nodes.Element
                         ) -> list[tuple[str, nodes.reference]]:
        results = []
        for role in ROLES:
            resolved = self.resolve_xref(env, fromdocname, builder, role, target, node, contnode)
            if resolved is not None:
                results.append((f"eventcat:{role}", resolved))
        return results

    def get_type_name(self, type: ObjType, primary: bool = False) -> str:
        """The kind of a search result as a reader says it ("wire name", "event"); Sphinx would put
        the domain's label before it on every result."""
        return type.lname

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        """Every event, its aliases, wire names and fields, tools and teams, for objects.inv and
        site search. Events, their aliases, tools and teams rank high in search (1), wire names higher (0;
        a search for the whole name of an event still lists the event first: search_scorer.js);
        an event's own fields rank low (2: searching `course_id` lists the events carrying it);
        inherited fields stay out of search (-1), or every envelope field would list every event."""
        objects = self.objects
        if not objects:
            return
        prefix = objects["prefix"]
        for name, entry in objects["events"].items():
            docname = prefix + "events/" + entry["slug"]
            yield name, name, "event", docname, "", 1
            own = set(entry.get("own", ()))
            for field_name in entry["fields"]:
                yield (f"{name}{FIELD_SEPARATOR}{field_name}", field_name, "field", docname,
                       "field-" + field_name, 2 if field_name in own else -1)
        for alias, name in objects["aliases"].items():
            # an old name leads straight to its event (priority 1, like the event's own name)
            yield alias, alias, "event", prefix + "events/" + objects["events"][name]["slug"], "", 1
        for wire, name in objects.get("wire", {}).items():
            if wire not in objects["events"] and wire not in objects["aliases"]:
                # 0 (important): Sphinx scores each word of "Played Video" alone, so at 1 an event
                # whose last dotted part is "played" would rank above the whole wire name
                yield wire, wire, "wire", prefix + "events/" + objects["events"][name]["slug"], "", 0
        for kind in ("tool", "team"):
            for key, title in objects[kind + "s"].items():
                yield key, title, kind, f"{prefix}{kind}s/{key}", "", 1

    # --- who mentions what -------------------------------------------------------------------------

    def clear_doc(self, docname: str) -> None:
        self.data["refs"].pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for docname in docnames:
            if docname in otherdata["refs"]:
                self.data["refs"][docname] = otherdata["refs"][docname]

    def process_doc(self, env: BuildEnvironment, docname: str, document: nodes.document) -> None:
        refs = set()
        for node in document.findall(addnodes.pending_xref):
            if node.get("refdomain") == "eventcat":
                refs.add((node["reftype"], node["reftarget"]))
        if refs:
            self.data["refs"][docname] = sorted(refs)

    def mentions(self) -> dict[str, list[str]]:
        """Event name → the pages outside the generated folder that reference the event or one
        of its fields, in page order."""
        prefix = self.objects.get("prefix", "\0")
        found: dict[str, set[str]] = {}
        for docname, refs in self.data["refs"].items():
            if docname.startswith(prefix):
                continue
            for role, target in refs:
                if role in ("event", "field"):
                    hit = self.find(role, target)
                    if hit:
                        event = hit[0].rpartition(FIELD_SEPARATOR)[0] if role == "field" else hit[0]
                        found.setdefault(event, set()).add(docname)
        return {event: sorted(docs) for event, docs in found.items()}


def catalog_domain(env: BuildEnvironment) -> CatalogDomain:
    domain = env.domains["eventcat"]
    assert isinstance(domain, CatalogDomain)
    return domain


def _field_splits(target: str) -> Iterable[tuple[str, str]]:
    """EVENT/FIELD, or EVENT.FIELD split at each dot from the right (field names may hold dots
    too; the longest event name that exists wins, see find())."""
    if FIELD_SEPARATOR in target:
        event, _, field_name = target.rpartition(FIELD_SEPARATOR)
        yield event, field_name
        return
    position = len(target)
    while (position := target.rfind(".", 0, position)) > 0:
        yield target[:position], target[position + 1:]


# --- wiring ------------------------------------------------------------------------------------------

def load_objects(app: Sphinx, output: str) -> None:
    """Read `_objects.json` into the domain (at builder-inited). When the targets changed, every
    page that references a target that changed is written again, so no stale link survives an
    incremental build (and a reference to a removed event fails the strict build)."""
    domain = catalog_domain(app.env)
    path = Path(app.srcdir) / output / OBJECTS_FILE
    try:
        objects = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        objects = {}
    if objects:
        objects["prefix"] = output + "/"
    domain.data["mentions_before"] = domain.mentions()
    domain.data["mentions"] = None
    domain.data["stale"] = []
    if objects != domain.data["objects"]:
        refs = {(role, t) for docs in domain.data["refs"].values() for role, t in docs}
        before = {ref: domain.find(*ref) for ref in refs}
        domain.data["objects"] = objects
        domain.data["stale"] = sorted(
            docname for docname, docs in domain.data["refs"].items()
            if any(domain.find(role, t) != before[(role, t)] for role, t in docs))
    domain.data["event_pages"] = {
        f"{output}/events/{entry['slug']}": name for name, entry in objects.get("events", {}).items()}


def _pages_to_write(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages not re-read that must be written again: those whose references changed target, and
    the event pages whose list of mentioning pages changed."""
    domain = catalog_domain(env)
    before = domain.data["mentions_before"]
    after = domain.data["mentions"] = domain.mentions()
    pages = set(domain.data["stale"])
    for event in {*before, *after}:
        if before.get(event) != after.get(event) and (found := domain.find("event", event)):
            pages.add(found[1])
    return sorted(pages & env.found_docs)


def _export_labels(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Events and their aliases as standard labels too, so another Sphinx project reaches them
    through intersphinx with a plain {ref} or :ref: (`:ref:`video.played``) without
    installing eventcat; the eventcat:event entries need this domain on both sides. A label the
    project defines itself wins. Labels of re-read pages are purged by Sphinx, hence every run.
    Tools and teams become tool-<id> and team-<id>."""
    domain = catalog_domain(env)
    labels = env.domains["std"].labels
    for role in ("event", "tool", "team"):  # tools and teams as tool-<id> and team-<id>
        for key in domain.names(role):
            found = domain.find(role, key)
            if found is not None:
                _, docname, _, title = found
                label = key.lower() if role == "event" else f"{role}-{key}"
                labels.setdefault(label, (docname, "", title))
    return []


def _warn_missing(app: Sphinx, domain: Domain | None, node: addnodes.pending_xref) -> bool | None:
    """Our own message for a broken reference, with the closest names."""
    if domain is None or domain.name != "eventcat":
        return None
    role, target = node["reftype"], node["reftarget"]
    assert isinstance(domain, CatalogDomain)
    hint = did_you_mean(target, list(domain.names(role)))
    if not hint and role == "field" and FIELD_SEPARATOR not in target:
        hint = "name a field as EVENT/FIELD, such as video.played/code"
    hint = f" ({hint})" if hint else ""
    logger.warning(f"unknown {role} '{target}'{hint}", location=node, type="eventcat", subtype="ref")
    return True


def _fill_mentions(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    placeholders = list(doctree.findall(mentions_placeholder))
    if not placeholders:
        return
    domain = catalog_domain(app.env)
    event = domain.data["event_pages"].get(docname)
    if domain.data["mentions"] is None:  # no env-get-updated in this run (nothing was read)
        domain.data["mentions"] = domain.mentions()
    pages = domain.data["mentions"].get(event, []) if event else []
    if pages:
        result: nodes.Element = nodes.bullet_list(classes=["ec-mentions"])
        for page in pages:
            title = app.env.titles[page].astext() if page in app.env.titles else page
            reference = nodes.reference("", title, internal=True,
                                        refuri=app.builder.get_relative_uri(docname, page))
            result += nodes.list_item("", nodes.paragraph("", "", reference))
    else:
        result = nodes.paragraph("", "No hand-written page mentions this event yet.",
                                 classes=["ec-muted"])
    for placeholder in placeholders:
        placeholder.replace_self(result.deepcopy())


def setup(app: Sphinx) -> dict[str, Any]:
    """Also loadable on its own (extensions = ["eventcat.sphinx_domain"]) by another project that
    links to a catalog site through intersphinx and wants the field, tool and team roles."""
    app.add_domain(CatalogDomain)
    for role in ROLES:
        app.add_role(role, CatalogRole())
    app.add_node(mentions_placeholder)
    app.add_directive("eventcat-mentions", MentionsDirective)
    app.connect("env-get-updated", _pages_to_write)
    app.connect("env-updated", _export_labels)
    app.connect("warn-missing-reference", _warn_missing)
    app.connect("doctree-resolved", _fill_mentions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
