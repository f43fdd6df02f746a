"""Stage 3: join validated definitions into one Catalog: references resolved, inherited fields
merged, routes to tools worked out, page names assigned. Every broken reference is reported."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, NewType

from .diagnostics import CheckId, Diagnostic, did_you_mean
from .ecommerce import ECOMMERCE_V2
from .load import is_placeholder
from .model import ApiDefinition, CatalogConfig, Channel, Event, FieldGroup, PayloadField, Team, Tool
from .validate import Definition

_UNSAFE_IN_SLUG = re.compile(r"[^a-z0-9._-]+")


def page_slug(name: str) -> str:
    """A file name for an event page: lower case (file systems that ignore case must not merge two
    pages), every run of other characters turned into '-', and never '.', '..' or hidden."""
    slug = _UNSAFE_IN_SLUG.sub("-", name.lower()).strip("-.")
    return slug or "event"


def page_slugs(names: Iterable[str]) -> dict[str, str]:
    """Page names for a whole catalog, unique by construction. Wire names cannot be renamed, so
    when two names map to the same page name (`get_students_features/csv` and
    `get_students_features-csv`, or names that differ only in case), each one whose page name is
    not the name itself gets a short hash of the name appended; a name that is already a safe
    page name keeps it. The result depends only on the names, not on the order of the files."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name in names:
        groups[page_slug(name)].append(name)
    slugs: dict[str, str] = {}
    for slug, group in groups.items():
        for name in group:
            if len(group) == 1 or name == slug:
                slugs[name] = slug
            else:
                slugs[name] = f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return slugs


# Which definition: an event by name, a tool, team or field group by id, or the catalog settings.
# Built only by object_key, so "event:" + name is spelled in one place.
ObjectKey = NewType("ObjectKey", str)
ObjectKind = Literal["event", "tool", "team", "group", "api"]
CONFIG_KEY = ObjectKey("config")


def object_key(kind: ObjectKind, name: str) -> ObjectKey:
    return ObjectKey(f"{kind}:{name}")


def key_kind(key: ObjectKey) -> str:
    """"event", "tool", "team", "group", "api" or "config"."""
    return key.partition(":")[0]


@dataclass(frozen=True)
class ResolvedField:
    field: PayloadField
    origin_kind: str = ""  # "" for the event's own field, else "group" or "event"
    origin: str = ""  # the group id or event name it comes from
    envelope: bool = False  # added by the tracker itself, left out of recipes
    overrides: bool = False  # an own field replacing an inherited one of the same name


@dataclass(frozen=True)
class Destination:
    tool: Tool
    via: str  # the channel that carries the event to the tool, or "" when none does
    reached: bool


@dataclass(frozen=True)
class EventEntry:
    event: Event
    source: str
    slug: str
    domain: str
    sides: tuple[str, ...]
    fields: tuple[ResolvedField, ...]
    channels: frozenset[Channel]
    segment_via: str  # how the event reaches Segment: "", "whitelist" or "api"
    destinations: tuple[Destination, ...]
    tool_ids: tuple[str, ...]  # every tool the event reaches or names: hubs first, then destinations
    mentioned_by: tuple[str, ...] = ()  # names of events whose related/replaced_by names this one

    @property
    def name(self) -> str:
        return self.event.name

    @property
    def docname(self) -> str:
        return f"events/{self.slug}"


@dataclass(frozen=True)
class Catalog:
    config: CatalogConfig
    events: tuple[EventEntry, ...]
    tools: dict[str, Tool]
    teams: dict[str, Team]
    groups: dict[str, FieldGroup]
    lookup: dict[str, EventEntry] = field(repr=False)  # by name and by alias
    events_by_tool: dict[str, tuple[EventEntry, ...]] = field(repr=False)
    events_by_team: dict[str, tuple[EventEntry, ...]] = field(repr=False)
    sub_teams: dict[str, tuple[Team, ...]] = field(repr=False)
    tool_users: dict[str, tuple[Team, ...]] = field(repr=False)
    hubs: dict[str, Tool] = field(repr=False)
    apis: dict[str, ApiDefinition] = field(repr=False, default_factory=dict)
    # where each object was defined, for lint messages and incremental builds
    definitions: dict[ObjectKey, Definition] = field(repr=False, default_factory=dict)

    def event(self, name: str) -> EventEntry:
        return self.lookup[name]

    def kind_text(self, kind: str) -> str:
        """What an event of this kind is, in the catalog's words."""
        declared = self.config.kinds.get(kind)
        return declared.description if declared else kind

    def kind_for_name(self, name: str) -> str:
        """The kind a new event of this name gets: the kind whose prefix it carries, else the
        first kind declared without a prefix."""
        kinds = self.config.kinds
        for kind, declared in kinds.items():
            if declared.prefix and name.startswith(declared.prefix):
                return kind
        return next((k for k, d in kinds.items() if not d.prefix), next(iter(kinds), ""))

    @property
    def routes_through_whitelist(self) -> bool:
        """Whether any event reaches Segment through the tracking log's whitelist (the
        whitelist download only makes sense then)."""
        return any(e.segment_via == "whitelist" for e in self.events)

    def team_path(self, team_id: str) -> list[Team]:
        """The team and its parents, outermost first."""
        chain: list[Team] = []
        current: str | None = team_id
        while current is not None and current in self.teams and len(chain) <= len(self.teams):
            chain.append(self.teams[current])
            current = self.teams[current].parent
        return chain[::-1]


class _Problems:
    """Problems found while linking, and which files they make unusable."""

    def __init__(self, unavailable: frozenset[str]) -> None:
        self.items: list[Diagnostic] = []
        self.broken: set[str] = set()  # paths of definitions left out of the catalog
        self.unavailable = unavailable

    def add(self, where: tuple[str, int, int], rule: CheckId, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(*where, rule, message, hint))
        self.broken.add(where[0])

    def unknown(self, where: tuple[str, int, int], what: str, value: str, known: Iterable[str]) -> None:
        if value in self.unavailable or page_slug(value) in self.unavailable or is_placeholder(value):
            self.broken.add(where[0])  # its file failed to load: already reported there
            return
        self.add(where, "unknown-reference", f"unknown {what} '{value}'", did_you_mean(value, known))


def derive_domain(event: Event, config: CatalogConfig) -> str:
    if event.domain:
        return event.domain
    rest = event.name
    prefixes = sorted((k.prefix for k in config.kinds.values() if k.prefix), key=len, reverse=True)
    for prefix in (*prefixes, config.name_prefix):
        if prefix and rest.startswith(prefix) and len(rest) > len(prefix):
            rest = rest[len(prefix):]
            break
    first = re.split(r"[._ :-]", rest, maxsplit=1)[0].lower()
    return re.sub(r"[^a-z0-9-]", "-", first).strip("-") or "other"


def link(definitions: list[Definition], unavailable: frozenset[str] = frozenset()
         ) -> tuple[Catalog, list[Diagnostic]]:
    """The catalog of every definition that links cleanly, and the problems of the others.
    `unavailable` holds names and ids (or file stems) of files that failed earlier stages, so
    references to them are not reported a second time as unknown."""
    problems = _Problems(unavailable)
    by_section: dict[type, list[Definition]] = defaultdict(list)
    for definition in definitions:
        by_section[type(definition.item)].append(definition)
    configs = by_section[CatalogConfig]
    config = configs[0].item if configs else CatalogConfig()

    apis = _unique_ids(by_section[ApiDefinition], "api", problems, key="name")
    tools = _unique_ids(by_section[Tool], "tool id", problems)
    teams = _unique_ids(by_section[Team], "team id", problems)
    groups = _unique_ids(by_section[FieldGroup], "field group id", problems)
    slug_of = page_slugs(d.item.name for d in by_section[Event])
    event_defs, declared = _unique_event_names(by_section[Event], slug_of, problems)

    for d in tools.values():
        if d.item.owner is not None and d.item.owner not in teams:
            problems.unknown(d.at("owner"), "team", d.item.owner, teams)
    _check_teams(teams, tools, problems)

    api_items = {name: d.item for name, d in sorted(apis.items())}
    for d in event_defs.values():
        _check_event_references(d, teams, tools, groups, declared, problems)
        _check_implementations(d, api_items, config, problems)
    for d in groups.values():
        _check_field_names(d, d.item.fields, problems)
    _check_inheritance_cycles(event_defs, problems)
    event_defs = _usable(event_defs, problems.broken)

    lookup_defs = {alias: d for d in event_defs.values() for alias in (d.item.name, *d.item.aliases)}
    tool_items = {k: d.item for k, d in sorted(tools.items())}
    hubs = {t.hub: t for t in tool_items.values() if t.hub}
    mentions: dict[str, list[str]] = defaultdict(list)
    for d in event_defs.values():
        for other in {*d.item.related, *([d.item.replaced_by] if d.item.replaced_by else [])}:
            if other in lookup_defs:
                mentions[lookup_defs[other].item.name].append(d.item.name)

    resolved_fields: dict[str, tuple[ResolvedField, ...]] = {}
    entries = []
    for name in sorted(event_defs, key=str.lower):
        d = event_defs[name]
        event = d.item
        fields = _resolve_fields(event, lookup_defs, groups, resolved_fields)
        channels = {api_items[i.api].channel for i in event.implementations}
        segment_via = "api" if "segment" in channels else ""
        if "tracking-log" in channels and event.segment_whitelist and not segment_via:
            channels.add("segment")
            segment_via = "whitelist"
        destinations = []
        for tool_id in event.destinations:
            tool = tool_items.get(tool_id)
            if tool is None:
                continue
            if tool.hub and tool.hub in channels:
                via = tool.hub  # the channel itself, listed as a destination
            else:
                via = next((c for c in ("direct", "segment", "tracking-log")
                            if c in tool.receives and c in channels), "")
            destinations.append(Destination(tool, via, bool(via)))
        entries.append(EventEntry(
            event=event, source=d.source.catalog_path, slug=slug_of[event.name],
            domain=derive_domain(event, config),
            sides=tuple(sorted({i.side for i in event.implementations})),
            fields=fields, channels=frozenset(channels), segment_via=segment_via,
            destinations=tuple(destinations),
            tool_ids=tuple(dict.fromkeys([
                *(hubs[h].id for h in ("tracking-log", "segment") if h in channels and h in hubs),
                *event.destinations])),
            mentioned_by=tuple(sorted(mentions.get(event.name, ()), key=str.lower)),
        ))
    lookup = {alias: e for e in entries for alias in (e.name, *e.event.aliases)}

    events_by_tool: dict[str, list[EventEntry]] = defaultdict(list)
    events_by_team: dict[str, list[EventEntry]] = defaultdict(list)
    for entry in entries:
        events_by_team[entry.event.owner].append(entry)
        for tool_id in entry.tool_ids:
            events_by_tool[tool_id].append(entry)
    team_items = {k: d.item for k, d in sorted(teams.items())}
    sub_teams: dict[str, list[Team]] = defaultdict(list)
    tool_users: dict[str, list[Team]] = defaultdict(list)
    for team in team_items.values():
        if team.parent:
            sub_teams[team.parent].append(team)
        for tool_id in team.tools:
            tool_users[tool_id].append(team)

    where = {object_key("event", d.item.name): d for d in event_defs.values()}
    where.update({object_key("tool", k): d for k, d in tools.items()})
    where.update({object_key("team", k): d for k, d in teams.items()})
    where.update({object_key("group", k): d for k, d in groups.items()})
    where.update({object_key("api", k): d for k, d in apis.items()})
    if configs:
        where[CONFIG_KEY] = configs[0]
    return Catalog(
        config=config,
        events=tuple(entries),
        tools=tool_items,
        teams=team_items,
        groups={k: d.item for k, d in sorted(groups.items())},
        lookup=lookup,
        events_by_tool={k: tuple(v) for k, v in events_by_tool.items()},
        events_by_team={k: tuple(v) for k, v in events_by_team.items()},
        sub_teams={k: tuple(v) for k, v in sub_teams.items()},
        tool_users={k: tuple(v) for k, v in tool_users.items()},
        hubs=hubs,
        apis=api_items,
        definitions=where,
    ), problems.items


def _usable(events: dict[str, Definition], broken: set[str]) -> dict[str, Definition]:
    """Events whose own references all resolve, and whose fields_from source is usable too."""
    kept = {name: d for name, d in events.items() if d.source.path not in broken}
    while True:
        names = {n for d in kept.values() for n in (d.item.name, *d.item.aliases)}
        drop = [name for name, d in kept.items()
                if d.item.fields_from is not None and d.item.fields_from not in names]
        if not drop:
            return kept
        for name in drop:
            del kept[name]


def _unique_ids(definitions: list[Definition], what: str, problems: _Problems,
                key: str = "id") -> dict[str, Definition]:
    """The definitions by their `key` (tools, teams and groups by id, APIs by name); a second one
    with the same key is reported at its own place, naming the first."""
    seen: dict[str, Definition] = {}
    for d in definitions:
        value = getattr(d.item, key)
        if value in seen:
            first = seen[value].at(key)
            problems.add(d.at(key), "duplicate-name", f"duplicate {what} '{value}'",
                         f"also defined at {first[0]}:{first[1]}")
        else:
            seen[value] = d
    return seen


def _unique_event_names(definitions: list[Definition], slug_of: dict[str, str], problems: _Problems
                        ) -> tuple[dict[str, Definition], set[str]]:
    """Names and aliases share one namespace, and page names must not collide either. A clash is
    reported at every place that takes part, whatever order the files are read in; the events
    involved are left out, but their names stay known so references to them are not reported."""
    claims: dict[str, list[tuple[Definition, tuple]]] = defaultdict(list)
    slugs: dict[str, list[Definition]] = defaultdict(list)
    for d in definitions:
        for index, name in enumerate((d.item.name, *d.item.aliases)):
            claims[name].append((d, ("name",) if index == 0 else ("aliases", index - 1)))
        slugs[slug_of[d.item.name]].append(d)
    clashing: set[int] = set()
    for name, claimants in claims.items():
        if len(claimants) < 2:
            continue
        for d, loc in claimants:
            others = ", ".join(f"{o.source.path}:{o.at(*at)[1]}" for o, at in claimants if (o, at) != (d, loc))
            what = "event name" if loc == ("name",) else "alias"
            problems.add(d.at(*loc), "duplicate-name", f"duplicate {what} '{name}'", f"also used at {others}")
            clashing.add(id(d))
    for slug, group in slugs.items():
        names = {d.item.name for d in group}
        if len(names) < 2:
            continue
        for d in group:
            others = ", ".join(f"'{o.item.name}' ({o.source.path}:{o.at('name')[1]})"
                               for o in group if o.item.name != d.item.name)
            problems.add(d.at("name"), "page-collision", f"event '{d.item.name}' would share its "
                         f"page name '{slug}' with {others}", "rename one of them")
            clashing.add(id(d))
    kept = {d.item.name: d for d in definitions if id(d) not in clashing}
    return kept, set(claims)


def _check_teams(teams: dict[str, Definition], tools: dict[str, Definition], problems: _Problems) -> None:
    for d in teams.values():
        team = d.item
        if team.parent is not None and team.parent not in teams:
            problems.unknown(d.at("parent"), "parent team", team.parent, teams)
        for index, tool_id in enumerate(team.tools):
            if tool_id not in tools:
                problems.unknown(d.at("tools", index), "tool", tool_id, tools)
        # a parent chain that comes back to the team would make the team tree endless
        seen, current = {team.id}, team.parent
        while current in teams:
            if current in seen:
                problems.add(d.at("parent"), "reference-cycle", f"team '{team.id}' is its own ancestor",
                             "parents must form a tree")
                break
            seen.add(current)
            current = teams[current].item.parent


def _check_event_references(d: Definition, teams: dict, tools: dict, groups: dict, names: set[str],
                            problems: _Problems) -> None:
    event: Event = d.item
    for index, name in enumerate((event.name, *event.aliases)):
        if ".." in name:  # the name pattern cannot say it (no look-ahead in pydantic's regex)
            problems.add(d.at(*(("name",) if index == 0 else ("aliases", index - 1))), "bad-name",
                         f"'{name}' has two dots in a row", "a dot separates two words")
    if event.owner not in teams:
        problems.unknown(d.at("owner"), "team", event.owner, teams)
    for index, tool_id in enumerate(event.destinations):
        if tool_id not in tools:
            problems.unknown(d.at("destinations", index), "tool", tool_id, tools)
    for index, group_id in enumerate(event.field_groups):
        if group_id not in groups:
            problems.unknown(d.at("field_groups", index), "field group", group_id, groups)
    for key in ("fields_from", "replaced_by"):
        target = getattr(event, key)
        if target is not None and target not in names:
            problems.unknown(d.at(key), "event", target, names)
        elif target == event.name or target in event.aliases:
            problems.add(d.at(key), "reference-cycle", f"{key} names the event itself")
    for index, target in enumerate(event.related):
        if target not in names:
            problems.unknown(d.at("related", index), "event", target, names)
    if event.replaced_by is not None and event.status != "deprecated":
        problems.add(d.at("replaced_by"), "bad-value", "replaced_by is set but the event is not deprecated",
                     "set status: deprecated, or remove replaced_by")
    _check_field_names(d, event.fields, problems)
    if event.name in event.related:
        problems.add(d.at("related", event.related.index(event.name)), "reference-cycle",
                     "related names the event itself")
    if event.standard is not None and event.standard not in ECOMMERCE_V2:
        problems.unknown(d.at("standard"), "Segment Ecommerce v2 event", event.standard,
                         ECOMMERCE_V2)


def _check_implementations(d: Definition, apis: dict[str, ApiDefinition], config: CatalogConfig,
                           problems: _Problems) -> None:
    """Each implementation names a declared API that runs on its side; the event's kind is one
    the catalog declares."""
    event: Event = d.item
    if event.kind not in config.kinds and not is_placeholder(event.kind):
        problems.add(d.at("kind"), "unknown-reference", f"unknown kind '{event.kind}'",
                     did_you_mean(event.kind, config.kinds) or
                     "the kinds are declared under kinds: in catalog.yaml: " + ", ".join(config.kinds))
    for index, impl in enumerate(event.implementations):
        api = apis.get(impl.api)
        if api is None:
            if did_you_mean(impl.api, apis).startswith("did you mean"):
                problems.unknown(d.at("implementations", index, "api"), "api", impl.api, apis)
            elif is_placeholder(impl.api) or impl.api in problems.unavailable:
                problems.broken.add(d.source.path)  # reported already
            else:
                problems.add(d.at("implementations", index, "api"), "unknown-reference",
                             f"unknown api '{impl.api}'",
                             f"declare it in apis/ (a file with name: {impl.api}, sides, channel "
                             "and recipe), or use one of: " + (", ".join(apis) or "none declared yet"))
            continue
        if impl.side not in api.sides:
            problems.add(d.at("implementations", index, "side"), "api-side",
                         f"{impl.api} does not run on the {impl.side} side",
                         "it runs on: " + ", ".join(api.sides))


def _check_field_names(d: Definition, fields: tuple[PayloadField, ...], problems: _Problems) -> None:
    """No field twice in one list, and examples that fit their field."""
    seen: dict[str, int] = {}
    for index, f in enumerate(fields):
        if f.name in seen:
            problems.add(d.at("fields", index, "name"), "duplicate-name", f"duplicate field '{f.name}'",
                         f"already listed as field {seen[f.name] + 1}")
        seen.setdefault(f.name, index)
        if f.example is not None and not is_placeholder(f.example):
            if not _fits(f.example, f.type):
                problems.add(d.at("fields", index, "example"), "bad-example",
                             f"the example of field '{f.name}' is not of type {f.type}",
                             f"got {type(f.example).__name__} {f.example!r}")
            elif f.allowed and f.example not in f.allowed:
                problems.add(d.at("fields", index, "example"), "bad-example",
                             f"the example of field '{f.name}' is not one of its allowed values",
                             "allowed: " + ", ".join(map(str, f.allowed)))


def _fits(value: Any, field_type: str) -> bool:
    if field_type in ("string", "datetime"):
        return isinstance(value, (str, datetime.date))
    if field_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if field_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if field_type == "boolean":
        return isinstance(value, bool)
    if field_type == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def _check_inheritance_cycles(events: dict[str, Definition], problems: _Problems) -> None:
    by_alias = {n: d for d in events.values() for n in (d.item.name, *d.item.aliases)}
    for d in events.values():
        seen = {d.item.name}
        current = d.item.fields_from
        if current == d.item.name or current in d.item.aliases:
            continue  # reported as "fields_from names the event itself"
        while current is not None and current in by_alias:
            target = by_alias[current].item
            if target.name in seen:
                problems.add(d.at("fields_from"), "reference-cycle", f"fields_from goes round in a circle through "
                             f"'{target.name}'", "an event cannot inherit its own fields")
                break
            seen.add(target.name)
            current = target.fields_from


def _resolve_fields(event: Event, lookup: dict[str, Definition], groups: dict[str, Definition],
                    memo: dict[str, tuple[ResolvedField, ...]]) -> tuple[ResolvedField, ...]:
    """Groups first, then the fields of `fields_from`, then the event's own, later ones replacing
    earlier ones of the same name in place."""
    if event.name in memo:
        return memo[event.name]
    merged: dict[str, ResolvedField] = {}
    for group_id in event.field_groups:
        group: FieldGroup = groups[group_id].item
        for f in group.fields:
            merged[f.name] = ResolvedField(f, "group", group_id, envelope=group.envelope)
    if event.fields_from is not None:
        source = lookup[event.fields_from].item
        for inherited in _resolve_fields(source, lookup, groups, memo):
            if inherited.origin_kind == "":
                inherited = ResolvedField(inherited.field, "event", source.name)
            merged[inherited.field.name] = ResolvedField(
                inherited.field, inherited.origin_kind, inherited.origin, inherited.envelope)
    for f in event.fields:
        merged[f.name] = ResolvedField(f, overrides=f.name in merged)
    memo[event.name] = tuple(merged.values())
    return memo[event.name]
