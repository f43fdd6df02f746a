"""The `eventcat` command. The only module that prints."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import __version__
from .diagnostics import CatalogError, Diagnostic
from .history import DEFAULT_WINDOW
from .pipeline import check, generate
from .render import DEFAULT_TEMPLATES


def _catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", default="catalog", type=Path,
                        help="the catalog folder (default: catalog)")


def _site_options(parser: argparse.ArgumentParser) -> None:
    _catalog_option(parser)
    parser.add_argument("--docs", default="docs", type=Path,
                        help="the Sphinx source folder with the hand-written guides (default: docs)")
    parser.add_argument("--templates", default=DEFAULT_TEMPLATES, type=Path,
                        help="the page templates folder (default: the shipped templates)")
    parser.add_argument("--history", default=DEFAULT_WINDOW, type=int, metavar="N",
                        help="the What changed page and event histories show the last N releases "
                             f"or commits that touched the catalog; 0 switches history off "
                             f"(default: {DEFAULT_WINDOW})")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventcat",
        description="Turn a folder of YAML analytics-event definitions into a searchable "
                    "Sphinx research guide.")
    parser.add_argument("--version", action="version", version=f"eventcat {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chk = commands.add_parser("check", help="validate the whole catalog and list every problem")
    _catalog_option(chk)
    chk.add_argument("--format", choices=["text", "json", "github"], default="text",
                     help="text (default), json, or github (workflow annotations)")
    chk.add_argument("--strict", action="store_true", help="warnings fail too")

    new = commands.add_parser("new", help="scaffold a new event, tool or team definition")
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
        _catalog_option(sub)

    gen = commands.add_parser("generate", help="catalog → MyST pages (writes only what changed)")
    _site_options(gen)

    build = commands.add_parser("build", help="generate, then build the HTML site")
    _site_options(build)
    build.add_argument("--conf", default=".", type=Path,
                       help="the folder holding conf.py (default: .)")
    build.add_argument("--out", default=Path("_build"), type=Path,
                       help="the build folder; HTML goes to OUT/html (default: _build)")
    build.add_argument("--strict", action="store_true",
                       help="any warning, lint warning or broken reference fails the build")
    build.add_argument("-j", "--jobs", default="1",
                       help="parallel Sphinx processes, a number or 'auto' (default: 1)")
    build.add_argument("--clean", action="store_true", help="ignore the previous build's state")

    serve = commands.add_parser("serve", help="preview the site, rebuilt and reloaded as you save")
    _site_options(serve)
    serve.add_argument("--conf", default=".", type=Path, help="the folder holding conf.py (default: .)")
    serve.add_argument("--out", default=Path("_build"), type=Path,
                       help="the build folder (default: _build)")
    serve.add_argument("--port", default=8000, type=int, help="the port on 127.0.0.1 (default: 8000)")

    _diff_parser(commands)

    schema = commands.add_parser("schema", help="write the editor JSON Schemas")
    schema.add_argument("--out", default=None, type=Path,
                        help="the folder to write to (default: the repository's schemas/)")
    return parser


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _print_problems(problems: list[Diagnostic]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _summary(problems: list[Diagnostic]) -> str:
    errors = sum(p.severity == "error" for p in problems)
    return f"{_plural(errors, 'error')}, {_plural(len(problems) - errors, 'warning')}"


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
        _print_problems(problems)
        counts = ""
        if result is not None:
            c = result.catalog
            counts = (f"{_plural(len(c.events), 'event')}, {_plural(len(c.tools), 'tool')}, "
                      f"{_plural(len(c.teams), 'team')}; ")
        print(f"eventcat check: {counts}{_summary(problems)} "
              f"({time.perf_counter() - started:.2f} s)", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


def _new(args: argparse.Namespace) -> int:
    from . import scaffold
    try:
        if args.what == "event":
            path = scaffold.new_event(args.catalog, args.name, args.owner, args.side, args.kind,
                                      args.legacy)
        elif args.what == "tool":
            path = scaffold.new_tool(args.catalog, args.id)
        else:
            path = scaffold.new_team(args.catalog, args.id)
    except CatalogError as error:
        _print_problems(error.diagnostics)
        print("eventcat new: nothing was written", file=sys.stderr)
        return 1
    print(f"eventcat new: wrote {path}\nFill in every TODO, then run `eventcat check`.")
    return 0


def _generate(args: argparse.Namespace, strict: bool = False) -> bool:
    started = time.perf_counter()
    out_dir = args.docs / "catalog"
    try:
        result = generate(args.catalog, out_dir, args.templates, strict=strict, history=args.history)
    except CatalogError as error:
        _print_problems(error.diagnostics)
        print(f"eventcat: {_summary(error.diagnostics)} in {args.catalog}; nothing was written",
              file=sys.stderr)
        return False
    _print_problems(result.warnings)
    elapsed = time.perf_counter() - started
    report = result.report
    print(f"eventcat: {result.events} events, {result.tools} tools, {result.teams} teams → "
          f"{out_dir}: {len(report.written)} pages written, {report.unchanged} unchanged, "
          f"{len(report.deleted)} removed ({elapsed:.2f} s)")
    return True


def _build(args: argparse.Namespace) -> int:
    if not _generate(args, strict=args.strict):
        return 1
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
    _print_problems(result.problems)  # the first build will show them too; say it up front
    argv = [str(args.docs), str(args.out / "html"), "-c", str(args.conf),
            "-d", str(args.out / "doctrees"), "-D", f"eventcat_catalog={args.catalog.resolve()}",
            "--host", "127.0.0.1", "--port", str(args.port),
            "--watch", str(args.catalog), "--watch", str(args.templates),
            "--ignore", str(args.docs / "catalog"), "--ignore", "*.tmp", "--ignore", "*~",
            "--ignore", "*.swp", "-D", f"eventcat_history={args.history}"]
    if args.templates != DEFAULT_TEMPLATES:
        argv += ["-D", f"eventcat_templates={args.templates.resolve()}"]
    print(f"eventcat serve: http://127.0.0.1:{args.port}/ (Ctrl+C to stop)")
    autobuild(argv)
    return 0


def _schema(args: argparse.Namespace) -> int:
    from .schema import SCHEMA_DIR, all_schemas
    out = args.out or SCHEMA_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name, text in all_schemas().items():
        (out / name).write_text(text, encoding="utf-8")
        print(f"eventcat schema: wrote {out / name}")
    return 0


def _diff_parser(commands) -> None:
    diff = commands.add_parser(
        "diff", help="what changed between two catalogs: folders or git revisions",
        description="List the events added, removed, renamed and changed between OLD and NEW, and "
                    "mark breaking changes. OLD and NEW are each a catalog folder (when a folder "
                    "of that name exists) or else a git revision (branch, tag, commit) of the "
                    "repository holding --catalog, read at the same path. NEW defaults to the "
                    "--catalog folder as it is now. Exit codes: 0 done, 1 breaking changes with "
                    "--fail-on-breaking, 2 a side could not be read.")
    diff.add_argument("old", metavar="OLD", help="a catalog folder or a git revision")
    diff.add_argument("new", metavar="NEW", nargs="?", default=None,
                      help="a catalog folder or a git revision (default: the --catalog folder)")
    diff.add_argument("--catalog", default=None, type=Path,
                      help="the catalog folder, whose repository and path revisions are read at "
                           "(default: catalog if it exists, else the folder among OLD and NEW)")
    diff.add_argument("--format", choices=["markdown", "json"], default="markdown",
                      help="markdown (default) or json")
    diff.add_argument("--breaking-only", action="store_true", help="list breaking changes only")
    diff.add_argument("--fail-on-breaking", action="store_true",
                      help="exit with 1 when there is a breaking change (a pull request gate)")


def _diff(args: argparse.Namespace) -> int:
    from .gitrepo import GitError
    from .history import UnreadableCatalog, compare
    folders = [Path(s) for s in (args.new, args.old) if s is not None and Path(s).is_dir()]
    catalog = args.catalog or next((f for f in [Path("catalog"), *folders] if f.is_dir()), Path("catalog"))
    new = args.new if args.new is not None else str(catalog)
    try:
        old_label, new_label, result = compare(args.old, new, catalog)
    except (GitError, UnreadableCatalog) as error:
        print(f"eventcat diff: {error}", file=sys.stderr)
        return 2
    shown = result.only_breaking() if args.breaking_only else result
    if args.format == "json":
        print(json.dumps({"old": old_label, "new": new_label, **shown.to_json()}, indent=2,
                         ensure_ascii=False, default=str))
    else:
        from .diff import to_markdown
        print(to_markdown(shown, old_label, new_label), end="")
    return 1 if args.fail_on_breaking and result.breaking else 0


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    commands = {"check": _check, "new": _new, "generate": lambda a: 0 if _generate(a) else 1,
                "build": _build, "serve": _serve, "schema": _schema, "diff": _diff}
    return commands[args.command](args)
