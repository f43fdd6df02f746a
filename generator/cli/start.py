"""eventcat init: start a catalog project for any organisation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..load import display_path
from .common import Commands


def add_parsers(commands: Commands) -> None:
    init = commands.add_parser(
        "init", help="start a catalog project: a catalog, a home page, settings, CI and editor "
                     "schemas that build strictly as they are",
        description="Start a catalog project in DIR (default: the current folder): catalog/ with "
                    "catalog.yaml and one example team, tool and event; docs/index.md; "
                    "eventcat.toml; schemas/ for editors; .gitignore; a GitHub workflow and a "
                    "pre-commit hook. `eventcat build --strict` passes right after.")
    init.set_defaults(run=_init)
    init.add_argument("dir", nargs="?", default=Path("."), type=Path, metavar="DIR",
                      help="the project folder; made if missing (default: the current folder)")
    init.add_argument("--title", default=None, help="the site's title (default: 'Event catalog')")
    init.add_argument("--org", default=None, help="the organisation the catalog belongs to")
    init.add_argument("--example", choices=["edx"], default=None,
                      help="start from a shipped example catalog instead: edx (Open edX)")
    init.add_argument("--install", default=None, metavar="SPEC",
                      help="what the project's CI and pre-commit hook install, as pip reads it "
                           "(default: this eventcat as it was installed: a git URL pinned to its "
                           "commit, or eventcat==VERSION from a package index)")
    init.add_argument("--force", action="store_true",
                      help="add the project's files to a folder that is not empty (files already "
                           "there are kept, never overwritten)")


def _init(args: argparse.Namespace) -> int:
    from ..starter import check_names, install_spec, project_files, write_project
    folder: Path = args.dir
    if folder.exists() and not folder.is_dir():
        print(f"eventcat init: {folder} is a file, not a folder; nothing was written",
              file=sys.stderr)
        return 2
    present = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    if present and not args.force:
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        print(f"eventcat init: {display_path(folder.resolve())} is not empty ({shown}); nothing "
              "was written (choose an empty or new folder, or pass --force to add the project's "
              "files beside what is there: existing files are kept)", file=sys.stderr)
        return 2
    title = args.title if args.title is not None else ("" if args.example else "Event catalog")
    problem = check_names(title, args.org or "")
    if problem:
        print(f"eventcat init: {problem}; nothing was written", file=sys.stderr)
        return 2
    install, reachable = (args.install, True) if args.install else install_spec()
    if not install.strip() or any(ch in install for ch in "\r\n\x00"):
        print("eventcat init: --install takes one pip requirement on one line; nothing was written",
              file=sys.stderr)
        return 2
    files = project_files(title, args.org or "", args.example, install=install)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        result = write_project(folder, files)
    except OSError as error:
        print(f"eventcat init: cannot write in {folder}: {error.strerror}", file=sys.stderr)
        return 2
    for path in result.kept:
        print(f"eventcat init: kept {display_path(path)} (already there)")
    where = display_path(folder.resolve())
    print(f"eventcat init: wrote {len(result.written)} files in {where}")
    go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {where} && "
    if not reachable:
        print(f"eventcat init: this eventcat was installed from a local file, which CI cannot "
              f"reach; .github/workflows/docs.yml and .pre-commit-config.yaml install "
              f"'{install}' (set EVENTCAT there, or run init with --install SPEC, e.g. a git URL)")
    print(f"Next: {go}eventcat build --strict, then eventcat serve to preview; "
          "eventcat new event NAME adds an event.")
    return 0
