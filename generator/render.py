"""Stage 4: Catalog → {relative path: MyST text}, through Jinja2 templates compiled once.

Templates live in `templates/`, one per page kind. The environment HTML-escapes every `{{ value }}`
by default and raises on undefined variables; named filters handle the places that need something
else (see markup.py): `myst` for headings, `markdown` for user Markdown, `code` for code fences and
`raw` around each block of HTML.
"""

from __future__ import annotations

import json
import posixpath
import types
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel

from . import model
from .apis import APIS, nest
from .link import Catalog, EventEntry
from .lint import RULES
from markupsafe import Markup

from .markup import code_block, inline_markdown_html, markdown_html, myst, raw_html

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HOME_INCLUDE = "_home.md"  # included by the hand-written home page, not a page of its own


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(myst=myst, markdown=markdown_html, inline=inline_markdown_html, code=code_block, raw=raw_html,
                       json=_json_text)
    env.globals.update(model=model, apis=APIS)
    return env


def _json_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


class Page:
    """Context helpers for one page: relative links from this page to any other generated page."""

    def __init__(self, path: str, catalog: Catalog):
        self.path = path
        self.catalog = catalog

    def href(self, target: str, fragment: str = "") -> str:
        """Relative URL of a generated page (given without suffix)."""
        rel = posixpath.relpath(target + ".html", posixpath.dirname(self.path) or ".")
        return rel + (f"#{fragment}" if fragment else "")

    def event_link(self, name: str) -> Markup:
        entry = self.catalog.event(name)
        return Markup('<a class="ec-event" href="{}"><code>{}</code></a>').format(
            self.href(entry.docname), entry.name)

    def tool_link(self, tool_id: str) -> Markup:
        return Markup('<a href="{}">{}</a>').format(self.href("tools/" + tool_id),
                                                    self.catalog.tools[tool_id].name)

    def team_link(self, team_id: str) -> Markup:
        return Markup('<a href="{}">{}</a>').format(self.href("teams/" + team_id),
                                                    self.catalog.teams[team_id].name)


def example_payload(entry: EventEntry, catalog: Catalog) -> dict[str, Any]:
    """A record as it is stored: envelope fields at the top, the event's own fields under the
    envelope's payload key (`event` in the tracking log), or everything flat without an envelope."""
    envelope = [f for f in entry.fields if f.envelope]
    own = nest([(f.field.name, _example(f.field)) for f in entry.fields if not f.envelope])
    if not envelope:
        return own
    record = nest([(f.field.name, _example(f.field)) for f in envelope])
    for key in ("name", "event_type"):  # the envelope's own examples name some other event
        if key in record:
            record[key] = entry.name
    groups = [catalog.groups[g] for g in dict.fromkeys(f.origin for f in envelope if f.origin_kind == "group")]
    key = next((g.payload_key for g in groups if g.envelope and g.payload_key), None)
    if key:
        record[key] = own
    else:
        record.update(own)
    return record


def _example(field: model.PayloadField) -> Any:
    if field.example is not None:
        return field.example
    if field.allowed:
        return field.allowed[0]
    return {"string": "…", "integer": 0, "number": 0.0, "boolean": False, "datetime":
            "2024-01-01T00:00:00+00:00", "object": {}, "array": []}[field.type]


def recipes(entry: EventEntry) -> list[tuple[model.Implementation, Markup]]:
    payload = nest([(f.field.name, _example(f.field)) for f in entry.fields if not f.envelope])
    return [(impl, code_block(APIS[impl.api].recipe(impl.name or entry.name, payload),
                              APIS[impl.api].language))
            for impl in entry.event.implementations]


def render(catalog: Catalog, templates_dir: Path = DEFAULT_TEMPLATES,
           home_prefix: str = "catalog/") -> dict[str, str]:
    """Every generated page. `home_prefix` is where the generated folder stands as seen from the
    hand-written home page that includes `_home.md`."""
    env = environment(Path(templates_dir).resolve())
    pages: dict[str, str] = {}

    def put(path: str, template: str, **context: Any) -> None:
        pages[path] = env.get_template(template).render(
            catalog=catalog, page=Page(path[: -len(".md")], catalog), **context)

    for entry in catalog.events:
        put(f"{entry.docname}.md", "event.md.j2", entry=entry, recipes=recipes(entry),
            payload=example_payload(entry, catalog))
    put("events/index.md", "event_index.md.j2")
    for tool in catalog.tools.values():
        put(f"tools/{tool.id}.md", "tool.md.j2", tool=tool)
    put("tools/index.md", "tool_index.md.j2")
    for team in catalog.teams.values():
        put(f"teams/{team.id}.md", "team.md.j2", team=team)
    put("teams/index.md", "team_index.md.j2")
    put("field-groups.md", "field_groups.md.j2")
    put("format.md", "format.md.j2", models=format_reference())
    put("rules.md", "rules.md.j2", rules=list(RULES.values()))
    put(HOME_INCLUDE, "home.md.j2", home_prefix=home_prefix)
    return pages


# --- the format reference, derived from the model ------------------------------------------------

FORMAT_MODELS = (
    ("Event", model.Event, "events/<domain>/<name>.yaml"),
    ("Payload field", model.PayloadField, "an entry of `fields`"),
    ("Implementation", model.Implementation, "an entry of `implementations`"),
    ("Field group", model.FieldGroup, "fields/<id>.yaml"),
    ("Tool", model.Tool, "tools/<id>.yaml"),
    ("Storage notes", model.Storage, "a tool's `storage`"),
    ("Team", model.Team, "teams/<id>.yaml"),
    ("Catalog settings", model.CatalogConfig, "catalog.yaml"),
)


def format_reference() -> list[dict[str, Any]]:
    result = []
    for title, cls, where in FORMAT_MODELS:
        keys = []
        for name, info in cls.model_fields.items():
            required = info.is_required()
            default = None if required else info.get_default(call_default_factory=True)
            keys.append({
                "name": name,
                "type": describe_type(info.annotation, info.metadata),
                "required": required,
                "default": "" if required else _default_text(default),
                "description": info.description or "",
                "example": _example_text(info.examples[0]) if info.examples else "",
            })
        result.append({"title": title, "where": where, "doc": (cls.__doc__ or "").strip(),
                       "keys": keys, "anchor": title.lower().replace(" ", "-")})
    return result


def _default_text(value: Any) -> str:
    if value is None:
        return "not set"
    if value == ():
        return "empty list"
    if value == {}:
        return "empty mapping"
    if isinstance(value, bool):
        return str(value).lower()
    if value == "":
        return "empty"
    return str(value)


def _example_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


_PATTERN_LABELS = {
    model.EVENT_NAME_PATTERN: "event name",
    model.ID_PATTERN: "id",
    model.FIELD_NAME_PATTERN: "field name",
}


def _label_from_constraints(metadata: list[Any]) -> str | None:
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    max_length = next((m.max_length for m in metadata if getattr(m, "max_length", None)), None)
    if pattern == model.ID_PATTERN and max_length == 40:
        return "tag"
    if pattern in _PATTERN_LABELS:
        return _PATTERN_LABELS[pattern]
    if pattern and pattern.startswith("^https?"):
        return "URL"
    if max_length == 300:
        return "one line of text"
    if pattern == r"^[a-z][a-z0-9-]*$":
        return "rule id"
    if pattern and pattern.startswith("^[A-Za-z_]") and max_length == 40:
        return "key name"
    return None


def describe_type(annotation: Any, metadata: list[Any] = ()) -> str:
    """A reader's name for a key's type: 'event name', 'list of ids', 'one of: a, b'..."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return describe_type(args[0], [*annotation.__metadata__, *metadata])
    label = _label_from_constraints(list(metadata))
    if label:
        return label
    if origin is Literal:
        return "one of: " + ", ".join(str(a).lower() if isinstance(a, bool) else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe_type(a) for a in args if a is not type(None))
    if origin is dict:
        return f"mapping of {describe_type(args[0])} to {describe_type(args[1])}"
    if origin is tuple:
        inner = describe_type(args[0])
        if inner.startswith("one of:"):
            return "list, each " + inner
        if inner.startswith("mapping"):
            return "list of mappings (see below)"
        return f"list of {inner}s" if not inner.endswith("s") else f"list of {inner}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping (see below)"
    if annotation is typing.Any:
        return "any value"
    name = getattr(annotation, "__name__", str(annotation))
    return {"str": "text", "bool": "true or false"}.get(name, name)
