"""eventcat diff: what changed between two catalogs, folders or git revisions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import Commands


def add_parsers(commands: Commands) -> None:
    diff = commands.add_parser(
        "diff", help="what changed between two catalogs: folders or git revisions",
        description="List the events added, removed, renamed and changed between OLD and NEW, and "
                    "mark breaking changes. OLD and NEW are each a catalog folder (when a folder "
                    "of that name exists) or else a git revision (branch, tag, commit) of the "
                    "repository holding --catalog, read at the same path. NEW defaults to the "
                    "--catalog folder as it is now. Exit codes: 0 done, 1 breaking changes with "
                    "--fail-on-breaking, 2 a side could not be read.")
    diff.set_defaults(run=_diff)
    diff.add_argument("old", metavar="OLD", help="a catalog folder or a git revision")
    diff.add_argument("new", metavar="NEW", nargs="?", default=None,
                      help="a catalog folder or a git revision (default: the --catalog folder)")
    diff.add_argument("--catalog", default=None, type=Path,
                      help="the catalog folder, whose repository and path revisions are read at "
                           "(default: the project's catalog if it exists, else the folder among "
                           "OLD and NEW)")
    diff.add_argument("--format", choices=["markdown", "json"], default="markdown",
                      help="markdown (default) or json")
    diff.add_argument("--breaking-only", action="store_true", help="list breaking changes only")
    diff.add_argument("--fail-on-breaking", action="store_true",
                      help="exit with 1 when there is a breaking change (a pull request gate)")


def _diff(args: argparse.Namespace) -> int:
    from ..compare import compare
    from ..gitrepo import GitError
    from ..revision import UnreadableCatalog
    folders = [Path(s) for s in (args.new, args.old) if s is not None and Path(s).is_dir()]
    # the project's catalog when given or when it exists, else the folder among OLD and NEW
    catalog = args.catalog if args.catalog_given or args.catalog.is_dir() else next(
        iter(folders), args.catalog)
    if args.new is None and not (args.catalog_given or args.catalog.is_dir()):
        # NEW would fall back to OLD itself: a diff of a catalog with itself finds nothing
        print(f"{args.catalog}: error no-catalog: catalog folder not found, so there is no NEW to "
              f"compare {args.old} with (give NEW, --catalog DIR, or run inside the project)",
              file=sys.stderr)
        return 2
    new = args.new if args.new is not None else str(catalog)
    try:
        old_label, new_label, result = compare(args.old, new, catalog)
    except (GitError, UnreadableCatalog) as error:
        absent = [s for s in (args.old, args.new) if s is not None and not Path(s).is_dir()]
        if isinstance(error, GitError) and absent and "not inside a git repository" in str(error):
            # a mistyped folder is read as a revision; naming only the repository hides the typo
            print(f"eventcat diff: {absent[0]}: not a catalog folder, nor a revision: {error}", file=sys.stderr)
        else:
            print(f"eventcat diff: {error}", file=sys.stderr)
        return 2
    shown = result.only_breaking() if args.breaking_only else result
    if args.format == "json":
        print(json.dumps({"old": old_label, "new": new_label, **shown.to_json()}, indent=2,
                         ensure_ascii=False, default=str))
    else:
        from ..diff import to_markdown
        print(to_markdown(shown, old_label, new_label), end="")
    return 1 if args.fail_on_breaking and result.breaking else 0
