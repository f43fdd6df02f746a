"""`eventcat new`: a new definition file with every required key, a comment on each, the editor
schema line, and TODO placeholders that `eventcat check` lists until they are filled in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from .apis import PAYLOAD_KEYS
from .diagnostics import CatalogError, Diagnostic, ProblemId, did_you_mean
from .link import derive_domain, object_key, page_slug
from .lint import name_style_hint, name_style_pattern
from .model import EVENT_NAME_MAX, ID_RE, NAME_RE, ApiDefinition, Event
from .pipeline import check
from .validate import ID_HINT, NAME_HINT
from .yamltext import comment, scalar


def default_api(apis: dict[str, ApiDefinition], side: str) -> ApiDefinition | None:
    """The API a new event on this side is written with: one marked `default`, else the first
    declared for the side."""
    fitting = [a for a in apis.values() if side in a.sides]
    return next((a for a in fitting if a.default), fitting[0] if fitting else None)


def _refuse(target: str, rule: ProblemId, message: str, hint: str = "") -> CatalogError:
    return CatalogError([Diagnostic(target, 0, 0, rule, message, hint)])


def _quote(text: str) -> str:
    """A YAML double-quoted scalar, through the emitter."""
    return scalar(text)


def default_schemas(catalog_dir: Path) -> Path:
    """Where a project keeps its editor schemas when nothing else is said: schemas/ beside the
    catalog folder (the `schemas` setting's default)."""
    return Path(catalog_dir).resolve().parent / "schemas"


def _schema_line(target: Path, kind: str, schemas_dir: Path) -> str:
    """The editor's schema line, relative to the new file so it resolves in any checkout."""
    schema = Path(schemas_dir).resolve() / f"{kind}.schema.json"
    target = target.resolve()
    try:
        where = Path(os.path.relpath(schema, target.parent)).as_posix()
    except ValueError:
        where = schema.as_posix()
    return f"# yaml-language-server: $schema={where}\n"


def _write_new(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(text)
    except FileExistsError:
        raise _refuse(str(target), "file-exists", "the file already exists; nothing was written",
                      "edit it, or choose another name") from None
    return target


def new_event(catalog_dir: Path, name: str, owner: str | None = None, side: str = "server",
              kind: str | None = None, legacy: bool = False, schemas_dir: Path | None = None
              ) -> Path:
    catalog_dir = Path(catalog_dir)
    shown = f"event name '{name}'"
    if len(name) > EVENT_NAME_MAX or not NAME_RE.match(name) or ".." in name:
        raise _refuse(shown, "bad-name", f"'{name}' is not a valid event name", NAME_HINT)
    result = check(catalog_dir)
    catalog = result.catalog
    kinds = catalog.config.kinds
    if kind is not None and kind not in kinds:
        raise _refuse(f"--kind {kind}", "unknown-reference", f"unknown kind '{kind}'",
                      did_you_mean(kind, kinds) or "this catalog's kinds: " + ", ".join(kinds))
    kind = kind or catalog.kind_for_name(name)
    own = kinds[kind].prefix if kind in kinds else None
    if own and not name.startswith(own):
        raise _refuse(shown, "kind-prefix", f"{kind} event names start with '{own}'",
                      f"try '{own}{name.removeprefix(catalog.config.name_prefix)}', or another --kind")
    other = next((k for k, d in kinds.items() if k != kind and d.prefix and name.startswith(d.prefix)
                  and not (own and own.startswith(d.prefix))), None)
    if other:
        raise _refuse(shown, "kind-prefix", f"'{kinds[other].prefix}' marks {other} events, but "
                      f"--kind is {kind}", f"drop the prefix for a {kind} event")
    if not legacy and not name_style_pattern(catalog.config.name_style).match(name):
        raise _refuse(shown, "name-style", f"'{name}' is not in the catalog's naming style "
                      f"({catalog.config.name_style})", name_style_hint(catalog) +
                      "; pass --legacy for a name already on the wire")
    taken = {n: d for d in catalog.definitions.values() if isinstance(d.item, Event)
             for n in (d.item.name, *d.item.aliases)}
    if name in taken:
        raise _refuse(shown, "duplicate-name", "an event with this name already exists",
                      f"see {taken[name].source.path}")
    if owner is not None and owner not in catalog.teams:
        raise _refuse(f"--owner {owner}", "unknown-reference", f"unknown team '{owner}'",
                      did_you_mean(owner, catalog.teams) or "teams are listed in catalog/teams/")
    chosen = default_api(catalog.apis, side)
    if chosen is None:
        raise _refuse(f"--side {side}", "unknown-reference", f"no API of the catalog runs on the {side} side",
                      "declare one in apis/ (name, sides, channel, recipe)")
    api = chosen.name
    domain = derive_domain(Event.model_construct(name=name, domain=None), catalog.config)
    target = catalog_dir / "events" / domain / f"{page_slug(name)}.yaml"
    wanted_key = PAYLOAD_KEYS.get(chosen.channel)
    envelope = next((g.id for g in catalog.groups.values()
                     if g.envelope and wanted_key and g.payload_key == wanted_key), None)
    tools = ", ".join(catalog.tools) or "none yet"
    groups = ", ".join(catalog.groups) or "none yet"
    lines = [
        _schema_line(target, "event", schemas_dir or default_schemas(catalog_dir)),
        "# A new event. Replace every TODO, then run `eventcat check`; the Catalog format page of\n",
        "# the site describes every key.\n\n",
        "# The name on the wire, exactly as the code sends it.\n",
        f"name: {_quote(name)}\n",
    ]
    if legacy:
        lines.append("# An old name that is already on the wire and cannot follow the naming style.\nlegacy: true\n")
    lines += [
        "# One line saying what happened, in the past tense.\n",
        'summary: "TODO: one line saying what happened"\n',
        "# When it is emitted and what it tells an analyst (Markdown).\n",
        "description: |\n  TODO: when is it emitted, and what question does it answer?\n",
        "".join(comment(f"{k}: {' '.join(d.description.split())}") for k, d in kinds.items()),
        f"kind: {kind}\n",
    ]
    if kind in kinds and kinds[kind].review:
        lines += [f"# {kind} events have their documentation reviewed before release.\n",
                  'reviewed_by: "TODO: who reviewed this page"\n']
    lines += [
        "# proposed until the code ships; then active.\n",
        "status: proposed\n",
        "# The team that owns the event (an id from catalog/teams/).\n",
        f"owner: {_quote(owner if owner else 'TODO: a team id')}\n",
        "# Where the code emits it. side: server | browser | mobile | task.\n",
        "# api: " + ", ".join(a.name for a in catalog.apis.values() if side in a.sides) + ".\n",
        "implementations:\n",
        f"  - side: {_quote(side)}\n",
        f"    api: {_quote(api)}\n",
        '    where: "TODO: repository and path of the emitting code"\n',
    ]
    if side == "browser":
        lines += ["# Server-side events carry more context; say why this one cannot be.\n",
                  "suppress:\n  prefer-server: \"TODO: why the browser is the only place it happens\"\n"]
    lines += [
        comment(f"Shared fields it carries (available: {groups})."),
        f"field_groups: {scalar([envelope] if envelope else [])}\n",
        comment(f"Tools that receive it (available: {tools})."),
        "destinations: []\n",
        "# The event's own fields. pii: none, pseudonymous, identifier, contact, network,\n",
        "# location, free-text or sensitive.\n",
        "fields:\n",
        '  - name: TODO_field\n',
        "    type: string\n",
        "    required: true\n",
        '    description: "TODO: what the value means"\n',
        "    pii: none\n",
        '    example: "TODO: a typical value"\n',
    ]
    return _write_new(target, "".join(lines))


def _new_by_id(catalog_dir: Path, section: str, kind: Literal["tool", "team"], new_id: str, body: str,
               schemas_dir: Path | None) -> Path:
    """A new tool or team file, after the checks both share: a valid id, not taken yet."""
    if not ID_RE.match(new_id) or len(new_id) > 64:
        raise _refuse(f"{kind} id '{new_id}'", "bad-name", f"'{new_id}' is not a valid id", ID_HINT)
    catalog = check(Path(catalog_dir)).catalog
    taken = catalog.definitions.get(object_key(kind, new_id))
    if taken is not None:
        raise _refuse(f"{kind} id '{new_id}'", "duplicate-name", f"a {kind} with this id already exists",
                      f"see {taken.source.path}")
    target = Path(catalog_dir) / section / f"{new_id}.yaml"
    schemas = schemas_dir or default_schemas(catalog_dir)
    return _write_new(target, _schema_line(target, kind, schemas) + body)


def new_tool(catalog_dir: Path, tool_id: str, schemas_dir: Path | None = None) -> Path:
    return _new_by_id(catalog_dir, "tools", "tool", tool_id, (
        "# A new tool. Replace every TODO, then run `eventcat check`. Where a storage fact is\n"
        "# not known, write so and whom to ask: never guess a number.\n\n"
        f"id: {tool_id}\n"
        'name: "TODO: the tool\'s name"\n'
        "# web-analytics, tag-manager, ab-testing, survey, session-recording, email-marketing,\n"
        "# ad-reporting, customer-data-platform, log-store, diagnostics, business-intelligence,\n"
        "# data-warehouse.\n"
        'category: "TODO: a category"\n'
        "# How data reaches it: direct, segment, tracking-log.\n"
        'receives: ["TODO: a channel"]\n'
        "storage:\n"
        '  limits: "TODO: volume, quota or sampling limits"\n'
        '  access: "TODO: who can see the data"\n'
        '  retention: "TODO: how long the data lives"\n'
        '  region: "TODO: where the data is stored"\n'
        "  # true, false or unknown.\n"
        "  pii_allowed: unknown\n"), schemas_dir)


def new_team(catalog_dir: Path, team_id: str, schemas_dir: Path | None = None) -> Path:
    return _new_by_id(catalog_dir, "teams", "team", team_id, (
        "# A new team. Replace every TODO, then run `eventcat check`.\n\n"
        f"id: {team_id}\n"
        'name: "TODO: the team\'s name"\n'
        "# The id of the team this one belongs to, if any (catalog/teams/), e.g.\n"
        "# parent: product\n"
        'description: "TODO: what the team does"\n'
        "# Ids of the tools the team uses (catalog/tools/).\n"
        "tools: []\n"), schemas_dir)
