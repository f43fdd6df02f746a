"""eventcat logs check and logs infer: the catalog against real tracking logs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..link import Catalog
from ..logs.read import Progress
from ..logs.report import Gate
from .common import Commands, catalog_option, print_problems, usable_catalog


def _gate(text: str) -> Gate:
    from ..logs.report import parse_gate
    try:
        return parse_gate(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
    check.add_argument("files", nargs="+", type=Path, metavar="FILE",
                       help="tracking logs: JSON Lines or LMS log lines, gzip-compressed or not")
    catalog_option(check)
    check.add_argument("--format", choices=["text", "json"], default="text",
                       help="text summary (default) or the JSON report")
    check.add_argument("--fail-on", action="append", type=_gate, default=[], metavar="KIND=N",
                       help="a CI threshold, e.g. undocumented=0 or coverage<80%% (repeatable)")
    check.add_argument("--save-report", type=Path, metavar="PATH",
                       help="also write the JSON report here (the site's coverage page reads it)")
    check.add_argument("--force", action="store_true",
                       help="let --save-report replace a file eventcat did not write")
    check.add_argument("--no-progress", action="store_true",
                       help="no progress bar (it only shows on a terminal anyway)")
    _max_line_option(check)
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
    try:
        check_readable(args.files)
    except LogFileError as error:
        print(f"eventcat logs {args.action}: {error}", file=sys.stderr)
        return 2
    if not args.catalog.is_dir():
        print(f"{args.catalog}: error no-catalog: catalog folder not found (use --catalog DIR)",
              file=sys.stderr)
        return 2
    catalog = usable_catalog(args.catalog, f"logs {args.action}")
    return (_logs_check if args.action == "check" else _logs_infer)(args, catalog)


def _logs_check(args: argparse.Namespace, catalog: Catalog) -> int:
    import datetime

    from ..logs.check import check_logs
    from ..logs.text import to_text
    if args.save_report is not None:  # refused now, not after the logs were read
        from ..diagnostics import CatalogError
        from ..logs.report import is_saved_report
        from ..sync import check_output
        try:
            check_output(args.save_report, is_saved_report, args.force)
        except CatalogError as error:
            print_problems(error.diagnostics)
            return 2
    started = time.perf_counter()
    made = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    report = check_logs(catalog, args.files, _progress(args), str(args.catalog), made,
                        args.max_line_bytes)
    elapsed = time.perf_counter() - started
    if args.save_report is not None:
        from ..diagnostics import CatalogError
        from ..logs.report import is_saved_report
        from ..sync import write_output
        try:
            write_output(args.save_report, report.to_json().encode("utf-8"), is_saved_report,
                         args.force)
        except CatalogError as error:
            print_problems(error.diagnostics)
            return 2
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


def _logs_infer(args: argparse.Namespace, catalog: Catalog) -> int:
    from ..logs.infer import collect, write_drafts
    samples = collect(catalog, args.files, _progress(args), args.max_line_bytes)
    result = write_drafts(catalog, samples, args.out, args.project.schemas)
    from ..diagnostics import printable  # names and paths come from the logs: one line each
    for path in result.written:
        print(f"eventcat logs infer: wrote {printable(str(path))}")
    for name, why in result.skipped:
        print(f"eventcat logs infer: skipped {printable(name)}: {printable(why)}", file=sys.stderr)
    if not samples:
        print("eventcat logs infer: every named event in the logs is documented; nothing to draft")
    else:
        print(f"eventcat logs infer: {len(result.written)} drafts written. Fill in every TODO, "
              "then run `eventcat check`.")
    return 0
