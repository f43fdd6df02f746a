"""The commands that check the catalog and make the site: check, new, generate, build, serve and
schema."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Project
from ..diagnostics import CatalogError, Diagnostic
from ..load import display_path
from ..pipeline import check
from ..render import DEFAULT_TEMPLATES
from .common import Commands, catalog_option, plural, print_problems, site_options, summary


def add_parsers(commands: Commands) -> None:
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
    new_event.add_argument("--kind", help="one of the kinds catalog.yaml declares (default: the "
                           "kind whose prefix the name carries, else the first without one)")
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
    _code_report_option(gen)

    build = commands.add_parser("build", help="generate, then build the HTML site")
    build.set_defaults(run=_build)
    site_options(build)
    _conf_option(build)
    build.add_argument("--out", default=None, type=Path,
                       help="the build folder; HTML goes to OUT/html (default: the `build_dir` "
                            "setting, _build)")
    build.add_argument("--strict", action="store_true",
                       help="any warning, lint warning or broken reference fails the build")
    build.add_argument("-j", "--jobs", default=None,
                       help="parallel Sphinx processes, a number or 'auto' (default: the `jobs` "
                            "setting, 1)")
    build.add_argument("--clean", action="store_true",
                       help="start from nothing: delete OUT/html and OUT/doctrees first")
    _coverage_option(build)
    _code_report_option(build)

    serve = commands.add_parser("serve", help="preview the site, rebuilt and reloaded as you save")
    serve.set_defaults(run=_serve)
    site_options(serve)
    _conf_option(serve)
    serve.add_argument("--out", default=None, type=Path,
                       help="the build folder (default: the `build_dir` setting, _build)")
    serve.add_argument("--port", default=None, type=_port,
                       help="the port on 127.0.0.1 (default: the `serve.port` setting, 8000)")

    schema = commands.add_parser("schema", help="write the editor JSON Schemas")
    schema.set_defaults(run=_schema)
    catalog_option(schema)
    schema.add_argument("--out", default=None, type=Path,
                        help="the folder to write to (default: the project's `schemas` setting, "
                             "schemas/)")
    schema.add_argument("--force", action="store_true",
                        help="replace schema files eventcat did not write")


def _conf_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conf", default=None, type=Path,
                        help="a folder holding a conf.py whose Sphinx settings override the "
                             "defaults (default: the project root's conf.py, if there is one)")


def _coverage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coverage", action="append", type=Path, metavar="PATH",
                        help="the coverage page's source: a report saved by `eventcat logs check "
                             "--save-report`, or log files (repeat for several); default: the "
                             "`coverage` setting")


def _code_report_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--code-report", type=Path, metavar="PATH",
                        help="the implementation status page's source: a report saved by "
                             "`eventcat code scan --save-report`; default: the `code_report` setting")


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
        catalog, problems, failed = None, error.diagnostics, True
    else:
        catalog, problems, failed = result.catalog, result.problems, result.failed(args.strict)
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
        if catalog is not None:
            counts = (f"{plural(len(catalog.events), 'event')}, {plural(len(catalog.tools), 'tool')}, "
                      f"{plural(len(catalog.teams), 'team')}; ")
        print(f"eventcat check: {counts}{summary(problems)} "
              f"({time.perf_counter() - started:.2f} s)", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


def _new(args: argparse.Namespace) -> int:
    from .. import scaffold
    schemas = args.project.schemas
    try:
        if args.what == "event":
            path = scaffold.new_event(args.catalog, args.name, args.owner, args.side, args.kind,
                                      args.legacy, schemas)
        elif args.what == "tool":
            path = scaffold.new_tool(args.catalog, args.id, schemas)
        else:
            path = scaffold.new_team(args.catalog, args.id, schemas)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print("eventcat new: nothing was written", file=sys.stderr)
        return 1
    _write_schemas(schemas, only_missing=True)  # so the new file's $schema line resolves
    print(f"eventcat new: wrote {display_path(path)}\nFill in every TODO, then run `eventcat check`.")
    return 0


def _generate(args: argparse.Namespace, strict: bool = False, for_site: bool = False) -> bool:
    from ..pipeline import generate_project
    started = time.perf_counter()
    project = args.project
    problem = _missing_docs(project, for_site)
    if problem:
        print(problem, file=sys.stderr)
        return False
    try:
        result = generate_project(project, strict=strict)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print(f"eventcat: {summary(error.diagnostics)} in {display_path(args.catalog)}; "
              "nothing was written", file=sys.stderr)
        return False
    print_problems(result.warnings)
    elapsed = time.perf_counter() - started
    report = result.report
    print(f"eventcat: {plural(result.events, 'event')}, {plural(result.tools, 'tool')}, "
          f"{plural(result.teams, 'team')} → "
          f"{display_path(project.generated)}: {plural(len(report.written), 'page')} written, "
          f"{report.unchanged} unchanged, {len(report.deleted)} removed ({elapsed:.2f} s)")
    return True


def _missing_docs(project: Project, for_site: bool = True) -> str:
    """Why the site cannot be made in this project, before anything is written: without its
    catalog or (for a site) its Sphinx source folder, pages would land where nobody reads them."""
    if not project.catalog.is_dir():
        return (f"{display_path(project.catalog)}: error no-catalog: catalog folder not found "
                "(give --catalog DIR, set `catalog` in eventcat.toml, or start a project with "
                "`eventcat init`)")
    if for_site and not (project.docs / "index.md").is_file() and not (project.docs / "index.rst").is_file():
        return (f"{display_path(project.docs)}: error no-docs: no index.md in the Sphinx source "
                "folder (give --docs DIR, set `docs` in eventcat.toml, or start a project with "
                "`eventcat init`)")
    return ""


def _sphinx_args(args: argparse.Namespace, project: Project) -> list[str]:
    """What the project's Sphinx run is told: where its conf.py is (or that there is none), and
    the project as this command sees it, so the extension works on exactly the same settings."""
    conf = args.conf.resolve() if args.conf is not None else (
        project.root if project.conf_py else None)
    argv = ["-c", str(conf)] if conf is not None else ["-C", "-D", "extensions=eventcat.sphinx_ext"]
    return [*argv, "-d", str(project.build_dir / "doctrees"),
            "-D", f"eventcat_project={project.root}",
            "-D", f"eventcat_settings={project.settings.model_dump_json()}"]


def _build(args: argparse.Namespace) -> int:
    project = args.project
    if not _generate(args, strict=args.strict, for_site=True):
        return 1
    out = project.build_dir
    if args.clean:
        import shutil
        for folder in (out / "html", out / "doctrees"):  # Sphinx's output, nothing else
            if folder.is_dir():
                shutil.rmtree(folder)
    from sphinx.cmd.build import build_main  # imported late: other commands should start fast

    html = out / "html"
    argv = ["-b", "html", *_sphinx_args(args, project), "-D", "eventcat_generate=0",
            "-j", str(project.settings.jobs), "-q"]
    if args.strict:
        argv += ["-W", "-n", "--keep-going"]
    if args.clean:
        argv += ["-E"]
    started = time.perf_counter()
    status, said = _sphinx(build_main, [*argv, str(project.docs), str(html)])
    if said:
        return status
    if status == 0:
        print(f"eventcat: site built in {time.perf_counter() - started:.1f} s → "
              f"{display_path(html / 'index.html')}")
    else:
        print("eventcat: the Sphinx build failed (see the messages above)", file=sys.stderr)
    return status


def _port(text: str) -> int:
    """A TCP port for --port: out of range is a usage error, not a traceback from bind()."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (a number from 1 to 65535)")
    return int(text)


def _serve_table(project: Project) -> str:
    """Where the port setting goes in the settings file this project actually has."""
    if project.source is not None and project.source.name == "pyproject.toml":
        return "[tool.eventcat.serve] in pyproject.toml"
    return "[serve] in eventcat.toml"


def port_busy(port: int) -> bool:
    """Whether another program already listens on 127.0.0.1:port."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as servers set it: a port left in TIME_WAIT by a stopped preview is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _sphinx(build_main: Callable[[list[str]], int], argv: list[str]) -> tuple[int, bool]:
    """Sphinx's build, with an operating-system error (a read-only or full output folder) said in
    one line instead of Sphinx's crash report and saved traceback."""
    import sphinx._cli.util.errors as errors

    from ..diagnostics import os_problem
    report = errors.handle_exception
    said: list[OSError] = []

    def handle(exception: BaseException, /, **kwargs: Any) -> None:
        cause: BaseException | None = exception
        while cause is not None and not isinstance(cause, OSError):
            cause = getattr(cause, "orig_exc", None) or cause.__cause__
        if isinstance(cause, OSError):
            print(f"eventcat build: {os_problem(cause)}", file=sys.stderr)
            said.append(cause)
            return
        report(exception, **kwargs)
    errors.handle_exception = handle
    try:
        return build_main(argv), bool(said)
    finally:
        errors.handle_exception = report


def _serve(args: argparse.Namespace) -> int:
    """sphinx-autobuild on 127.0.0.1, watching the catalog, the templates and the guides. The
    extension regenerates the catalog pages before each Sphinx run; the generated folder is
    ignored by the watcher, or every build would trigger the next."""
    project = args.project
    port = args.port if args.port is not None else project.settings.serve.port
    problem = _missing_docs(project)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if port_busy(port):
        print(f"eventcat serve: port {port} on 127.0.0.1 is busy (another program is listening "
              f"on it); nothing was built (try --port {port + 1}, or set `port` under "
              f"{_serve_table(project)})", file=sys.stderr)
        return 1
    from sphinx_autobuild.__main__ import main as autobuild

    result = check(args.catalog)
    print_problems(result.problems)  # the first build will show them too; say it up front
    templates = project.templates or DEFAULT_TEMPLATES
    argv = [str(project.docs), str(project.build_dir / "html"), *_sphinx_args(args, project),
            "-D", "eventcat_downloads=0", "--host", "127.0.0.1", "--port", str(port),
            "--watch", str(args.catalog), "--watch", str(templates),
            "--ignore", str(project.generated), "--ignore", "*.tmp", "--ignore", "*~",
            "--ignore", "*.swp"]
    print(f"eventcat serve: http://127.0.0.1:{port}/ (Ctrl+C to stop)")
    autobuild(argv)
    return 0


def _write_schemas(folder: Path, only_missing: bool = False, force: bool = False) -> list[Path]:
    """Write the editor schemas; raise CatalogError, having written nothing, when one would replace
    a file eventcat did not write (unless `force`)."""
    from ..schema import all_schemas, written_by_eventcat
    from ..sync import check_output, write_file
    wanted = {folder / name: text for name, text in all_schemas().items()
              if not (only_missing and (folder / name).is_file())}
    for target in wanted:
        check_output(target, written_by_eventcat, force)
    for target, text in wanted.items():
        write_file(target, text.encode("utf-8"))
    return list(wanted)


def _schema(args: argparse.Namespace) -> int:
    if args.out is None and args.project.source is None and not args.project.catalog.is_dir():
        # outside any project the default folder would be a stray schemas/ wherever one stands
        print(_missing_docs(args.project, for_site=False), file=sys.stderr)
        print("eventcat schema: nothing was written (or give --out DIR)", file=sys.stderr)
        return 1
    out = args.out.resolve() if args.out is not None else args.project.schemas
    try:
        written = _write_schemas(out, force=args.force)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print("eventcat schema: nothing was written", file=sys.stderr)
        return 2
    for path in written:
        print(f"eventcat schema: wrote {display_path(path)}")
    return 0
