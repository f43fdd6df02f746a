"""What the eventcat sub-commands share: common options, how problems are printed, and loading
a catalog that must be valid before a command can go on."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diagnostics import CatalogError, Diagnostic
from ..history import DEFAULT_WINDOW
from ..link import Catalog
from ..render import DEFAULT_TEMPLATES


def catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", default="catalog", type=Path,
                        help="the catalog folder (default: catalog)")


def site_options(parser: argparse.ArgumentParser) -> None:
    catalog_option(parser)
    parser.add_argument("--docs", default="docs", type=Path,
                        help="the Sphinx source folder with the hand-written guides (default: docs)")
    parser.add_argument("--templates", default=DEFAULT_TEMPLATES, type=Path,
                        help="the page templates folder (default: the shipped templates)")
    parser.add_argument("--history", default=DEFAULT_WINDOW, type=int, metavar="N",
                        help="the What changed page and event histories show the last N releases "
                             f"or commits that touched the catalog; 0 switches history off "
                             f"(default: {DEFAULT_WINDOW})")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def print_problems(problems: list[Diagnostic]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def summary(problems: list[Diagnostic]) -> str:
    errors = sum(p.severity == "error" for p in problems)
    return f"{plural(errors, 'error')}, {plural(len(problems) - errors, 'warning')}"


def load_catalog(catalog_dir: Path, command: str) -> Catalog | None:
    """The catalog, its warnings printed; or None once its problems are printed, for commands that
    need a valid catalog to do anything (export, logs)."""
    from ..pipeline import build_catalog
    try:
        catalog, warnings = build_catalog(catalog_dir)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print(f"eventcat {command}: {summary(error.diagnostics)} in {catalog_dir}; fix them first "
              "(eventcat check); nothing was written", file=sys.stderr)
        return None
    print_problems(warnings)
    return catalog


def usable_catalog(catalog_dir: Path, command: str) -> Catalog:
    """Every definition that is valid, for commands that only read the catalog (logs): drafts
    with TODOs left in must not stop a check of the logs. What was left out is said once."""
    from ..pipeline import check
    result = check(catalog_dir)
    # files with errors whose definitions did not make it into the catalog (a TODO owner does
    # keep an event out; a TODO summary does not)
    kept = {d.source.path for d in result.catalog.definitions.values()}
    broken = sorted({p.path for p in result.problems if p.severity == "error"} - kept)
    if broken:
        print(f"eventcat {command}: {plural(len(broken), 'file')} of {catalog_dir} "
              f"{'has' if len(broken) == 1 else 'have'} errors and {'is' if len(broken) == 1 else 'are'} "
              "left out (see eventcat check); the events in them count as undocumented",
              file=sys.stderr)
    return result.catalog
