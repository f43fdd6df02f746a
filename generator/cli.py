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
from .pipeline import build_catalog, check, generate
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
    _coverage_option(gen)

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
    _coverage_option(build)

    serve = commands.add_parser("serve", help="preview the site, rebuilt and reloaded as you save")
    _site_options(serve)
    serve.add_argument("--conf", default=".", type=Path, help="the folder holding conf.py (default: .)")
    serve.add_argument("--out", default=Path("_build"), type=Path,
                       help="the build folder (default: _build)")
    serve.add_argument("--port", default=8000, type=int, help="the port on 127.0.0.1 (default: 8000)")

    _export_parser(commands)
    _logs_parser(commands)
    _diff_parser(commands)

    schema = commands.add_parser("schema", help="write the editor JSON Schemas")
    schema.add_argument("--out", default=None, type=Path,
                        help="the folder to write to (default: the repository's schemas/)")
    return parser


EXPORTS = {
    "json": "the whole resolved catalog as one JSON document",
    "csv": "events.csv (one row per event) and fields.csv (one row per field) into --out DIR",
    "jsonschema": "one draft-07 JSON Schema per event payload into --out DIR",
    "segment-whitelist": "EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST for edx-platform, as YAML",
    "processing-record": "record of processing activities (personal data per tool) as CSV",
}


def _export_parser(commands) -> None:
    export = commands.add_parser(
        "export", help="the catalog as JSON, CSV, JSON Schemas, the Segment whitelist, or a "
                       "record of processing",
        description="Formats: " + "; ".join(f"{k}: {v}" for k, v in EXPORTS.items()) + ".",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("format", choices=list(EXPORTS), metavar="FORMAT",
                        help="one of: " + ", ".join(EXPORTS))
    _catalog_option(export)
    export.add_argument("--out", type=Path, default=None,
                        help="a file (json, segment-whitelist, processing-record; default: "
                             "standard output) or a folder (csv, jsonschema; required)")
    export.add_argument("--no-additional-properties", action="store_true",
                        help="jsonschema: reject payload keys the catalog does not declare")


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
        result = generate(args.catalog, out_dir, args.templates, strict=strict,
                          coverage=_coverage_sources(args), history=args.history)
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
            "-D", "eventcat_downloads=0", "--host", "127.0.0.1", "--port", str(args.port),
            "--watch", str(args.catalog), "--watch", str(args.templates),
            "--ignore", str(args.docs / "catalog"), "--ignore", "*.tmp", "--ignore", "*~",
            "--ignore", "*.swp", "-D", f"eventcat_history={args.history}"]
    if args.templates != DEFAULT_TEMPLATES:
        argv += ["-D", f"eventcat_templates={args.templates.resolve()}"]
    print(f"eventcat serve: http://127.0.0.1:{args.port}/ (Ctrl+C to stop)")
    autobuild(argv)
    return 0


def _export(args: argparse.Namespace) -> int:
    from . import export
    from .privacy import processing_record_csv
    from .sync import write_file

    if args.format in ("csv", "jsonschema") and args.out is None:
        print(f"eventcat export {args.format}: give --out DIR (it writes several files)",
              file=sys.stderr)
        return 2
    if args.out is not None and args.out.exists() and (
            args.out.is_dir() != (args.format in ("csv", "jsonschema"))):
        want = "a folder" if args.format in ("csv", "jsonschema") else "a file"
        print(f"eventcat export: {args.out} is in the way: --out must be {want} for "
              f"{args.format}", file=sys.stderr)
        return 2
    try:
        catalog, warnings = build_catalog(args.catalog)
    except CatalogError as error:
        _print_problems(error.diagnostics)
        print(f"eventcat export: {_summary(error.diagnostics)} in {args.catalog}; nothing was "
              "written", file=sys.stderr)
        return 1
    _print_problems(warnings)
    if args.format == "csv":
        files = {"events.csv": export.events_csv(catalog), "fields.csv": export.fields_csv(catalog)}
    elif args.format == "jsonschema":
        files = export.schema_texts(catalog, not args.no_additional_properties)
    else:
        text = {"json": lambda c: export.catalog_json(c, indent=2),
                "segment-whitelist": export.segment_whitelist_yaml,
                "processing-record": processing_record_csv}[args.format](catalog)
        if args.out is None:
            sys.stdout.write(text)
            return 0
        files = {args.out.name: text}
    folder = args.out if args.format in ("csv", "jsonschema") else args.out.parent
    for name, text in files.items():
        write_file(folder / name, text.encode("utf-8"))
    where = folder if len(files) > 1 else folder / next(iter(files))
    print(f"eventcat export {args.format}: wrote {_plural(len(files), 'file')} to {where}")
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
                "build": _build, "serve": _serve, "schema": _schema, "export": _export,
                "logs": _logs, "diff": _diff}
    return commands[args.command](args)


# --- eventcat logs: the catalog against real tracking logs ----------------------------------------

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
    from .sphinx_ext import coverage_sources
    value = runpy.run_path(str(conf / "conf.py")).get("eventcat_coverage", "")
    return coverage_sources(conf, value)


def _gate(text: str):
    from .logs.report import parse_gate
    try:
        return parse_gate(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _logs_parser(commands) -> None:
    from .logs.report import GATE_KINDS
    logs = commands.add_parser("logs", help="check tracking logs against the catalog, or draft "
                                            "definitions from them")
    actions = logs.add_subparsers(dest="action", required=True, metavar="ACTION")
    kinds = "\n".join(f"  {kind:<17} {text}" for kind, text in GATE_KINDS.items())
    check = actions.add_parser(
        "check", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="report undocumented events, field problems and coverage",
        description="Read tracking logs (JSON Lines or LMS log lines, gzip or not) and compare "
                    "every record with its catalog event.",
        epilog="--fail-on KIND=N fails (exit 1) when KIND is found more than N times:\n"
               f"{kinds}\n"
               "(records for undocumented and unnamed, lines for malformed, one per field and "
               "record for the others)\n"
               "--fail-on coverage<P% fails when fewer than P% of the documented tracking-log "
               "events were seen.\n\nExit codes: 0 passed, 1 a --fail-on threshold was crossed, "
               "2 bad usage (a missing file, an invalid catalog).")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _catalog_option(check)
    check.add_argument("--format", choices=["text", "json"], default="text",
                       help="text summary (default) or the JSON report")
    check.add_argument("--fail-on", action="append", type=_gate, default=[], metavar="KIND=N",
                       help="a CI threshold, e.g. undocumented=0 or coverage<80%% (repeatable)")
    check.add_argument("--save-report", type=Path, metavar="PATH",
                       help="also write the JSON report here (the site's coverage page reads it)")
    check.add_argument("--no-progress", action="store_true",
                       help="no progress bar (it only shows on a terminal anyway)")
    infer = actions.add_parser("infer", help="draft YAML definitions for undocumented events",
                               description="Draft one definition per undocumented event name, in "
                                           "the catalog layout, with TODOs to fill in. Existing "
                                           "files are never replaced.")
    infer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _catalog_option(infer)
    infer.add_argument("--out", required=True, type=Path, metavar="DIR",
                       help="where to write events/<domain>/<name>.yaml (the catalog folder "
                            "itself, or a folder to review first)")
    infer.add_argument("--no-progress", action="store_true", help="no progress bar")


def _progress(args: argparse.Namespace):
    """A one-line bar on stderr, only on a terminal: bytes read of all files."""
    if args.no_progress or not sys.stderr.isatty():
        return None
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        bar = "#" * int(fraction * 30)
        elapsed = time.perf_counter() - started
        print(f"\r[{bar:<30}] {fraction:6.1%} {done / 1e6:,.0f} of {total / 1e6:,.0f} MB "
              f"({elapsed:.0f} s)", end="", file=sys.stderr, flush=True)
        if done >= total:
            print("\r" + " " * 70 + "\r", end="", file=sys.stderr, flush=True)
    return show


def _logs(args: argparse.Namespace) -> int:
    from .logs.read import LogFileError, check_readable
    try:
        check_readable(args.files)
    except LogFileError as error:
        print(f"eventcat logs {args.action}: {error}", file=sys.stderr)
        return 2
    if not args.catalog.is_dir():
        print(f"{args.catalog}: error no-catalog: catalog folder not found (use --catalog DIR)",
              file=sys.stderr)
        return 2
    from .pipeline import build_catalog
    try:
        catalog, _ = build_catalog(args.catalog)
    except CatalogError as error:
        _print_problems(error.diagnostics)
        print(f"eventcat logs {args.action}: the catalog {args.catalog} is invalid; fix it first "
              "(eventcat check)", file=sys.stderr)
        return 2
    return (_logs_check if args.action == "check" else _logs_infer)(args, catalog)


def _logs_check(args: argparse.Namespace, catalog) -> int:
    import datetime
    import os
    import tempfile
    from .logs.check import check_logs
    from .logs.text import to_text
    started = time.perf_counter()
    made = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    report = check_logs(catalog, args.files, _progress(args), str(args.catalog), made)
    elapsed = time.perf_counter() - started
    if args.save_report is not None:
        target = args.save_report
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".report-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(report.to_json())
        os.replace(temp, target)
    if args.format == "json":
        print(report.to_json(), end="")
    else:
        print(to_text(report), end="")
        rate = report.records / elapsed if elapsed else 0
        print(f"checked in {elapsed:.2f} s ({rate:,.0f} records/s)"
              + (f"; report saved to {args.save_report}" if args.save_report else ""))
    failures = [why for gate in args.fail_on if (why := gate.failed(report))]
    for why in failures:
        print(f"eventcat logs check: failed: {why}", file=sys.stderr)
    return 1 if failures else 0


def _logs_infer(args: argparse.Namespace, catalog) -> int:
    from .logs.infer import collect, write_drafts
    samples = collect(catalog, args.files, _progress(args))
    result = write_drafts(catalog, samples, args.out)
    for path in result.written:
        print(f"eventcat logs infer: wrote {path}")
    for name, why in result.skipped:
        print(f"eventcat logs infer: skipped {name}: {why}", file=sys.stderr)
    if not samples:
        print("eventcat logs infer: every named event in the logs is documented; nothing to draft")
    else:
        print(f"eventcat logs infer: {len(result.written)} drafts written. Fill in every TODO, "
              "then run `eventcat check`.")
    return 0
