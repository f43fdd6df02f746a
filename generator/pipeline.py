"""The stages joined: catalog folder → validated, linted Catalog → pages → files. The CLI and the
Sphinx extension both call this, so a bare sphinx-build and `eventcat build` agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from . import history as git_history
from .code.status import status_page
from .config import Project
from .diagnostics import CatalogError, Diagnostic
from .incremental import page_keys, read_inputs
from .link import Catalog, link, page_slug
from .lint import lint
from .load import collector_paused, load_catalog
from .logs.coverage import coverage_page
from .render import DEFAULT_TEMPLATES, render
from .sync import SyncReport, interrupted, read_manifest_data, sync
from .validate import validate


@dataclass(frozen=True)
class CheckResult:
    catalog: Catalog
    problems: list[Diagnostic]  # errors and warnings, in file order

    def failed(self, strict: bool = False) -> bool:
        """Errors always fail; with `strict`, warnings do too."""
        return any(p.severity == "error" or strict for p in self.problems)


def check(catalog_dir: Path) -> CheckResult:
    """Every problem in the catalog, from every stage: a file that fails one stage is left out of
    the next, and references to it are not reported again."""
    with collector_paused():
        return _check(Path(catalog_dir))


def _check(catalog_dir: Path) -> CheckResult:
    documents, unreadable, problems = load_catalog(catalog_dir)
    definitions, invalid, found = validate(documents)
    problems += found
    unavailable = {page_slug(u.path.stem) for u in unreadable}
    for document in invalid:
        data = document.data if isinstance(document.data, dict) else {}
        for key in ("name", "id"):
            if isinstance(data.get(key), str):
                unavailable.add(data[key])
        unavailable.update(a for a in data.get("aliases") or [] if isinstance(a, str))
    catalog, found = link(definitions, frozenset(unavailable))
    problems += found
    problems += lint(catalog, documents)
    return CheckResult(catalog, sorted(problems))


def build_catalog(catalog_dir: Path, strict: bool = False) -> tuple[Catalog, list[Diagnostic]]:
    """The catalog and its warnings; raises CatalogError when it may not be built."""
    result = check(catalog_dir)
    if result.failed(strict):
        raise CatalogError(result.problems)
    return result.catalog, result.problems


@dataclass(frozen=True)
class Generated:
    events: int
    tools: int
    teams: int
    report: SyncReport
    warnings: list[Diagnostic]
    catalog: Catalog | None  # None when nothing had changed and nothing was rebuilt


def generate(catalog_dir: Path, out_dir: Path, templates_dir: Path = DEFAULT_TEMPLATES,
             home_prefix: str = "catalog/", strict: bool = False, downloads: bool = True,
             coverage: Sequence[Path] = (), history: int = git_history.DEFAULT_WINDOW,
             code_report: Path | None = None) -> Generated:
    """Nothing is written unless the whole catalog is valid and every page rendered.

    Two shortcuts keep repeated runs fast, both checked against digests of the files' contents
    kept in the manifest: when nothing the pages are made from has changed and every page is
    still there, nothing is parsed or rendered at all (the warnings of that run are reported
    again); otherwise the whole catalog is checked, but an event page whose own inputs did not
    change is not rendered again. `downloads=False` leaves out the download files (the live
    preview does, to keep each save fast: they cost seconds on a large catalog)."""
    out_dir = Path(out_dir)
    coverage = [Path(p) for p in coverage]
    code_report = Path(code_report) if code_report else None
    everything, shared, per_file = read_inputs(catalog_dir, templates_dir, home_prefix,
                                               f"downloads={downloads}", coverage, history, code_report)
    last = read_manifest_data(out_dir)
    files = last.get("files", [])
    present = {f for f in files if (out_dir / f).is_file()}
    if last.get("inputs") == everything and files and len(present) == len(files) \
            and not interrupted(out_dir):  # a run that stopped part-way is finished properly
        warnings = [Diagnostic(**w) for w in last.get("warnings", [])]
        if strict and warnings:
            raise CatalogError(warnings)
        counts = last.get("counts", {})
        return Generated(counts.get("events", 0), counts.get("tools", 0), counts.get("teams", 0),
                         SyncReport(unchanged=len(files)), warnings, None)
    catalog, warnings = build_catalog(catalog_dir, strict)
    changes = git_history.collect(catalog_dir, catalog, history)
    implementation, code = status_page(catalog, code_report)
    code_sites = code if code_report else None
    keys = page_keys(catalog, shared, per_file, changes, code_sites)
    old_keys = last.get("keys", {})
    reuse = frozenset(p for p, k in keys.items() if old_keys.get(p) == k and p in present)
    pages = render(catalog, templates_dir, home_prefix=home_prefix, reuse=reuse, downloads=downloads,
                   coverage=coverage_page(catalog, coverage), history=changes,
                   implementation=implementation, code=code_sites)
    counts = {"events": len(catalog.events), "tools": len(catalog.tools), "teams": len(catalog.teams)}
    record = {"inputs": everything, "counts": counts, "warnings": [asdict(w) for w in warnings],
              "keys": keys}
    report = sync(pages, out_dir, record)
    return Generated(**counts, report=report, warnings=warnings, catalog=catalog)


def generate_project(project: Project, strict: bool = False, downloads: bool = True) -> Generated:
    """The pages of a project, as its settings say: `eventcat generate`, `eventcat build` and the
    Sphinx extension all come through here, so they write the same pages."""
    return generate(project.catalog, project.generated, project.templates or DEFAULT_TEMPLATES,
                    home_prefix=project.settings.generated.strip("/") + "/", strict=strict,
                    downloads=downloads, coverage=project.coverage,
                    history=project.settings.history, code_report=project.code_report)
