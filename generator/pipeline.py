"""The stages joined: catalog folder → validated, linted Catalog → pages → files. The CLI and the
Sphinx extension both call this, so a bare sphinx-build and `eventcat build` agree."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from . import __version__
from . import history as git_history
from .config import Project
from .diagnostics import CatalogError, Diagnostic
from .link import Catalog, link, page_slug
from .lint import lint
from .load import discover, load_catalog
from .logs.coverage import coverage_page
from .render import DEFAULT_TEMPLATES, event_page_inputs, render
from .sync import SyncReport, read_manifest_data, sync
from .validate import validate


@dataclass(frozen=True)
class CheckResult:
    catalog: Catalog
    problems: list[Diagnostic]  # errors and warnings, in file order

    def failed(self, strict: bool = False) -> bool:
        """Errors always fail; with `strict`, warnings do too."""
        return any(p.severity == "error" or strict for p in self.problems)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The parsed nodes stay alive for error positions: hundreds of thousands of objects without
    cycles, which the cyclic garbage collector would rescan again and again as more pile up
    (most of the time of a 5,000-event check). Reference counting still frees what it can."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # and keep later collections from scanning them
        if collecting:
            gc.enable()


def check(catalog_dir: Path) -> CheckResult:
    """Every problem in the catalog, from every stage: a file that fails one stage is left out of
    the next, and references to it are not reported again."""
    with _collector_paused():
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


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def read_inputs(catalog_dir: Path, templates_dir: Path, home_prefix: str, settings: str = "",
                coverage: Sequence[Path] = (), history: int = git_history.DEFAULT_WINDOW
                ) -> tuple[str, str, dict[str, str]]:
    """Digests of what the pages are made from: of everything; of what every page shares (the
    templates, the generator's own code, the settings); and of each catalog file, by its path
    relative to the catalog. Reading a few thousand small files costs a fraction of parsing them.
    The git state the history pages show (HEAD, tags) is part of everything, not of what every
    page shares: each event page's key holds its own history instead (see generate)."""
    catalog_dir = Path(catalog_dir)
    files = {p.relative_to(catalog_dir).as_posix(): p for p, _ in discover(catalog_dir)}
    per_file = {name: _digest(path.read_bytes()) for name, path in files.items()}
    shared = [__version__.encode(), home_prefix.encode(), git_history.setting_text(history).encode()]
    for path in [*sorted(Path(templates_dir).glob("*.j2")), *sorted(Path(__file__).parent.glob("*.py")),
                 *sorted(Path(__file__).parent.glob("logs/*.py"))]:
        shared += [path.name.encode(), path.read_bytes()]
    shared_digest = _digest(*shared)
    # what only the listings depend on (the coverage report, whether downloads are made) is part
    # of everything but not of what event pages share: a new log report re-renders no event page
    listings_only = [settings.encode(), *coverage_digests(coverage)]
    everything = _digest(shared_digest.encode(), git_history.state(catalog_dir, history).encode(),
                         *listings_only,
                         *(f"{n}\0{d}".encode() for n, d in sorted(per_file.items())))
    return everything, shared_digest, per_file


def coverage_digests(paths: Sequence[Path]) -> list[bytes]:
    """Name and content digest of each coverage source (a missing one is reported when read)."""
    parts = []
    for path in paths:
        digest = hashlib.sha256()
        if Path(path).is_file():
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        parts.append(f"{path}\0{digest.hexdigest()}".encode())
    return parts


def page_keys(catalog: Catalog, shared: str, per_file: dict[str, str]) -> dict[str, str]:
    """For each event page, a digest of its inputs (see render.event_page_inputs)."""
    def file_of(key: str) -> str:
        return catalog.definitions[key].source.catalog_path
    return {f"{e.docname}.md": _digest(shared.encode(), *(
                f"{key}\0{per_file.get(file_of(key), '')}".encode()
                for key in event_page_inputs(e, catalog)))
            for e in catalog.events}


def generate(catalog_dir: Path, out_dir: Path, templates_dir: Path = DEFAULT_TEMPLATES,
             home_prefix: str = "catalog/", strict: bool = False, downloads: bool = True,
             coverage: Sequence[Path] = (), history: int = git_history.DEFAULT_WINDOW) -> Generated:
    """Nothing is written unless the whole catalog is valid and every page rendered.

    Two shortcuts keep repeated runs fast, both checked against digests of the files' contents
    kept in the manifest: when nothing the pages are made from has changed and every page is
    still there, nothing is parsed or rendered at all (the warnings of that run are reported
    again); otherwise the whole catalog is checked, but an event page whose own inputs did not
    change is not rendered again. `downloads=False` leaves out the download files (the live
    preview does, to keep each save fast: they cost seconds on a large catalog)."""
    out_dir = Path(out_dir)
    coverage = [Path(p) for p in coverage]
    everything, shared, per_file = read_inputs(catalog_dir, templates_dir, home_prefix,
                                               f"downloads={downloads}", coverage, history)
    last = read_manifest_data(out_dir)
    files = last.get("files", [])
    present = {f for f in files if (out_dir / f).is_file()}
    if last.get("inputs") == everything and files and len(present) == len(files):
        warnings = [Diagnostic(**w) for w in last.get("warnings", [])]
        if strict and warnings:
            raise CatalogError(warnings)
        counts = last.get("counts", {})
        return Generated(counts.get("events", 0), counts.get("tools", 0), counts.get("teams", 0),
                         SyncReport(unchanged=len(files)), warnings, None)
    catalog, warnings = build_catalog(catalog_dir, strict)
    changes = git_history.collect(catalog_dir, catalog, history)
    keys = page_keys(catalog, shared, per_file)
    keys = {f"{e.docname}.md": _digest(keys[f"{e.docname}.md"].encode(),  # and its own history
                                       changes.page_key(e.name).encode()) for e in catalog.events}
    old_keys = last.get("keys", {})
    reuse = frozenset(p for p, k in keys.items() if old_keys.get(p) == k and p in present)
    pages = render(catalog, templates_dir, home_prefix=home_prefix, reuse=reuse, downloads=downloads,
                   coverage=coverage_page(catalog, coverage), history=changes)
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
                    history=project.settings.history)
