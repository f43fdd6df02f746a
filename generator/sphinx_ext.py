"""A thin Sphinx extension: runs the same pipeline as the CLI when the builder starts, so a bare
`sphinx-build -c . docs _build/html` regenerates the catalog pages too, and adds the site's CSS/JS.

eventcat's settings come from the project (eventcat.toml or [tool.eventcat], see config.py),
found by walking up from conf.py's folder. A project needs no conf.py: this extension gives
every Sphinx setting the site needs a default (DEFAULTS below), and a conf.py, when there is
one, overrides any of them (theme, options, extensions, favicon, ...).

Values the `eventcat` command sets on the command line (not for conf.py):
    eventcat_project    the project root the command found
    eventcat_settings   the project's settings with the command's options applied (JSON)
    eventcat_generate   False when the pages are already generated (the CLI does it first)
    eventcat_downloads  False to leave out the download files (`eventcat serve` does)
"""

from __future__ import annotations

import contextlib
from collections.abc import Set
from pathlib import Path
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.util import logging

from . import __version__, sphinx_domain, sphinx_search, sphinx_theme
from .config import Project, Settings, load_project
from .diagnostics import CatalogError, os_problem
from .load import CONFIG_FILE, load_file
from .pipeline import generate_project
from .render import HOME_INCLUDE
from .sync import MANIFEST

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Overrides of pydata-sphinx-theme's HTML templates (layout.html: no search index off the search page)
THEME_TEMPLATES_DIR = Path(__file__).resolve().parent / "theme_templates"
# Site search lists the result named exactly what the reader typed first (see the file)
SEARCH_SCORER = Path(__file__).resolve().parent / "search_scorer.js"
logger = logging.getLogger(__name__)


# The Sphinx settings of an eventcat site; a project's conf.py overrides any of them.
DEFAULTS: dict[str, Any] = {
    "myst_enable_extensions": ["colon_fence", "deflist"],
    "myst_heading_anchors": 3,
    "html_theme": "pydata_sphinx_theme",
    "html_theme_options": {
        # Collapsed, shallow navigation: rendering the whole site tree into every page is what
        # makes big Sphinx sites slow. Event pages stay out of the toctree (index and search).
        "collapse_navigation": True,
        "navigation_depth": 2,
        "show_nav_level": 1,
        "header_links_before_dropdown": 5,
        "navbar_align": "left",
        "secondary_sidebar_items": ["page-toc"],
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
        "show_prev_next": False,
    },
    "html_copy_source": False,
    "html_show_sourcelink": False,
    "html_last_updated_fmt": None,
    "html_search_scorer": str(SEARCH_SCORER),
    "copyright": "the catalog's authors",
    # pydata-sphinx-theme sets this itself when it is missing; setting it keeps Sphinx from
    # reporting a changed configuration on every incremental build.
    "html_permalinks_icon": "#",
    # Follow the reader's system light/dark setting (left empty, the theme logs a console error).
    "html_context": {"default_mode": "auto"},
}
THEME_BOUND = {"html_theme_options", "html_context"}
# conf.py values of earlier versions, now project settings: say where they went.
MOVED = {"eventcat_catalog": "catalog", "eventcat_output": "generated",
         "eventcat_templates": "templates", "eventcat_coverage": "coverage",
         "eventcat_history": "history"}


def project_of(app: Sphinx) -> Project:
    """The project as the eventcat command saw it, or else the one around the source folder.
    Either way the pages are generated into the folder Sphinx reads."""
    config = app.config
    if config.eventcat_project:
        root = Path(config.eventcat_project)
        settings = (Settings.model_validate_json(config.eventcat_settings)
                    if config.eventcat_settings else Settings())
        project = Project(root, settings)
    else:
        try:
            project = load_project(Path(app.srcdir))
        except CatalogError as error:
            for problem in error.diagnostics:
                logger.error(str(problem))
            raise ConfigError("the eventcat settings are invalid (see above)") from None
    return project.with_overrides(docs=str(Path(app.srcdir).resolve()))


def _user_set(config: Config, name: str) -> bool:
    # Sphinx keeps what conf.py set apart from its defaults in _raw_config (stable since 1.x);
    # the command line's -D values are the overrides.
    return name in config._raw_config or name in config.overrides


def _config_inited(app: Sphinx, config: Config) -> None:
    for old, setting in MOVED.items():
        if old in config._raw_config:
            raise ConfigError(f"conf.py: {old} is no longer read; set `{setting}` under "
                              "[tool.eventcat] in pyproject.toml or in eventcat.toml instead")
    own_theme = _user_set(config, "html_theme")
    for name, value in DEFAULTS.items():
        # the theme's options belong to our theme: a project with its own theme gets none
        if not _user_set(config, name) and not (own_theme and name in THEME_BOUND):
            setattr(config, name, value)
    project = project_of(app)
    # New lists, not appended to: a setting conf.py leaves alone is Sphinx's default list, one
    # object shared by every build in the process (a second build found the first one's paths)
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    if not own_theme:
        config.templates_path = [*config.templates_path, str(THEME_TEMPLATES_DIR)]
        app.connect("build-finished", _cut_theme_stylesheet)
    output = project.settings.generated.strip("/")
    config.exclude_patterns = [*config.exclude_patterns, f"{output}/{HOME_INCLUDE}", f"{output}/{MANIFEST}"]
    if not _user_set(config, "html_sidebars"):
        # Every generated page: content and page contents only. Event pages and the top-level
        # pages have no section to navigate; tool and team pages are listings whose tables had
        # about 690 px at 1366 px beside the site navigation. Readers move between them through
        # the header (Tools, Teams), the breadcrumbs and the index pages.
        config.html_sidebars = {f"{output}/events/*": [], f"{output}/*": [],
                                f"{output}/tools/*": [], f"{output}/teams/*": []}
    if config.project == "Project name not set":
        # The catalog names the site, so another organisation's catalog gets its own title.
        settings = project.catalog / CONFIG_FILE
        title = "Event catalog"
        if settings.is_file():
            with contextlib.suppress(CatalogError):  # reported properly when the catalog is generated
                title = load_file(settings, "config").data.get("title", title)
        title = title if isinstance(title, str) else str(title)
        config.project = title
        config.html_title = title
    # Sphinx's own templates escape the title; a theme need not (pydata-sphinx-theme prints it
    # raw into every page's navigation bar: a title with markup was a stored script on every
    # page). The template context gets them escaped once, as Markup: Sphinx's `|e` leaves Markup
    # as it is, so nothing shows escaped twice. (html_context is laid over Sphinx's own context.)
    escaped = {key: Markup.escape(value) for key, value in (
        ("project", config.project), ("docstitle", config.html_title),
        ("shorttitle", config.html_short_title)) if isinstance(value, str)}
    # a new dict: the default one is shared by every build in the process
    config.html_context = {**escaped, **config.html_context}


def _builder_inited(app: Sphinx) -> None:
    project = project_of(app)  # settings were checked when the configuration was read
    domain = sphinx_domain.catalog_domain(app.env)
    domain.data["generated"] = project.settings.generated.strip("/")
    if app.config.eventcat_generate:
        _generate(app, project)
    sphinx_domain.load_objects(app, project.settings.generated.strip("/"))


def _generate(app: Sphinx, project: Project) -> None:
    try:
        result = generate_project(project, downloads=app.config.eventcat_downloads)
        report, warnings = result.report, result.warnings
    except CatalogError as error:
        # Sphinx prints a crash report for any exception an extension raises, which would bury
        # the one line that matters. Log each problem as Sphinx logs its own, then stop.
        for problem in error.diagnostics:
            (logger.error if problem.severity == "error" else logger.warning)(str(problem))
        logger.error("the event catalog is invalid; nothing was generated (fix the problems above)")
        raise SystemExit(2) from None
    except OSError as error:  # one line, not a Sphinx crash report
        logger.error("eventcat: %s", os_problem(error))
        raise SystemExit(2) from None
    for warning in warnings:  # lint warnings: with -W they fail the build like any other
        logger.warning(str(warning), type="eventcat", subtype=warning.rule)
    logger.info("eventcat: %d pages written, %d unchanged, %d removed",
                len(report.written), report.unchanged, len(report.deleted))


def _cut_theme_stylesheet(app: Sphinx, exception: Exception | None) -> None:
    """The theme's stylesheet cut to the rules the built pages can use (sphinx_theme.py), which
    our layout links instead of the theme's 370 KiB; written once all pages are."""
    if exception is None and isinstance(app.builder, StandaloneHTMLBuilder):
        try:
            sphinx_theme.write_subset(Path(app.outdir))
        except OSError as error:
            logger.error("eventcat: %s", os_problem(error))


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                  doctree: nodes.Node | None) -> None:
    # The cut stylesheet is written after the pages, so its link cannot carry a digest of its own
    # text; eventcat's version at least makes an upgrade reach readers' cached copies.
    context["eventcat_version"] = __version__
    if isinstance(context.get("body"), str):
        context["body"] = sphinx_theme.breakable_titles(context["body"])


def _remove_stale_output(app: Sphinx, env: BuildEnvironment, added: Set[str], changed: Set[str],
                         removed: Set[str]) -> list[str]:
    """Sphinx never deletes the HTML of a page that is gone, so the page of a removed or renamed
    event would stay in the site, reachable and out of date. Those files are Sphinx's own output
    for pages it built before, so they can go."""
    if isinstance(app.builder, StandaloneHTMLBuilder):  # html, dirhtml, singlehtml
        for docname in removed:
            stale = Path(app.outdir) / app.builder.get_outfilename(docname)
            if stale.is_file():
                stale.unlink()
    return []


def _navigation_outdated(app: Sphinx, env: BuildEnvironment, added: Set[str], changed: Set[str],
                         removed: Set[str]) -> list[str]:
    """Sphinx writes only the pages it re-reads, so after a page is added or removed every other
    page that shows a navigation tree would keep its old one. Event pages show none (they are
    outside the tree), so re-reading the rest is enough. An event, tool or team page coming or
    going changes no navigation but a sidebar's (their lists are regenerated, so Sphinx re-reads
    those anyway): when no page shows one (_sidebar_may_list_pages), nothing more is re-read for
    it. Re-reading the lists of a big catalog was most of what adding an event cost.

    Sphinx's own sets of added and removed pages are used, so this holds whoever generated the
    pages: this extension (a bare sphinx-build, `eventcat serve`) or `eventcat build`."""
    if not added and not removed:
        return []
    generated = sphinx_domain.catalog_domain(env).data["generated"] + "/"
    listed = tuple(generated + kind for kind in ("events/", "tools/", "teams/"))
    if not _sidebar_may_list_pages(app.config) and all(
            doc.startswith(listed) and not doc.endswith("/index") for doc in added | removed):
        return []
    events = generated + "events/"
    return [doc for doc in env.found_docs
            if not doc.startswith(events) or doc == events + "index"]


def _sidebar_may_list_pages(config: Config) -> bool:
    """Whether some page may show a site-navigation sidebar listing generated pages. With the
    defaults (pydata-sphinx-theme, DEFAULTS, the html_sidebars of _config_inited) generated
    pages show no sidebar, and a hand-written page's sidebar shows only its own section,
    collapsed; the header shows the top-level pages, which a catalog change neither adds nor
    removes. A project's own theme, sidebars, or theme options without collapsed navigation may
    show the whole tree beside any page."""
    if _user_set(config, "html_theme") or _user_set(config, "html_sidebars"):
        return True
    return _user_set(config, "html_theme_options") and not (
        config.html_theme_options or {}).get("collapse_navigation")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_parser")
    app.add_config_value("eventcat_project", "", "env", types=[str])
    app.add_config_value("eventcat_settings", "", "env", types=[str])
    app.add_config_value("eventcat_generate", True, "", types=[bool])
    app.add_config_value("eventcat_downloads", True, "env", types=[bool])
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _builder_inited)
    app.connect("env-get-outdated", _navigation_outdated)
    app.connect("env-get-outdated", _remove_stale_output)
    app.connect("html-page-context", _page_context)
    sphinx_domain.setup(app)
    sphinx_search.setup(app)
    app.add_css_file("eventcat.css")
    app.add_js_file("eventcat.js", loading_method="defer")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
