"""eventcat export: the catalog as JSON, CSV, JSON Schemas, the Segment whitelist or a record of
processing (the same files the site offers as downloads)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ..diagnostics import CatalogError
from .common import Commands, catalog_option, load_catalog, plural, print_problems

EXPORTS = {
    "json": "the whole resolved catalog as one JSON document",
    "csv": "events.csv (one row per event) and fields.csv (one row per field) into --out DIR",
    "jsonschema": "one draft-07 JSON Schema per event payload into --out DIR",
    "segment-whitelist": "EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST for edx-platform, as YAML",
    "processing-record": "record of processing activities (personal data per tool) as CSV",
}


def add_parsers(commands: Commands) -> None:
    export = commands.add_parser(
        "export", help="the catalog as JSON, CSV, JSON Schemas, the Segment whitelist, or a "
                       "record of processing",
        description="Formats: " + "; ".join(f"{k}: {v}" for k, v in EXPORTS.items()) + ".",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    export.set_defaults(run=_export)
    export.add_argument("format", choices=list(EXPORTS), metavar="FORMAT",
                        help="one of: " + ", ".join(EXPORTS))
    catalog_option(export)
    export.add_argument("--out", type=Path, default=None,
                        help="a file (json, segment-whitelist, processing-record; default: "
                             "standard output) or a folder (csv, jsonschema; required)")
    export.add_argument("--force", action="store_true",
                        help="replace files at --out that eventcat did not write")
    export.add_argument("--no-additional-properties", action="store_true",
                        help="jsonschema: reject payload keys the catalog does not declare")


def _ours(fmt: str, text: str) -> Callable[[bytes], bool]:
    """How a file eventcat exported in this format is told from its first bytes (see
    sync.write_output): the catalog JSON by its "format", a JSON Schema by its "$comment", the
    whitelist and the CSV files by their first line, which is the same in every export."""
    if fmt == "json":
        return lambda head: re.match(rb'\s*\{\s*"format"\s*:\s*"eventcat-catalog/', head) is not None
    if fmt == "jsonschema":
        from ..export import SCHEMA_COMMENT
        return lambda head: json.dumps(SCHEMA_COMMENT).encode() in head
    first = text.split("\n", 1)[0].encode("utf-8") + b"\n"
    return lambda head: head.startswith(first)


def _export(args: argparse.Namespace) -> int:
    from .. import export
    from ..privacy import processing_record_csv
    from ..sync import check_output, write_file

    if args.no_additional_properties and args.format != "jsonschema":
        print("eventcat export: --no-additional-properties is for jsonschema only", file=sys.stderr)
        return 2
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
    catalog = load_catalog(args.catalog, "export")
    if catalog is None:
        return 1
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
    try:  # every file checked before any is written
        for name, text in files.items():
            check_output(folder / name, _ours(args.format, text), args.force)
    except CatalogError as error:
        print_problems(error.diagnostics)
        print("eventcat export: nothing was written", file=sys.stderr)
        return 2
    for name, text in files.items():
        write_file(folder / name, text.encode("utf-8"))
    where = folder if len(files) > 1 else folder / next(iter(files))
    print(f"eventcat export {args.format}: wrote {plural(len(files), 'file')} to {where}")
    return 0
