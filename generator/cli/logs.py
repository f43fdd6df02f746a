"""eventcat logs check and logs infer: the catalog against real tracking logs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import printable
from ..link import Catalog
from ..logs.read import Progress
from ..logs.report import parse_gate
from .common import Commands, catalog_option, fail_on_option, finish_report, refuse_to_save, usable_catalog

if TYPE_CHECKING:
    from ..logs.remote import S3Access


def add_parsers(commands: Commands) -> None:
    from ..logs.report import GATE_KINDS
    logs = commands.add_parser("logs", help="check tracking logs against the catalog, or draft "
                                            "definitions from them")
    logs.set_defaults(run=_logs)
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
               "--fail-on coverage<P% fails when fewer than P% of the documented events that these logs could hold "
               "were seen.\n\nExit codes: 0 passed, 1 a --fail-on threshold was crossed, "
               "2 bad usage (a missing file, an invalid catalog).")
    check.add_argument("files", nargs="*", metavar="FILE",
                       help="tracking logs: JSON Lines or LMS log lines, gzip-compressed or not; "
                            "with --engine clickhouse also a glob or an s3:// or https:// URL")
    catalog_option(check)
    engine_options(check)
    check.add_argument("--jobs", "-j", type=_jobs, default=0, metavar="N",
                       help="processes for the Python engine (default: every core); the report "
                            "is the same for any N")
    check.add_argument("--format", choices=["text", "json"], default="text",
                       help="text summary (default) or the JSON report")
    fail_on_option(check, parse_gate)
    check.add_argument("--save-report", type=Path, metavar="PATH",
                       help="also write the JSON report here (the site's coverage page reads it)")
    check.add_argument("--force", action="store_true",
                       help="let --save-report replace a file eventcat did not write")
    check.add_argument("--no-progress", action="store_true",
                       help="no progress bar (it only shows on a terminal anyway)")
    check.add_argument("--rows", type=Path, metavar="PATH",
                       help="read back a saved result of the query `logs sql` prints (JSON Lines: "
                            "clickhouse-client --format JSONEachRow) instead of running it; give the "
                            "same FILEs or --table as to logs sql")
    _max_line_option(check)
    sql = actions.add_parser(
        "sql", help="print the ClickHouse query the check runs (grouped records, not yet the report)",
        description="Print the query `logs check --engine clickhouse` runs: over FILE|GLOB|URL "
                    "table functions, or with --table over a server table of raw records. Its rows "
                    "are grouped records (one sample record per structure, with a count, the first "
                    "and last time and the first places) and candidate personal values, which "
                    "`logs check` turns into the report; `logs check --rows` reads a saved result "
                    "(JSONEachRow) back into it.")
    sql.add_argument("files", nargs="*", metavar="FILE", help="files, globs or URLs to read")
    catalog_option(sql)
    sql.add_argument("--table", metavar="NAME", help="a table (or db.table) of raw records")
    sql.add_argument("--cluster", metavar="NAME", help="read s3 URLs with s3Cluster on this cluster")
    sql.add_argument("--column", default="message", metavar="NAME",
                     help="the String column of --table that holds the record (default: message, "
                          "as in Aspects' raw tracking-log table)")
    s3_options(sql)
    _max_line_option(sql)
    infer = actions.add_parser("infer", help="draft YAML definitions for undocumented events",
                               description="Draft one definition per undocumented event name, in "
                                           "the catalog layout, with TODOs to fill in. Existing "
                                           "files are never replaced.")
    infer.add_argument("files", nargs="+", type=Path, metavar="FILE",
                       help="tracking logs to learn the undocumented events from")
    catalog_option(infer)
    infer.add_argument("--out", required=True, type=Path, metavar="DIR",
                       help="where to write events/<domain>/<name>.yaml (the catalog folder "
                            "itself, or a folder to review first)")
    infer.add_argument("--no-progress", action="store_true", help="no progress bar")
    _max_line_option(infer)


def _byte_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': a number of bytes, like 4194304")
    return int(text)


def _max_line_option(parser: argparse.ArgumentParser) -> None:
    from ..logs.read import MAX_LINE_BYTES
    parser.add_argument("--max-line-bytes", type=_byte_count, default=MAX_LINE_BYTES, metavar="N",
                        help="a line longer than N bytes is counted malformed and skipped without "
                             f"being held in memory (default: {MAX_LINE_BYTES:,})")


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': a number of processes, 1 or more")
    return int(text)


def engine_options(check: argparse.ArgumentParser) -> None:
    check.add_argument("--engine", choices=["python", "clickhouse"], default="python",
                       help="python (default: streams the files on every core) or clickhouse "
                            "(the check as one SQL query, in chDB or on --clickhouse)")
    check.add_argument("--clickhouse", metavar="URL",
                       help="a ClickHouse server (http://user:password@host:8123/db), with "
                            "--table: run the query there (implies --engine clickhouse)")
    check.add_argument("--table", metavar="NAME", help="with --clickhouse: the table of raw records")
    check.add_argument("--cluster", metavar="NAME",
                       help="with --clickhouse and s3 URLs: read them with s3Cluster on this cluster")
    check.add_argument("--column", default="message", metavar="NAME",
                       help="with --table: the String column holding each record (default: message)")
    s3_options(check)


def s3_options(parser: argparse.ArgumentParser) -> None:
    """How s3:// URLs reach their store; the keys come from the environment, never the command line."""
    parser.add_argument("--s3-endpoint", metavar="URL",
                        help="an S3-compatible store (MinIO, Ceph, ...): s3://BUCKET/KEY is read from "
                             "URL/BUCKET/KEY (default: $AWS_ENDPOINT_URL_S3, else $AWS_ENDPOINT_URL). "
                             "Keys: $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY, $AWS_SESSION_TOKEN")
    parser.add_argument("--s3-collection", metavar="NAME",
                        help="with --clickhouse: a named collection on the server holding the S3 "
                             "endpoint and keys (CREATE NAMED COLLECTION)")


def _progress(args: argparse.Namespace) -> Progress | None:
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
    from ..logs.read import LogFileError, check_readable
    if args.action in ("check", "sql"):
        problem = _engine_usage(args)
        if problem:
            print(f"eventcat logs {args.action}: {problem}", file=sys.stderr)
            return 2
    remote = args.action == "sql" or getattr(args, "engine", "python") == "clickhouse"
    local = [Path(f) for f in args.files if not (remote and _not_a_local_file(f))]
    try:
        check_readable(local)
    except LogFileError as error:
        print(f"eventcat logs {args.action}: {printable(str(error))}", file=sys.stderr)
        return 2
    if not args.catalog.is_dir():
        print(f"{args.catalog}: error no-catalog: catalog folder not found (give --catalog DIR, "
              "set `catalog` in eventcat.toml, or start a project with `eventcat init`)",
              file=sys.stderr)
        return 2
    catalog = usable_catalog(args.catalog, f"logs {args.action}")
    return {"check": _logs_check, "infer": _logs_infer, "sql": _logs_sql}[args.action](args, catalog)


def _not_a_local_file(spec: str) -> bool:
    """A glob or a URL, which ClickHouse reads itself."""
    return "://" in spec or (any(c in spec for c in "*?{[") and not Path(spec).is_file())


def _engine_usage(args: argparse.Namespace) -> str:
    """What is wrong with the engine options, or ""."""
    rows = args.action == "check" and args.rows is not None
    if rows and args.clickhouse:
        return "--rows reads a saved result of the query: leave --clickhouse out (nothing is run)"
    if args.action == "check" and (args.clickhouse or rows):
        args.engine = "clickhouse"
    table = args.table
    if args.action == "check" and args.clickhouse:
        from urllib.parse import urlsplit

        from ..logs.clickhouse import _without_password
        parts = urlsplit(args.clickhouse)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:  # clickhouse-connect's HTTP
            return (f"'{printable(_without_password(args.clickhouse))}': a ClickHouse server is "
                    "http[s]://[USER:PASSWORD@]HOST[:PORT][/DATABASE], like http://localhost:8123")
    if args.action == "check" and table and not args.clickhouse and not rows:
        return "--table needs --clickhouse URL (the server that has the table)"
    if args.action == "check" and args.clickhouse and not table and not all("://" in f for f in args.files):
        return "--clickhouse reads --table NAME, or s3:// and https:// URLs (the server cannot read your files)"
    if args.action == "check" and args.s3_collection and not args.clickhouse and not rows:
        return "--s3-collection names a collection on a server: give --clickhouse URL too"
    if args.action == "check" and args.cluster and not args.clickhouse and not rows:
        return "--cluster needs --clickhouse URL (a node of the cluster)"
    if args.cluster and (table or not args.files):
        return "--cluster reads s3 URLs: give them as FILEs"
    local = [f for f in args.files if "://" not in f]
    if args.cluster and local:
        return (f"--cluster reads s3 URLs, not local files: {printable(local[0])} is read by ClickHouse on "
                "this machine (leave --cluster out)")
    if not table and not args.files:
        return "give one or more FILEs" + (" (or --clickhouse URL --table NAME)" if args.action == "check" else
                                         " (or --table NAME)")
    if table and args.files:
        return "give FILEs or --table, not both"
    if args.action == "check" and args.engine == "python" and any(_not_a_local_file(f) for f in args.files):
        return "globs and URLs need --engine clickhouse (the shell expands local globs already)"
    return ""


def _s3_access(args: argparse.Namespace) -> S3Access:
    """The --s3-* options, the endpoint from the AWS tools' variables when not given."""
    from ..logs.remote import S3Access, endpoint_from_environment
    return S3Access(args.s3_endpoint or endpoint_from_environment(), args.s3_collection or "")


def _logs_sql(args: argparse.Namespace, catalog: Catalog) -> int:
    from ..logs.clickhouse import EngineError, local_or_remote, query_for, table_source
    from ..logs.remote import RemoteError
    try:
        source = (table_source(args.table, args.column) if args.table
                  else local_or_remote(args.files, args.cluster, _s3_access(args)))
    except (EngineError, RemoteError) as error:
        print(f"eventcat logs sql: {printable(str(error))}", file=sys.stderr)
        return 2
    print(query_for(catalog, source, args.max_line_bytes))
    return 0


def _logs_check(args: argparse.Namespace, catalog: Catalog) -> int:
    import datetime

    from ..logs.parallel import check_files
    from ..logs.report import is_saved_report
    from ..logs.text import to_text
    if refuse_to_save("logs check", args.save_report, is_saved_report, args.force):  # now, not after the logs were read
        return 2
    started = time.perf_counter()
    made = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    if args.engine == "clickhouse":  # running the query, or reading back its saved rows (--rows)
        from ..logs.clickhouse import EngineError, check_clickhouse, report_from_rows
        from ..logs.remote import RemoteError
        try:
            if args.rows is not None:
                report = report_from_rows(catalog, args.rows, args.files, str(args.catalog), made,
                                          table=args.table, column=args.column, cluster=args.cluster,
                                          access=_s3_access(args))
            else:
                report = check_clickhouse(catalog, args.files, str(args.catalog), made, server=args.clickhouse,
                                          table=args.table, column=args.column, cluster=args.cluster,
                                          access=_s3_access(args), max_line_bytes=args.max_line_bytes)
        except (EngineError, RemoteError) as error:
            # ClickHouse's message quotes paths and URLs as given: one line, whatever they hold
            print(f"eventcat logs check: {printable(str(error))}", file=sys.stderr)
            return 2
    else:
        report = check_files(catalog, [Path(f) for f in args.files], _progress(args), str(args.catalog),
                             made, args.max_line_bytes, jobs=args.jobs or None)
    elapsed = time.perf_counter() - started
    rate = report.records / elapsed if elapsed else 0
    return finish_report("logs check", report, args, is_saved_report, lambda: to_text(report),
                         f"checked in {elapsed:.2f} s ({rate:,.0f} records/s)")


def _logs_infer(args: argparse.Namespace, catalog: Catalog) -> int:
    from ..logs.infer import collect, write_drafts
    samples = collect(catalog, [Path(f) for f in args.files], _progress(args), args.max_line_bytes)
    result = write_drafts(catalog, samples, args.out, args.project.schemas)
    from ..diagnostics import printable  # names and paths come from the logs: one line each
    for path in result.written:
        print(f"eventcat logs infer: wrote {printable(str(path))}")
    for name, why in result.skipped:
        print(f"eventcat logs infer: skipped {printable(name)}: {printable(why)}", file=sys.stderr)
    if not samples:
        print("eventcat logs infer: every named event in the logs is documented; nothing to draft")
    else:
        written = len(result.written)
        print(f"eventcat logs infer: {written} draft{'' if written == 1 else 's'} written. Fill in every TODO, "
              "then run `eventcat check`.")
    return 0
