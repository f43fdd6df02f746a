"""The commands that check the catalog and make the site: check, new, generate, build, serve and
schema."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..diagnostics import CatalogError, Diagnostic
from ..pipeline import check, generate
from ..render import DEFAULT_TEMPLATES
from .common import catalog_option, plural, print_problems, site_options, summary


def add_parsers(commands) -> None:
    """check, new, generate, build, serve and schema."""

    chk = commands.add_parser("check", help="validate the whole catalog and list every problem")
    chk.set_defaults(run=_check)
    catalog_option(chk)
    chk.add_argument("--format", choices=["text", "json", "github"], default="text",
                     help="text (default), json, or github (workflow annotations)")
    chk.add_argument("--strict", action="store_true", help="warnings fail too")

    new = commands.add_parser("new", help="scaffold a new event, tool or team definition")
    new.set_defaults(run=_new)
    kinds = new.add_subparsers(dest="what", required=True, metavar="KIND")
    new_event = kinds.add_parser("event", help="a new event: eventcat new event NAME")
    new_event.add_argument("name")
    new_event.add_argument("--owner", help="the owning team's id")
    new_event.add_argument("--side", choices=["server", "browser", "mobile", "task"], default="server")
    new_event.add_argument("--kind", choices=["research", "internal"],
                           help="default: internal when the name has the internal prefix")
    new_event.add_argument("--legacy", action="store_true",
                           help="the name is already on the wire and cannot follow the naming style")
    for kind in ("tool", "team"):
        sub = kinds.add_parser(kind, help=f"a new {kind}: eventcat new {kind} ID")
        sub.add_argument("id")
    for sub in kinds.choices.values():
        catalog_option(sub)

    gen = commands.add_parser("generate", help="catalog → MyST pages (writes only what changed)")
    gen.set_defaults(run=lambda args: 0 if _generate(args) else 1)
    site_options(gen)
    _coverage_option(gen)

    build = commands.add_parser("build", help="generate, then build the HTML site")
    build.set_defaults(run=_build)
    site_options(build)
    build.add_argument("--conf", default=".", type=Path,
                       help="the folder holding conf.py (default: .)")
    build.add_argument("--out", default=Path("_build"), type=Path,
                       help="the build folder; HTML goes to OUT/html (default: _build)")
    build.add_argument("--strict", action="store_true",
                       help="any warning, lint warning or broken reference fails the build")
    build.add_argument("-j", "--jobs", default="1",
                       help="parallel Sphinx processes, a number or 'auto' (default: 1)")
    build.add_argument("--clean", action="store_true",
                       help="start from nothing: delete OUT/html and OUT/doctrees first")
    _coverage_option(build)

    serve = commands.add_parser("serve", help="preview the site, rebuilt and reloaded as you save")
    serve.set_defaults(run=_serve)
    site_options(serve)
    serve.add_argument("--conf", default=".", type=Path, help="the folder holding conf.py (default: .)")
    serve.add_argument("--out", default=Path("_build"), type=Path,
                       help="the build folder (default: _build)")
    serve.add_argument("--port", default=8000, type=int, help="the port on 127.0.0.1 (default: 8000)")

    schema = commands.add_parser("schema", help="write the editor JSON Schemas")
    schema.set_defaults(run=_schema)
    schema.add_argument("--out", default=None, type=Path,
                        help="the folder to write to (default: the repository's schemas/)")


def _coverage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coverage", action="append", type=Path, metavar="PATH",
                        help="the coverage page's source: a report saved by `eventcat logs check "
                             "--save-report`, or log files (repeat for several); default: "
                             "eventcat_coverage in conf.py")


def _coverage_sources(args: argparse.Namespace) -> list[Path]:
    """--coverage, else conf.py's eventcat_coverage (build only: generate has no conf.py)."""
    if args.coverage:
        return [p.resolve() for p in args.coverage]
    conf = getattr(args, "conf", None)
    if conf is None or not (conf / "conf.py").is_file():
        return []
    import runpy
    from ..sphinx_ext import coverage_sources
    value = runpy.run_path(str(conf / "conf.py")).get("eventcat_coverage", "")
    return coverage_sources(conf, value)


def _github(problem: Diagnostic) -> str:
    """A GitHub Actions workflow command: the problem shows on the file in the pull request."""
    def escape(text: str, more: str = "") -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        for char in more:
            text = text.replace(char, {":": "%3A", ",": "%2C"}[char])
        return text
    place = f"file={escape(problem.path, ':,')}"
    if problem.line:
        place += f",line={problem.line},col={problem.column}"
    hint = f" ({problem.hint})" if problem.hint else ""
    return f"::{problem.severity} {place},title={escape(problem.rule, ':,')}::{escape(problem.message + hint)}"


def _check(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        result = check(args.catalog)
    except CatalogError as error:
        result = None
        problems = error.diagnostics
    else:
        problems = result.problems
    failed = result is None or result.failed(args.strict)
    if args.format == "json":
        print(json.dumps({"ok": not failed, "problems": [
            {"path": p.path, "line": p.line, "column": p.column, "severity": p.severity,
             "rule": p.rule, "message": p.message, "hint": p.hint} for p in problems]}, indent=2))
    elif args.format == "github":
        for problem in problems:
            print(_github(problem))
    else:
        print_problems(problems)
        counts = ""
        if result is not None:
            c = result.catalog
            counts = (f"{plural(len(c.events), 'event')}, {plural(len(c.tools), 'tool')}, "
                      f"{plural(len(c.teams), 'team')}; ")
        print(f"eventcat check: {counts}{summary(problems)} "
              f"({time.perf_counter() - started:.2f} s)", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


def _new(args: argparse.Namespace) -> int:
    from .. import scaffold
    try:
        if args.what == "event":
            path = scaffold.new_event(args.catalog, args.name, args.owner, args.side, args.kind,
                                      args.legacy)
        elif args.what == "tool":
            path = scaffold.new_tool(args.catalog, args.id)
        else:
            path = scaffold.new_team(args.catalog, args.id)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print("eventcat new: nothing was written", file=sys.stderr)
        return 1
    print(f"eventcat new: wrote {path}\nFill in every TODO, then run `eventcat check`.")
    return 0


def _generate(args: argparse.Namespace, strict: bool = False) -> bool:
    started = time.perf_counter()
    out_dir = args.docs / "catalog"
    try:
        result = generate(args.catalog, out_dir, args.templates, strict=strict,
                          coverage=_coverage_sources(args), history=args.history)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print(f"eventcat: {summary(error.diagnostics)} in {args.catalog}; nothing was written",
              file=sys.stderr)
        return False
    print_problems(result.warnings)
    elapsed = time.perf_counter() - started
    report = result.report
    print(f"eventcat: {result.events} events, {result.tools} tools, {result.teams} teams → "
          f"{out_dir}: {plural(len(report.written), 'page')} written, {report.unchanged} unchanged, "
          f"{len(report.deleted)} removed ({elapsed:.2f} s)")
    return True


def _build(args: argparse.Namespace) -> int:
    if not _generate(args, strict=args.strict):
        return 1
    if args.clean:
        import shutil
        for folder in (args.out / "html", args.out / "doctrees"):  # Sphinx's output, nothing else
            if folder.is_dir():
                shutil.rmtree(folder)
    from sphinx.cmd.build import build_main  # imported late: other commands should start fast

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


def _serve(args: argparse.Namespace) -> int:
    """sphinx-autobuild on 127.0.0.1, watching the catalog, the templates and the guides. The
    extension regenerates the catalog pages before each Sphinx run; the generated folder is
    ignored by the watcher, or every build would trigger the next."""
    from sphinx_autobuild.__main__ import main as autobuild

    if not args.catalog.is_dir():
        print(f"{args.catalog}: error no-catalog: catalog folder not found", file=sys.stderr)
        return 1
    result = check(args.catalog)
    print_problems(result.problems)  # the first build will show them too; say it up front
    argv = [str(args.docs), str(args.out / "html"), "-c", str(args.conf),
            "-d", str(args.out / "doctrees"), "-D", f"eventcat_catalog={args.catalog.resolve()}",
            "-D", "eventcat_downloads=0", "--host", "127.0.0.1", "--port", str(args.port),
            "--watch", str(args.catalog), "--watch", str(args.templates),
            "--ignore", str(args.docs / "catalog"), "--ignore", "*.tmp", "--ignore", "*~",
            "--ignore", "*.swp", "-D", f"eventcat_history={args.history}"]
    if args.templates != DEFAULT_TEMPLATES:
        argv += ["-D", f"eventcat_templates={args.templates.resolve()}"]
    print(f"eventcat serve: http://127.0.0.1:{args.port}/ (Ctrl+C to stop)")
    autobuild(argv)
    return 0


def _schema(args: argparse.Namespace) -> int:
    from ..schema import SCHEMA_DIR, all_schemas
    out = args.out or SCHEMA_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name, text in all_schemas().items():
        (out / name).write_text(text, encoding="utf-8")
        print(f"eventcat schema: wrote {out / name}")
    return 0
