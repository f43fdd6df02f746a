"""The `eventcat` command. The only module that prints."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .diagnostics import CatalogError
from .pipeline import generate
from .render import DEFAULT_TEMPLATES


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", default="catalog", type=Path,
                        help="the catalog folder (default: catalog)")
    parser.add_argument("--docs", default="docs", type=Path,
                        help="the Sphinx source folder with the hand-written guides (default: docs)")
    parser.add_argument("--templates", default=DEFAULT_TEMPLATES, type=Path,
                        help="the page templates folder (default: the shipped templates)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventcat",
        description="Turn a folder of YAML analytics-event definitions into a searchable "
                    "Sphinx research guide.")
    parser.add_argument("--version", action="version", version=f"eventcat {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser("generate", help="catalog → MyST pages (writes only what changed)")
    _common(gen)

    build = commands.add_parser("build", help="generate, then build the HTML site")
    _common(build)
    build.add_argument("--conf", default=".", type=Path,
                       help="the folder holding conf.py (default: .)")
    build.add_argument("--out", default=Path("_build"), type=Path,
                       help="the build folder; HTML goes to OUT/html (default: _build)")
    build.add_argument("--strict", action="store_true",
                       help="nitpicky; any warning or broken reference fails the build")
    build.add_argument("-j", "--jobs", default="1",
                       help="parallel Sphinx processes, a number or 'auto' (default: 1)")
    build.add_argument("--clean", action="store_true", help="ignore the previous build's state")
    return parser


def _generate(args: argparse.Namespace) -> bool:
    started = time.perf_counter()
    out_dir = args.docs / "catalog"
    try:
        catalog, report = generate(args.catalog, out_dir, args.templates)
    except CatalogError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        count = len(error.diagnostics)
        print(f"eventcat: {count} problem{'s' if count != 1 else ''} in {args.catalog}; "
              "nothing was written", file=sys.stderr)
        return False
    elapsed = time.perf_counter() - started
    print(f"eventcat: {len(catalog.events)} events, {len(catalog.tools)} tools, "
          f"{len(catalog.teams)} teams → {out_dir}: {len(report.written)} pages written, "
          f"{report.unchanged} unchanged, {len(report.deleted)} removed ({elapsed:.2f} s)")
    return True


def _build(args: argparse.Namespace) -> int:
    if not _generate(args):
        return 1
    from sphinx.cmd.build import build_main  # imported late: `generate` should start fast

    html = args.out / "html"
    argv = ["-b", "html", "-c", str(args.conf), "-d", str(args.out / "doctrees"),
            "-D", "eventcat_generate=0", "-D", f"eventcat_catalog={args.catalog.resolve()}",
            "-j", str(args.jobs), "-q"]
    if args.templates != DEFAULT_TEMPLATES:
        argv += ["-D", f"eventcat_templates={args.templates.resolve()}"]
    if args.strict:
        argv += ["-W", "-n", "--keep-going"]
    if args.clean:
        argv += ["-E"]
    started = time.perf_counter()
    status = build_main([*argv, str(args.docs), str(html)])
    if status == 0:
        print(f"eventcat: site built in {time.perf_counter() - started:.1f} s → {html / 'index.html'}")
    else:
        print("eventcat: the Sphinx build failed (see the messages above)", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if args.command == "generate":
        return 0 if _generate(args) else 1
    return _build(args)
