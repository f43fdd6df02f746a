"""Where personal data goes: every PII field joined with the tools it reaches, each tool's storage
notes, and the teams that own it. The privacy-map page and the record-of-processing CSV are both
made from this one join.

An event is taken to bring all its fields to every tool it reaches (its channels' hubs and the
destinations it reaches). That over-reports when a tool gets only part of a record, which is the
safe side for a privacy review; the page says so."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from .export import csv_text
from .link import Catalog, EventEntry
from .model import PII_TEXT, Pii, Tool

# Most sensitive first: the order of the page and of the CSV.
PII_ORDER: tuple[Pii, ...] = ("sensitive", "contact", "identifier", "free-text", "location", "network", "pseudonymous")


# A cell of the map: the field does not reach the tool, or it does and the tool's storage says
# personal data is allowed there, must not be there, or does not say.
Reach = Literal["none", "allowed", "forbidden", "undocumented"]
REACH_OF_POLICY: dict[bool | str, Reach] = {True: "allowed", False: "forbidden", "unknown": "undocumented"}


@dataclass(frozen=True)
class Flow:
    tool: Tool
    via: str  # the channel that carries the data ("tracking-log", "segment", "direct")
    events: tuple[str, ...]  # names of the events that bring the field to the tool


@dataclass(frozen=True)
class PiiField:
    name: str
    pii: Pii
    events: tuple[str, ...]
    flows: tuple[Flow, ...]

    @property
    def anchor(self) -> str:
        return f"pii-{self.pii}-{self.name}"

    def flow_to(self, tool_id: str) -> Flow | None:
        return next((flow for flow in self.flows if flow.tool.id == tool_id), None)

    def reach(self, tool: Tool) -> Reach:
        """One cell of the map: whether this field reaches the tool, and if so whether the tool
        may hold personal data."""
        if self.flow_to(tool.id) is None:
            return "none"
        return REACH_OF_POLICY[tool.storage.pii_allowed]


@dataclass(frozen=True)
class Received:
    """One kind of personal data as one tool or team sees it."""
    field: str
    pii: Pii
    events: tuple[str, ...]
    tools: tuple[str, ...] = ()  # for a team: the tools its events bring the field to


@dataclass(frozen=True)
class PrivacyMap:
    fields: tuple[PiiField, ...]
    by_tool: dict[str, tuple[Received, ...]]
    by_team: dict[str, tuple[Received, ...]]
    unclassified: tuple[tuple[str, str], ...]  # (event, field) pairs with no PII class

    def classes(self) -> list[str]:
        present = {f.pii for f in self.fields}
        return [p for p in PII_ORDER if p in present]

    def tools(self, catalog: Catalog) -> list[Tool]:
        """The map's columns: every tool some personal data reaches. Those that must not hold it
        come first (a reviewer's first question, and on a phone the columns seen without
        scrolling), then those whose storage does not say, then those that may; by name within."""
        order = {"forbidden": 0, "undocumented": 1, "allowed": 2}
        return sorted((catalog.tools[t] for t in self.by_tool),
                      key=lambda t: (order[REACH_OF_POLICY[t.storage.pii_allowed]], t.name.lower()))

    def conflicts(self, catalog: Catalog) -> list[Conflict]:
        """Each tool that must not hold personal data yet gets some: the fields and the events."""
        found = []
        for tool in self.tools(catalog):
            if tool.storage.pii_allowed is not False:
                continue
            flows = [(f, f.flow_to(tool.id)) for f in self.fields]
            fields = tuple(f for f, flow in flows if flow is not None)
            events = {e for _, flow in flows if flow is not None for e in flow.events}
            found.append(Conflict(tool, fields, tuple(sorted(events, key=str.lower))))
        return found


@dataclass(frozen=True)
class Conflict:
    tool: Tool
    fields: tuple[PiiField, ...]
    events: tuple[str, ...]


def reached_tools(entry: EventEntry, catalog: Catalog) -> list[tuple[Tool, str]]:
    """(tool, channel) for every tool the event's data reaches: the hubs of its channels (the
    tracking log, the Segment workspace), then the destinations it reaches."""
    reached: dict[str, tuple[Tool, str]] = {}
    for channel in ("tracking-log", "segment"):
        hub = catalog.hubs.get(channel)
        if hub is not None and (channel in entry.channels):
            reached[hub.id] = (hub, channel)
    for destination in entry.destinations:
        if destination.reached:
            reached.setdefault(destination.tool.id, (destination.tool, destination.via))
    return list(reached.values())


def privacy_map(catalog: Catalog) -> PrivacyMap:
    rank = {p: i for i, p in enumerate(PII_ORDER)}
    field_events: dict[tuple[str, Pii], list[str]] = defaultdict(list)
    field_flows: dict[tuple[str, Pii], dict[str, tuple[Tool, str, list[str]]]] = defaultdict(dict)
    team_fields: dict[str, dict[tuple[str, Pii], tuple[list[str], set[str]]]] = defaultdict(dict)
    unclassified = []
    for entry in catalog.events:
        tools = reached_tools(entry, catalog)
        for rf in entry.fields:
            pii = rf.field.pii
            if pii is None:
                unclassified.append((entry.name, rf.field.name))
                continue
            if pii == "none":
                continue
            key = (rf.field.name, pii)
            field_events[key].append(entry.name)
            for tool, via in tools:
                field_flows[key].setdefault(tool.id, (tool, via, []))[2].append(entry.name)
            events, team_tools = team_fields[entry.event.owner].setdefault(key, ([], set()))
            events.append(entry.name)
            team_tools.update(t.id for t, _ in tools)

    ordered = sorted(field_events, key=lambda k: (rank[k[1]], k[0].lower()))
    fields = tuple(
        PiiField(name, pii, tuple(field_events[(name, pii)]),
                 tuple(Flow(tool, via, tuple(events)) for tool, via, events in
                       sorted(field_flows[(name, pii)].values(), key=lambda f: f[0].name.lower())))
        for name, pii in ordered)
    by_tool: dict[str, list[Received]] = defaultdict(list)
    for f in fields:
        for flow in f.flows:
            by_tool[flow.tool.id].append(Received(f.name, f.pii, flow.events))
    by_team = {
        team: tuple(Received(name, pii, tuple(events), tuple(sorted(tools)))
                    for (name, pii), (events, tools) in
                    sorted(found.items(), key=lambda item: (rank[item[0][1]], item[0][0].lower())))
        for team, found in team_fields.items()}
    return PrivacyMap(fields, {k: tuple(v) for k, v in by_tool.items()}, by_team,
                      tuple(unclassified))


PROCESSING_COLUMNS = (
    "recipient", "recipient_id", "recipient_category", "administered_by", "purpose",
    "data_category", "data_category_meaning", "fields", "event_count", "events", "event_kinds",
    "event_owners", "reaches_it", "access", "retention", "region", "pii_allowed")


def processing_record_csv(catalog: Catalog, pmap: PrivacyMap | None = None) -> str:
    """A record of processing activities: one row per tool and category of personal data it
    receives, with the purpose (what the tool is used for here), the fields and events that
    bring the data, who has access, how long it is kept and where."""
    pmap = pmap or privacy_map(catalog)
    rank = {p: i for i, p in enumerate(PII_ORDER)}
    rows = []
    for tool_id in sorted(pmap.by_tool, key=lambda t: catalog.tools[t].name.lower()):
        tool = catalog.tools[tool_id]
        by_class: dict[Pii, list[Received]] = defaultdict(list)
        for received in pmap.by_tool[tool_id]:
            by_class[received.pii].append(received)
        vias = {flow.via for f in pmap.fields for flow in f.flows if flow.tool.id == tool_id}
        for pii in sorted(by_class, key=rank.__getitem__):
            items = by_class[pii]
            events = sorted({e for r in items for e in r.events}, key=str.lower)
            entries = [catalog.event(e) for e in events]
            rows.append([
                tool.name, tool.id, tool.category, tool.owner or "", tool.description.strip() or
                "Not documented.", pii, PII_TEXT[pii], " ".join(r.field for r in items), len(events),
                " ".join(events), " ".join(sorted({e.event.kind for e in entries})),
                " ".join(sorted({e.event.owner for e in entries})),
                " ".join(sorted(v for v in vias if v)), tool.storage.access, tool.storage.retention,
                tool.storage.region, str(tool.storage.pii_allowed).lower()])
    return csv_text(PROCESSING_COLUMNS, rows)


def event_conflicts(entry: EventEntry, catalog: Catalog) -> list[tuple[Tool, tuple[str, ...]]]:
    """(tool, personal-data field names) for each tool this event reaches that must not get
    personal data, when the event carries some: the warning at the top of the event's page."""
    personal = tuple(rf.field.name for rf in entry.fields if rf.field.pii not in (None, "none"))
    if not personal:
        return []
    return [(tool, personal) for tool, _ in reached_tools(entry, catalog)
            if tool.storage.pii_allowed is False]
