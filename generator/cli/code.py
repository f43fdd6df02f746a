"""eventcat code scan: the emit calls in source code against the catalog."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .common import catalog_option, fail_on_option, finish_report, refuse_to_save, usable_catalog

if TYPE_CHECKING:
    from ..code.report import Gate


def _parse_gate(text: str) -> Gate:
    from ..code.report import parse_gate  # the scanner's modules load only when `code` runs
    return parse_gate(text)


def _repo_url(text: str) -> str:
    from ..code.links import check_template
    try:
        return check_template(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_parsers(commands: argparse._SubParsersAction) -> None:
    from ..code.report import GATE_KINDS
    code = commands.add_parser("code", help="find the emit calls in source code and compare them "
                                            "with the catalog")
    code.set_defaults(run=_code)
    actions = code.add_subparsers(dest="action", required=True, metavar="ACTION")
    kinds = "\n".join(f"  {kind:<20} {text}" for kind, text in GATE_KINDS.items())
    scan = actions.add_parser(
        "scan", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="report emit calls, undocumented names, events with no call site",
        description="Read Python (ast) and JavaScript/JSX/TypeScript/TSX (tree-sitter) files, find "
                    "every call that emits an analytics event, work out its name (literals, "
                    "constants, wrappers, patterns for computed names) and compare with the catalog.",
        epilog="--fail-on KIND=N fails (exit 1) when KIND is found more than N times:\n"
               f"{kinds}\n"
               "--fail-on coverage<P% fails when fewer than P% of the catalog events expected in "
               "the scanned code have a call site.\n\nExit codes: 0 passed, 1 a --fail-on "
               "threshold was crossed, 2 bad usage (a missing path, an invalid catalog).")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                      help="source files or folders (folders are walked; hidden folders and "
                           "node_modules are left out)")
    catalog_option(scan)
    scan.add_argument("--base", type=Path, default=Path("."), metavar="DIR",
                      help="the repository's root: paths in the report, links and `where:` "
                           "checks are relative to it (default: the current folder)")
    scan.add_argument("--force", action="store_true",
                      help="let --save-report replace a file eventcat did not write")
    scan.add_argument("--format", choices=["text", "json"], default="text",
                      help="text summary (default) or the JSON report")
    scan.add_argument("--repo-url", type=_repo_url, default=None, metavar="TEMPLATE",
                      help="link template for call sites, e.g. "
                           "'https://github.com/org/repo/blob/main/{path}#L{line}' (saved in the report)")
    scan.add_argument("--save-report", type=Path, metavar="FILE",
                      help="also write the JSON report here (the site's implementation status "
                           "page reads it)")
    fail_on_option(scan, _parse_gate)


def _code(args: argparse.Namespace) -> int:
    import datetime
    import time

    from ..code.report import is_saved_report
    from ..code.scan import ScanError, scan
    from ..code.text import safe, to_text
    for path in args.paths:
        if not path.exists():
            print(f"eventcat code scan: {safe(str(path))}: no such file or folder", file=sys.stderr)
            return 2
    if not args.base.is_dir():
        print(f"eventcat code scan: {safe(str(args.base))}: not a folder (--base)", file=sys.stderr)
        return 2
    if not args.catalog.is_dir():
        print(f"{args.catalog}: error no-catalog: catalog folder not found (use --catalog DIR)",
              file=sys.stderr)
        return 2
    catalog = usable_catalog(args.catalog, "code scan")
    if refuse_to_save("code scan", args.save_report, is_saved_report, args.force):  # now, not after the tree was read
        return 2
    # the project's build and generated folders hold the theme's bundled JavaScript and our pages
    project = getattr(args, "project", None)
    exclude = frozenset(p.resolve() for p in (project.build_dir, project.generated)) if project else frozenset()
    made = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    started = time.perf_counter()
    try:
        report = scan(catalog, args.paths, args.base, str(args.catalog), made, args.repo_url or "",
                      exclude=exclude)
    except ScanError as error:
        print(f"eventcat code scan: {safe(str(error))}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    rate = report.files / elapsed if elapsed else 0
    return finish_report("code scan", report, args, is_saved_report, lambda: to_text(report),
                         f"scanned in {elapsed:.2f} s ({rate:,.0f} files/s)")
