"""A thin Sphinx extension: runs the same pipeline as the CLI when the builder starts, so a bare
`sphinx-build -c . docs _build/html` regenerates the catalog pages too, and adds the site's CSS/JS.

conf.py settings (all optional):
    eventcat_catalog    the catalog folder, relative to conf.py's folder (default "catalog")
    eventcat_output     the generated folder, relative to the source folder (default "catalog")
    eventcat_templates  a templates folder to use instead of the shipped one
    eventcat_generate   False when the pages are already generated (the CLI does it first)
    eventcat_downloads  False to leave out the download files (`eventcat serve` does)
    eventcat_coverage   the coverage page's source, relative to conf.py's folder: a report saved
                        by `eventcat logs check --save-report`, or log files (a path or a list)
    eventcat_history    how many releases or commits the What changed page and event histories
                        show (default 30; 0 switches history off)
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from . import __version__, sphinx_domain
from .diagnostics import CatalogError
from .history import DEFAULT_WINDOW
from .load import CONFIG_FILE, load_file
from .pipeline import generate
from .render import DEFAULT_TEMPLATES, HOME_INCLUDE
from .sync import MANIFEST

STATIC_DIR = Path(__file__).resolve().parent / "static"
logger = logging.getLogger(__name__)


def catalog_dir(confdir: Path, config: Config) -> Path:
    return (Path(confdir) / config.eventcat_catalog).resolve()


def coverage_sources(confdir: Path, value: str | list[str]) -> list[Path]:
    paths = [value] if isinstance(value, str) else list(value)
    return [(Path(confdir) / p).resolve() for p in paths if p]


def _config_inited(app: Sphinx, config: Config) -> None:
    config.html_static_path.append(str(STATIC_DIR))
    output = config.eventcat_output.strip("/")
    config.exclude_patterns.extend([f"{output}/{HOME_INCLUDE}", f"{output}/{MANIFEST}"])
    if config.project == "Project name not set":
        # The catalog names the site, so another organisation's catalog gets its own title.
        settings = catalog_dir(app.confdir, config) / CONFIG_FILE
        title = "Event catalog"
        if settings.is_file():
            try:
                title = load_file(settings, "config").data.get("title", title)
            except CatalogError:
                pass  # reported properly when the catalog is generated
        config.project = title
        config.html_title = title


def _builder_inited(app: Sphinx) -> None:
    if app.config.eventcat_generate:
        _generate(app)
    sphinx_domain.load_objects(app, app.config.eventcat_output.strip("/"))


def _generate(app: Sphinx) -> None:
    templates = app.config.eventcat_templates
    templates_dir = (Path(app.confdir) / templates).resolve() if templates else DEFAULT_TEMPLATES
    output = app.config.eventcat_output.strip("/")
    try:
        result = generate(catalog_dir(app.confdir, app.config), Path(app.srcdir) / output,
                          templates_dir, home_prefix=output + "/",
                          downloads=app.config.eventcat_downloads,
                          coverage=coverage_sources(app.confdir, app.config.eventcat_coverage),
                          history=app.config.eventcat_history)
        report, warnings = result.report, result.warnings
    except CatalogError as error:
        # Sphinx prints a crash report for any exception an extension raises, which would bury
        # the one line that matters. Log each problem as Sphinx logs its own, then stop.
        for problem in error.diagnostics:
            (logger.error if problem.severity == "error" else logger.warning)(str(problem))
        logger.error("the event catalog is invalid; nothing was generated (fix the problems above)")
        raise SystemExit(2) from None
    for warning in warnings:  # lint warnings: with -W they fail the build like any other
        logger.warning(str(warning), type="eventcat", subtype=warning.rule)
    app.eventcat_pages_came_or_went = bool(report.added or report.deleted)  # type: ignore[attr-defined]
    logger.info("eventcat: %d pages written, %d unchanged, %d removed",
                len(report.written), report.unchanged, len(report.deleted))


def _remove_stale_output(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Sphinx never deletes the HTML of a page that is gone, so the page of a removed or renamed
    event would stay in the site, reachable and out of date. Those files are Sphinx's own output
    for pages it built before, so they can go."""
    if app.builder.format == "html":
        for docname in removed:
            stale = Path(app.outdir) / app.builder.get_outfilename(docname)
            if stale.is_file():
                stale.unlink()
    return []


def _navigation_outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Sphinx writes only the pages it re-reads, so after a page is added or removed every other
    page would keep its old navigation. Event pages show no navigation tree (they are outside
    it), so re-reading the rest is enough, and cheap."""
    if not getattr(app, "eventcat_pages_came_or_went", False):
        return []
    events = app.config.eventcat_output.strip("/") + "/events/"
    return [doc for doc in env.found_docs
            if not doc.startswith(events) or doc == events + "index"]


def setup(app: Sphinx) -> dict:
    app.add_config_value("eventcat_catalog", "catalog", "env", types=[str])
    app.add_config_value("eventcat_output", "catalog", "env", types=[str])
    app.add_config_value("eventcat_templates", "", "env", types=[str])
    app.add_config_value("eventcat_generate", True, "", types=[bool])
    app.add_config_value("eventcat_downloads", True, "env", types=[bool])
    app.add_config_value("eventcat_coverage", "", "env", types=[str, list])
    app.add_config_value("eventcat_history", DEFAULT_WINDOW, "env", types=[int])
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _builder_inited)
    app.connect("env-get-outdated", _navigation_outdated)
    app.connect("env-get-outdated", _remove_stale_output)
    sphinx_domain.setup(app)
    app.add_css_file("eventcat.css")
    app.add_js_file("eventcat.js", loading_method="defer")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
