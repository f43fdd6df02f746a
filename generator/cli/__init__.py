"""The `eventcat` command, one module per group of sub-commands. The CLI is the only part of
eventcat that prints."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import NoReturn

from .. import __version__
from ..diagnostics import printable
from . import code, diff, exports, logs, site, start
from .common import open_project


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors quote what was typed with control characters escaped
    (a --fail-on value or an unknown option holding an escape sequence is not run by the terminal).
    Sub-parsers are made of the same class."""

    def error(self, message: str) -> NoReturn:
        super().error(printable(message))


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="eventcat",
        description="Turn a folder of YAML analytics-event definitions into a searchable "
                    "Sphinx research guide.")
    parser.add_argument("--version", action="version", version=f"eventcat {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (start, site, exports, logs, code, diff):  # each sub-parser names its handler as `run`
        group.add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # a file name that is not UTF-8 (or a lone surrogate from a log) is shown as an escape
        # rather than ending the command with UnicodeEncodeError; text is escaped before this
        # where it matters, this is the net under it
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    args = make_parser().parse_args(argv)
    if args.command != "serve" and hasattr(signal, "SIGPIPE"):
        # `eventcat logs check big.log | head`: end quietly when the reader stops, as Unix tools
        # do, not with a traceback. (Not for serve: a browser closing a connection is normal.)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        if hasattr(args, "catalog"):  # every command that works on a catalog works in its project
            args.catalog_given = args.catalog is not None
            if open_project(args) is None:
                return 2
        return args.run(args)
    except OSError as error:  # a full disk, a read-only folder, a file where a folder should be
        from ..diagnostics import os_problem
        print(f"eventcat {args.command}: {os_problem(error)}", file=sys.stderr)
        return 1


def run() -> None:
    """The console entry point: main(), then exit at once. Tearing down a big build's objects
    one by one (Sphinx's environment, the parsed catalog) took 3.8 s at 5,000 events after the
    work was done; everything is written and flushed by then, so the process just ends."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
