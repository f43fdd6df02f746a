"""Stage 4: Catalog → {relative path: MyST text}, through Jinja2 templates compiled once.

Templates live in `templates/`, one per page kind. The environment HTML-escapes every `{{ value }}`
by default and raises on undefined variables; named filters handle the places that need something
else (see markup.py): `myst` for headings, `markdown` for user Markdown, `code` for code fences and
`raw` around each block of HTML.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
from collections.abc import Callable, Iterable, MutableMapping
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from . import export, forkpool, model
from .apis import render_recipe
from .config import settings_reference, user_cache_dir
from .examples import Example, Identity, api_payload, examples, field_examples, identity
from .field_index import field_uses
from .format_reference import format_reference
from .history import History
from .link import Catalog, EventEntry
from .lint import RULES
from .markup import code_block, inline_markdown_html, markdown_html, myst, raw_html
from .objects import OBJECTS_FILE, objects_index
from .privacy import PrivacyMap, event_conflicts, privacy_map, processing_record_csv


def _packaged_templates() -> Path:
    """The templates travel inside the wheel as eventcat/templates; in the repository they are
    edited in templates/ beside the package's source folder (pyproject.toml maps one onto the
    other), which is where an editable install finds them."""
    here = Path(__file__).resolve().parent
    inside = here / "templates"
    return inside if inside.is_dir() else here.parent / "templates"


DEFAULT_TEMPLATES = _packaged_templates()
PAGE_SUFFIX = ".html"  # what Sphinx's HTML builder names a page; every link the templates make uses Page.href
HOME_INCLUDE = "_home.md"  # included by the hand-written home page, not a page of its own


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    folder = user_cache_dir() / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None  # a read-only home: compile each run, slower but right
    return jinja2.FileSystemBytecodeCache(str(folder))


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Compiling the templates takes longer than rendering a thousand events; Jinja's own
        # cache keeps the compiled code between runs, in the user's cache folder (not a folder
        # of /tmp shared by everyone on the machine).
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(myst=myst, markdown=markdown_html, inline=inline_markdown_html,
                       code=code_block, raw=raw_html, json=_json_text, pii_badge=pii_badge,
                       pii_allowed=pii_allowed, badge=badge, example=example_html)
    env.globals.update(model=model)
    return env


def _json_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


class Page:
    """Context helpers for one page: relative links from this page to any other generated page.
    Links are built for every row of every listing, so they are cached per folder."""

    def __init__(self, path: str, catalog: Catalog, cache: dict):
        self.path = path
        self.folder = posixpath.dirname(path)
        self.catalog = catalog
        self.cache = cache

    def href(self, target: str, fragment: str = "") -> str:
        """Relative URL of a generated page (given without suffix). Generated pages sit at most
        one folder deep, which keeps this simple: same folder, or up to the root and down."""
        target_folder, _, name = target.rpartition("/")
        if target_folder == self.folder:
            rel = name
        elif "/" in self.folder or "/" in target_folder:
            rel = posixpath.relpath(target, self.folder or ".")
        else:
            rel = ("../" if self.folder else "") + target
        return rel + PAGE_SUFFIX + (f"#{fragment}" if fragment else "")

    def _link(self, kind: str, key: str, build: Callable[[], Markup]) -> Markup:
        cache_key = (self.folder, kind, key)
        link = self.cache.get(cache_key)
        if link is None:
            link = self.cache[cache_key] = build()
        return link

    def event_link(self, name: str) -> Markup:
        def build() -> Markup:
            entry = self.catalog.event(name)
            return Markup('<a class="ec-event" href="{}"><code>{}</code></a>').format(
                self.href(entry.docname), entry.name)
        return self._link("event", name, build)

    def tool_link(self, tool_id: str) -> Markup:
        return self._link("tool", tool_id, lambda: Markup('<a href="{}">{}</a>').format(
            self.href("tools/" + tool_id), self.catalog.tools[tool_id].name))

    def team_link(self, team_id: str) -> Markup:
        return self._link("team", team_id, lambda: Markup('<a href="{}">{}</a>').format(
            self.href("teams/" + team_id), self.catalog.teams[team_id].name))


# Small HTML pieces used in every row of the big tables: plain functions, as Jinja macros cost
# several times more per call.
_PII_BADGES: dict[str | None, Markup] = {
    pii: Markup('<span class="ec-badge ec-pii" title="{}">{}</span>').format(text, pii)
    for pii, text in model.PII_TEXT.items()}
_PII_BADGES["none"] = Markup('<span class="ec-pii-none">none</span>')
_PII_BADGES[None] = Markup('<span class="ec-badge ec-pii-unset" title="not classified">not classified</span>')
_PII_ALLOWED: dict[bool | str, Markup] = {True: Markup("allowed"), False: Markup("<strong>not allowed</strong>"),
                "unknown": Markup("unknown")}


def pii_badge(pii: str | None) -> Markup:
    return _PII_BADGES[pii]


def pii_allowed(flag: bool | str) -> Markup:
    return _PII_ALLOWED[flag]


def badge(text: str, kind: str) -> Markup:
    return Markup(f'<span class="ec-badge ec-badge-{escape(kind)}">{escape(text)}</span>')


def example_html(value: Any) -> Markup:
    """An example value as code: text as it is, anything else as JSON."""
    if value is None:
        return Markup("")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return Markup("<code>" + str(escape(text)) + "</code>")


@dataclass(frozen=True)
class ImplementationView:
    """What an event page shows for one implementation: the call, its recipe, its record."""

    implementation: model.Implementation
    api: model.ApiDefinition
    recipe: Markup
    example: Example
    record: Markup | None  # the example record as a JSON code block


def implementation_views(entry: EventEntry, catalog: Catalog, who: Identity) -> list[ImplementationView]:
    views = []
    for ex in examples(entry, catalog, who):
        impl, api = ex.implementation, ex.api
        code = render_recipe(api, impl.name or entry.name, api_payload(entry, catalog, api, who))
        views.append(ImplementationView(impl, api, code_block(code, api.language), ex,
                                        code_block(ex.text, "json") if ex.record is not None else None))
    return views


CodeSites = dict[str, list[dict[str, Any]]]  # event name → its call sites (code/status.py)

PARALLEL_FROM = 800  # below this many events, starting worker processes costs more than it saves


def render(catalog: Catalog, templates_dir: Path = DEFAULT_TEMPLATES,
           home_prefix: str = "catalog/", reuse: frozenset[str] = frozenset(),
           downloads: bool = True, coverage: dict[str, Any] | None = None,
           history: History | None = None, implementation: dict[str, Any] | None = None,
           code: CodeSites | None = None) -> dict[str, str | bytes | None]:
    """Every generated page. `home_prefix` is where the generated folder stands as seen from the
    hand-written home page that includes `_home.md`. Event pages named in `reuse` are not
    rendered (their inputs did not change) and come back as None. The other event pages, most of
    the work, are rendered on every core when there are many. `history` feeds the "What changed"
    page and each event page's history section (without it, they say it is not available)."""
    templates_dir = Path(templates_dir).resolve()
    history = history or History("unavailable", 0, reason="no history was collected")
    pages: dict[str, str | bytes | None] = {}
    todo = [e for e in catalog.events if f"{e.docname}.md" not in reuse]
    pages.update({f"{e.docname}.md": None for e in catalog.events if f"{e.docname}.md" in reuse})
    workers = forkpool.available()
    if len(todo) >= PARALLEL_FROM and workers > 1:
        environment(templates_dir).get_template("event.md.j2")  # compiled once, before the fork
        for part in forkpool.fork_map(_render_event_slice, (catalog, templates_dir, todo, history, code),
                                      workers):
            pages.update(part)
    else:
        pages.update(_render_events(catalog, templates_dir, todo, history, code))
    # The downloads (seconds at 5,000 events) are made on another core while the lists render.
    with contextlib.ExitStack() as stack:
        files = None
        if downloads and len(catalog.events) >= PARALLEL_FROM and workers > 1:
            files = stack.enter_context(forkpool.fork_one(_downloads_of, catalog))
        pages.update(_render_listings(catalog, templates_dir, home_prefix, history, downloads, files))
    # the coverage page (see logs/coverage.py): always there, explaining itself without a report
    _renderer(catalog, templates_dir)(pages, "coverage.md", "coverage.md.j2",
                                      coverage=coverage or {"report": None})
    _renderer(catalog, templates_dir)(pages, "changes.md", "changes.md.j2", history=history)
    # the implementation status page (see code/status.py): like coverage, always there
    _renderer(catalog, templates_dir)(pages, "implementation.md", "implementation.md.j2",
                                      status=implementation or {"report": None})
    return dict(sorted(pages.items()))


def _downloads_of(catalog: Catalog) -> dict[str, tuple[str, str, str | bytes]]:
    return downloads(catalog, privacy_map(catalog))


def _render_event_slice(shared: tuple[Catalog, Path, list[EventEntry], History, CodeSites | None],
                        index: int, count: int) -> dict[str, str]:
    catalog, templates_dir, todo, history, code = shared
    return _render_events(catalog, templates_dir, todo[index::count], history, code)


Put = Callable[..., None]  # put(pages, path, template, **context): render one page into `pages`


def _renderer(catalog: Catalog, templates_dir: Path) -> Put:
    env = environment(templates_dir)
    links: dict[tuple[str, str, str], Markup] = {}

    def put(pages: MutableMapping[str, Any], path: str, template: str, **context: Any) -> None:
        pages[path] = env.get_template(template).render(
            catalog=catalog, page=Page(path[: -len(".md")], catalog, links), **context)
    return put


def _render_events(catalog: Catalog, templates_dir: Path, entries: Iterable[EventEntry],
                   history: History, code: CodeSites | None = None) -> dict[str, str]:
    """`code`: each event's call sites from a saved code report ("Emitted at"), None without one."""
    put, pages = _renderer(catalog, templates_dir), dict[str, str]()
    who = identity(catalog)
    for entry in entries:
        views = implementation_views(entry, catalog, who)
        put(pages, f"{entry.docname}.md", "event.md.j2", entry=entry, implementations=views,
            field_examples=field_examples(entry, [v.example for v in views], who), history=history,
            code=code, privacy_conflicts=event_conflicts(entry, catalog))
    return pages


def _render_listings(catalog: Catalog, templates_dir: Path, home_prefix: str, history: History,
                     with_downloads: bool = True,
                     files_future: Future[dict[str, tuple[str, str, str | bytes]]] | None = None
                     ) -> dict[str, str | bytes]:
    """The lists and pages made from the whole catalog; `files_future`, when given, is the
    downloads being made in another process."""
    put, pages = _renderer(catalog, templates_dir), dict[str, str | bytes]()
    pmap = privacy_map(catalog)
    put(pages, "events/index.md", "event_index.md.j2")
    for tool in catalog.tools.values():
        put(pages, f"tools/{tool.id}.md", "tool.md.j2", tool=tool, received=pmap.by_tool.get(tool.id, ()))
    put(pages, "tools/index.md", "tool_index.md.j2")
    for team in catalog.teams.values():
        put(pages, f"teams/{team.id}.md", "team.md.j2", team=team, owned=pmap.by_team.get(team.id, ()))
    put(pages, "teams/index.md", "team_index.md.j2")
    put(pages, "field-groups.md", "field_groups.md.j2", history=history)
    fields = field_uses(catalog)
    put(pages, "fields.md", "fields.md.j2", fields=fields)
    put(pages, "format.md", "format.md.j2", models=format_reference())
    put(pages, "rules.md", "rules.md.j2", rules=list(RULES.values()))
    put(pages, "settings.md", "settings.md.j2", settings=settings_reference())
    put(pages, HOME_INCLUDE, "home.md.j2", home_prefix=home_prefix, field_count=len(fields))
    put(pages, "privacy.md", "privacy.md.j2", pmap=pmap, with_downloads=with_downloads)
    files: dict[str, tuple[str, str, str | bytes]] = {}
    if with_downloads:
        files = files_future.result() if files_future is not None else downloads(catalog, pmap)
    pages.update((f"downloads/{name}", data) for name, (_, _, data) in files.items())
    put(pages, "downloads.md", "downloads.md.j2", with_downloads=with_downloads, files=[
        (name, title, text, len(data)) for name, (title, text, data) in files.items()])
    pages[OBJECTS_FILE] = objects_index(catalog)
    return pages


def downloads(catalog: Catalog, pmap: PrivacyMap) -> dict[str, tuple[str, str, str | bytes]]:
    """File name → (title, what it is, contents) of each file the site offers for download."""
    return {
        "catalog.json": ("Whole catalog (JSON)", "every event with its resolved fields, routes "
                         "and destinations, every tool, team and field group", export.catalog_json(catalog)),
        "events.csv": ("Events (CSV)", "one row per event", export.events_csv(catalog)),
        "fields.csv": ("Fields (CSV)", "one row per field of each event, inherited fields "
                       "included", export.fields_csv(catalog)),
        "event-schemas.zip": ("Payload JSON Schemas (zip)", "one draft-07 JSON Schema per event "
                              "payload, for validators such as Segment Protocols or RudderStack"
                              + (" (any field may be null: no value)" if catalog.config.nullable
                                 else " (null only where a field says nullable: true)"),
                              export.schemas_zip(catalog)),
        **({"segment-whitelist.yaml": ("Segment whitelist (YAML)", "the "
                                       "EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST setting for edx-platform",
                                       export.segment_whitelist_yaml(catalog))}
           if catalog.routes_through_whitelist else {}),
        "record-of-processing.csv": ("Record of processing (CSV)", "one row per tool and category "
                                     "of personal data it receives", processing_record_csv(catalog, pmap)),
    }
