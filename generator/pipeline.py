"""The stages joined: catalog folder → validated, linted Catalog → pages → files. The CLI and the
Sphinx extension both call this, so a bare sphinx-build and `eventcat build` agree."""

from __future__ import annotations

import gc
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .diagnostics import CatalogError, Diagnostic, did_you_mean
from .link import Catalog, link, page_slug
from .lint import RULES, lint
from .load import display_path, load_catalog
from .render import DEFAULT_TEMPLATES, render
from .sync import SyncReport, sync
from .validate import validate

SEVERITIES = ("off", "warning", "error")


@dataclass(frozen=True)
class CheckResult:
    catalog: Catalog
    problems: list[Diagnostic]  # errors and warnings, in file order

    def failed(self, strict: bool = False) -> bool:
        """Errors always fail; with `strict`, warnings do too."""
        return any(p.severity == "error" or strict for p in self.problems)


def project_rules(catalog_dir: Path) -> tuple[dict[str, str], list[Diagnostic]]:
    """`[tool.eventcat.rules]` from the pyproject.toml beside the catalog folder, if any."""
    path = Path(catalog_dir).resolve().parent / "pyproject.toml"
    if not path.is_file():
        return {}, []
    shown = display_path(path)
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("eventcat", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return {}, [Diagnostic(shown, 0, 0, "bad-config", f"cannot read pyproject.toml: {error}")]
    rules, problems = {}, []
    for rule_id, severity in dict(settings.get("rules", {})).items():
        if rule_id not in RULES:
            problems.append(Diagnostic(shown, 0, 0, "unknown-rule",
                                       f"[tool.eventcat.rules]: unknown rule '{rule_id}'",
                                       did_you_mean(rule_id, RULES)))
        elif severity not in SEVERITIES:
            problems.append(Diagnostic(shown, 0, 0, "bad-config",
                                       f"[tool.eventcat.rules]: {rule_id} = {severity!r}",
                                       "use 'off', 'warning' or 'error'"))
        else:
            rules[rule_id] = severity
    return rules, problems


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
    overrides, found = project_rules(catalog_dir)
    problems += found
    problems += lint(catalog, documents, overrides)
    return CheckResult(catalog, sorted(problems))


def build_catalog(catalog_dir: Path, strict: bool = False) -> tuple[Catalog, list[Diagnostic]]:
    """The catalog and its warnings; raises CatalogError when it may not be built."""
    result = check(catalog_dir)
    if result.failed(strict):
        raise CatalogError(result.problems)
    return result.catalog, result.problems


def generate(catalog_dir: Path, out_dir: Path, templates_dir: Path = DEFAULT_TEMPLATES,
             home_prefix: str = "catalog/", strict: bool = False
             ) -> tuple[Catalog, SyncReport, list[Diagnostic]]:
    """Nothing is written unless the whole catalog is valid and every page rendered."""
    catalog, warnings = build_catalog(catalog_dir, strict)
    pages = render(catalog, templates_dir, home_prefix=home_prefix)
    return catalog, sync(pages, Path(out_dir)), warnings
