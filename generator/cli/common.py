"""What the eventcat sub-commands share: common options, how problems are printed, and loading
a catalog that must be valid before a command can go on."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..config import Project, project_for
from ..diagnostics import CatalogError, Diagnostic, printable
from ..gates import Gate, Gated
from ..link import Catalog
from ..load import display_path

# Command-line options that override a project setting: option dest -> setting name. Their
# defaults are None, so that what is not given comes from the settings (eventcat.toml or
# [tool.eventcat]), and relative paths given here are relative to the current folder.
OVERRIDES = {"docs": "docs", "templates": "templates", "history": "history", "out": "build_dir",
             "jobs": "jobs", "coverage": "coverage", "code_report": "code_report"}

# What add_parsers() receives: the `eventcat` parser's sub-command collection.
Commands = argparse._SubParsersAction  # argparse names no public type for it


def catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", default=None, type=Path,
                        help="the catalog folder; its project's settings apply (default: the "
                             "`catalog` setting of the project around the current folder)")


def site_options(parser: argparse.ArgumentParser) -> None:
    catalog_option(parser)
    parser.add_argument("--docs", default=None, type=Path,
                        help="the Sphinx source folder with the hand-written pages (default: the "
                             "`docs` setting, docs)")
    parser.add_argument("--templates", default=None, type=Path,
                        help="a page templates folder (default: the `templates` setting, else the "
                             "shipped templates)")
    parser.add_argument("--history", default=None, type=int, metavar="N",
                        help="the What changed page and event histories show the last N releases "
                             "or commits that touched the catalog; 0 switches history off "
                             "(default: the `history` setting, 30)")


def open_project(args: argparse.Namespace) -> Project | None:
    """The project the command works on, with the options given on the command line applied;
    None once problems with the settings are printed. Sets args.catalog to the catalog folder."""
    try:
        project = project_for(args.catalog)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print(f"eventcat {args.command}: fix the settings first; nothing was done", file=sys.stderr)
        return None
    given = {}
    for dest, setting in OVERRIDES.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        if isinstance(value, Path):
            value = str(value.resolve())
        elif isinstance(value, list):
            value = tuple(str(Path(v).resolve()) for v in value)
        given[setting] = value
    project = project.with_overrides(**given)
    args.project = project
    args.catalog = Path(display_path(project.catalog))  # as messages show it
    return project


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


# --- finishing a report (logs check, code scan) -----------------------------------------------

class FinishedReport(Gated, Protocol):
    """What `finish_report` needs of a report: its JSON, and the counts its gates read."""

    def to_json(self) -> str: ...


def fail_on_option(parser: argparse.ArgumentParser, parse_gate: Callable[[str], Gate]) -> None:
    """`--fail-on KIND=N` (repeatable), read by the report's own `parse_gate`: a gate it cannot
    read is a usage error, said by argparse before any work starts."""
    def gate(text: str) -> Gate:
        try:
            return parse_gate(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    parser.add_argument("--fail-on", action="append", type=gate, default=[], metavar="KIND=N",
                        help="a CI threshold, e.g. undocumented=0 or coverage<80%% (repeatable)")


def refuse_to_save(command: str, path: Path | None, ours: Callable[[bytes], bool], force: bool) -> bool:
    """Whether `--save-report PATH` would replace a file eventcat did not write, or cannot be
    read to tell, the problem printed. Asked before the work starts, so that an hour of reading is
    not thrown away."""
    if path is None:
        return False
    # a folder in the way would be found only when writing, after the work: say it now
    code = errno.EISDIR if path.is_dir() else 0
    if not code and any(parent.exists() and not parent.is_dir() for parent in path.parents):
        code = errno.ENOTDIR
    if code:
        _cannot_write(command, path, OSError(code, os.strerror(code)))
        return True
    from ..sync import check_output
    try:
        check_output(path, ours, force)
    except CatalogError as error:
        print_problems(error.diagnostics)
        return True
    except OSError as error:
        _cannot_write(command, path, error)
        return True
    return False


def _cannot_write(command: str, path: Path, error: OSError) -> None:
    """One line, naming the report's path (not the temporary file the error may name) and what
    to do, as for any other operating-system error."""
    from ..diagnostics import os_problem
    advice = os_problem(OSError(error.errno, error.strerror)) if error.errno else printable(str(error))
    print(f"eventcat {command}: {printable(str(path))}: cannot write the report: {advice}", file=sys.stderr)


def finish_report(command: str, report: FinishedReport, args: argparse.Namespace,
                  ours: Callable[[bytes], bool], text: Callable[[], str], speed: str) -> int:
    """The end every report command shares: save the JSON report (`--save-report`, never over a
    file eventcat did not write unless `--force`), print the text summary or the JSON
    (`--format`), then apply the `--fail-on` gates. The exit code: 0 passed, 1 a gate failed,
    2 the report could not be saved (nothing printed then, so CI does not read a half result)."""
    from ..sync import write_output
    saved: Path | None = args.save_report
    if saved is not None:
        try:
            write_output(saved, report.to_json().encode("utf-8"), ours, args.force)
        except CatalogError as error:
            print_problems(error.diagnostics)
            return 2
        except OSError as error:
            _cannot_write(command, saved, error)
            return 2
    if args.format == "json":
        print(report.to_json(), end="")
    else:
        print(text(), end="")
        print(speed + (f"; report saved to {printable(str(saved))}" if saved is not None else ""))
    failures = [why for gate in args.fail_on if (why := gate.failed(report))]
    for why in failures:
        print(f"eventcat {command}: failed: {why}", file=sys.stderr)
    return 1 if failures else 0
