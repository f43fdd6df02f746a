"""The ClickHouse engine: run sql.check_query in chDB (in-process ClickHouse, on local files, gzip,
globs, S3 and HTTP URLs) or on a ClickHouse server through clickhouse-connect (a table of raw
records), and assemble the same Report the Python engine makes.

chDB and clickhouse-connect are an optional extra (`pip install eventcat[clickhouse]`); they are
imported only when this engine runs. Places (file:line) come from the row numbers ClickHouse gives
for files; a server table has none, and the report says so instead."""

from __future__ import annotations

import errno
import glob
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..diagnostics import printable
from ..link import Catalog
from .check import MAX_FINDINGS_PER_EVENT, MAX_GROUPS, MAX_NAMES, MAX_SHOWN, Checker, expected_events
from .pii import pii_kind
from .read import GZIP_MAGIC, MAX_LINE_BYTES, TOO_LONG, FileStats, read_lines
from .remote import S3Access, hide_passwords, table_function
from .report import EXAMPLES, FileSummary, Finding, Report, Seen
from .sql import catalog_digest, check_query, file_source, lit

NO_PLACE = "(no line numbers in a table)"
KIND_ORDER = ("missing-required", "unknown-field", "type-mismatch", "not-allowed", "side", "pii")
_REMOTE = re.compile(r"^(s3|https?|gs)://", re.IGNORECASE)
_GLOB = re.compile(r"[*?{[]")


class EngineError(Exception):
    """The engine cannot run: not installed, or the source cannot be read. Its message is one line;
    `detail` is ClickHouse's whole message (it names the file it was reading)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail or message


@dataclass
class Source:
    """Where the lines come from: the SELECT giving (f, n, line), and the names of the files."""
    select: str
    names: list[str]
    gzip: list[bool]
    places: bool = True  # whether n holds line numbers
    parts: list[str] = field(default_factory=list)  # per file, its SELECT (select joins them)
    paths: list[str] = field(default_factory=list)  # per file, the absolute path of a local file, else ""

    def fed(self, index: int, fifo: str) -> Source:
        """This source with file `index` read, as plain text, from the named pipe `fifo`."""
        parts = list(self.parts)
        parts[index] = file_source([fifo], [False]).replace("toUInt32(0)", f"toUInt32({index})")
        return replace(self, select=" UNION ALL ".join(parts), parts=parts)


def local_or_remote(specs: list[str], cluster: str | None = None, access: S3Access | None = None) -> Source:
    """Each FILE, GLOB or URL as a ClickHouse table function. Local files are told gzip or not by
    their magic bytes, as the Python engine does; URLs by their suffix, as ClickHouse does. With
    `cluster`, S3 URLs are read by s3Cluster: every node of the cluster reads some of the files."""
    selects: list[str] = []
    names: list[str] = []
    packed: list[bool] = []
    paths: list[str] = []
    expanded = []
    for spec in specs:
        if os.path.isfile(spec):  # a file whose name holds '[' or '*' is that file
            expanded.append(spec)
        elif _GLOB.search(spec) and "{" not in spec and not _REMOTE.match(spec):
            # a local glob is expanded here, so each file is told gzip or not and named as given
            matches = sorted(glob.glob(spec))
            if not matches:
                raise EngineError(f"{spec}: no file matches")
            expanded += matches
        elif "{" in spec and not _REMOTE.match(spec):
            # ClickHouse reads a pattern that matches nothing as no lines: a typo would pass
            stands_for = _braces(spec)
            if len(stands_for) < _MAX_PATHS and not any(glob.glob(path) for path in stands_for):
                raise EngineError(f"{spec}: no file matches")
            expanded.append(spec)
        else:
            expanded.append(spec)
    for spec in expanded:
        index = len(selects)
        if _REMOTE.match(spec):  # which function, and how it reaches S3: remote.py
            select = (f"SELECT toUInt32({index}) AS f, toUInt64(_row_number + 1) AS n, line, _path AS p "
                      f"FROM {table_function(spec, access, cluster)}")
            selects.append(select)
            names.append(spec)
            packed.append(spec.endswith(".gz"))
            paths.append("")
        elif _GLOB.search(spec) and not os.path.isfile(spec):
            selects.append(f"SELECT toUInt32({index}) AS f, toUInt64(_row_number + 1) AS n, line, _path AS p "
                           f"FROM file({lit(os.path.abspath(spec))}, 'LineAsString', 'line String')")
            names.append(spec)
            packed.append(spec.endswith(".gz"))
            paths.append("")
        else:
            # as ClickHouse names the file in its errors: absolute, '.' and '..' worked out
            absolute = os.path.abspath(spec)
            with open(absolute, "rb") as handle:
                is_gzip = handle.read(2) == GZIP_MAGIC
            selects.append(file_source([absolute], [is_gzip]).replace("toUInt32(0)", f"toUInt32({index})"))
            names.append(spec)
            packed.append(is_gzip)
            paths.append(absolute)
    return Source(" UNION ALL ".join(selects), names, packed, parts=selects, paths=paths)


_BRACE = re.compile(r"\{([^{}]*)\}")
_RANGE = re.compile(r"^(\d+)\.\.(\d+)$")
_MAX_PATHS = 10_000  # a pattern standing for more is not looked at here: ClickHouse reads it


def _braces(pattern: str, limit: int = _MAX_PATHS) -> list[str]:
    """The paths a ClickHouse pattern's {a,b} and {N..M} (zeros kept: {01..31}) stand for, as
    globs (* and ? are left for glob.glob); at most about `limit` of them."""
    match = _BRACE.search(pattern)
    if not match:
        return [pattern]
    body = match[1]
    numbers = _RANGE.match(body)
    if numbers:
        low, high = sorted((int(numbers[1]), int(numbers[2])))
        width = len(numbers[1]) if numbers[1].startswith("0") else 0
        choices = [str(n).zfill(width) for n in range(low, min(high, low + limit) + 1)]
    else:
        choices = body.split(",")
    head, tail = pattern[:match.start()], pattern[match.end():]
    paths: list[str] = []
    for choice in choices:
        paths += _braces(head + choice + tail, limit)
        if len(paths) >= limit:
            break
    return paths


def table_source(table: str, column: str) -> Source:
    """A server table with the raw record in a String column (Aspects keeps the tracking log's JSON
    in `message`). It has no line numbers: places are not given."""
    ident = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
    if not ident.match(table) or not ident.match(column):
        raise EngineError(f"'{table}' / '{column}': a table is NAME or DATABASE.NAME, a column NAME")
    return Source(f"SELECT toUInt32(0) AS f, toUInt64(0) AS n, toString({column}) AS line, '' AS p FROM {table}",
                  [table], [False], places=False)


def query_for(catalog: Catalog, source: Source, max_line_bytes: int = MAX_LINE_BYTES) -> str:
    return check_query(catalog, source.select, max_line_bytes)


# --- running ---------------------------------------------------------------------------------

def run_chdb(sql: str, session: Any = None) -> list[dict[str, Any]]:
    """The rows of the query, run in chDB (in `session`, a chdb.session.Session, when given)."""
    try:
        import chdb
    except ImportError:
        raise EngineError("the ClickHouse engine needs chDB: pip install 'eventcat[clickhouse]'") from None
    try:
        result = (session or chdb).query(sql, "JSONEachRow")
    except Exception as error:  # chDB raises its own error type for any failed query
        raise EngineError(_short(str(error)), str(error)) from None
    text = result.bytes().decode("utf-8", "replace")  # a gzip file read as text is not UTF-8
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_server(sql: str, url: str) -> list[dict[str, Any]]:
    try:
        import clickhouse_connect
    except ImportError:
        raise EngineError("--clickhouse needs clickhouse-connect: pip install 'eventcat[clickhouse]'") from None
    # clickhouse-connect logs a warning of its own before it raises: the error we print says it all
    quiet = logging.getLogger("clickhouse_connect")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL + 1)
    try:
        client = clickhouse_connect.get_client(dsn=url)
        result = client.query(sql)
    except Exception as error:  # connection and query errors of every kind: said, not raised
        reason = _os_reason(error)
        if reason:  # the server was never reached: which one, and why, not the HTTP stack's layers
            raise EngineError(f"{_without_password(url)}: cannot connect ({reason})") from None
        said = _server_said(str(error))
        raise EngineError(f"{_without_password(url)}: {said}" if said else _short(str(error))) from None
    finally:
        quiet.setLevel(level)
    return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]


# the server's own words in clickhouse-connect's 'Received ClickHouse exception, code: N, server
# response: Code: N. DB::Exception: WHAT. In scope SELECT ... (NAME) (for url ...)'
_SERVER_SAID = re.compile(r"DB::Exception: (.+?)\.? \(([A-Z_]+)\)", re.DOTALL)
_SERVER_ASIDE = re.compile(r"\.? (?:Maybe you meant|In scope)\b")  # a guess (naming our aliases), the query
_SERVER_HINTS = {
    "AUTHENTICATION_FAILED": "check the user and password in the URL",
    "REQUIRED_PASSWORD": "check the user and password in the URL",
    "UNKNOWN_TABLE": "check --table", "UNKNOWN_DATABASE": "check --table",
    "UNKNOWN_IDENTIFIER": "check --column, the column that holds each record",
    "CLUSTER_DOESNT_EXIST": "SELECT DISTINCT cluster FROM system.clusters lists the server's clusters",
    "ACCESS_DENIED": "the user needs the grants the guide lists",
}


def _server_said(message: str) -> str:
    """A server's refusal as 'WHAT (NAME: what to check)', without the query it quotes; "" when
    the message is not one."""
    found = _SERVER_SAID.search(message)
    if not found:
        return ""
    what, name = " ".join(_SERVER_ASIDE.split(found[1])[0].split())[:300], found[2]
    hint = _SERVER_HINTS.get(name)
    return f"{what} ({name}: {hint})" if hint else f"{what} ({name})"


def _os_reason(error: BaseException) -> str:
    """The operating system's words for why a connection failed ('Connection refused'), found
    among the errors the HTTP client wrapped it in; "" when no such error is among them."""
    todo: list[BaseException | None] = [error]
    seen: list[BaseException] = []
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        if isinstance(item, OSError) and item.strerror:
            return item.strerror
        if isinstance(item, TimeoutError):
            return "timed out"
        reason = getattr(item, "reason", None)
        todo += [reason if isinstance(reason, BaseException) else None, item.__cause__, item.__context__]
    return ""


def _without_password(url: str) -> str:
    """A URL as an error may show it: a password written into it is not repeated."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")))


def _short(message: str) -> str:
    """The first line of a ClickHouse error, without its stack trace."""
    first = message.strip().splitlines()[0] if message.strip() else "the query failed"
    return first[:500]


# --- assembling the report -------------------------------------------------------------------

def _places(row: dict[str, Any], source: Source, limit: int = EXAMPLES) -> list[str]:
    if not source.places:
        return [NO_PLACE] if limit else []
    return [_place(place, source) for place in row["places"][:limit]]


def _place(place: Any, source: Source) -> str:
    """'file:line'; a glob or URL names the file ClickHouse read (`_path`)."""
    f, path, n = (place["1"], place["2"], place["3"]) if isinstance(place, dict) else place
    name = source.names[int(f)]
    if path.startswith("/") and name.lower().startswith(("http://", "https://")):
        # url() gives the path alone: two web servers' /day.log would be one place
        parts = urlsplit(_without_password(name))
        path = f"{parts.scheme}://{parts.netloc}{path}"
    return f"{printable(path or name)}:{int(n)}"


def _first_place(row: dict[str, Any]) -> tuple[int, int]:
    places = row["places"]
    if not places:
        return (0, 0)
    p = places[0]
    return (int(p["1"]), int(p["3"])) if isinstance(p, dict) else (int(p[0]), int(p[2]))


def _merge_seen(table: dict[str, Seen], name: str, row: dict[str, Any], source: Source) -> None:
    seen = table.get(name)
    if seen is None:
        seen = table[name] = Seen()
    seen.count += int(row["records"])
    side = row.get("side")
    if side is not None and (side in seen.sides or len(seen.sides) < 8):
        seen.sides[side] = seen.sides.get(side, 0) + int(row["records"])
    seen.where = _merge_places(seen.where, _places(row, source), source)
    if row.get("first_at") is not None and row["first_time"]:
        key = str(row["first_at"])
        if not seen.first or key < getattr(seen, "_first_at", "~"):
            seen.first = row["first_time"]
            seen._first_at = key  # type: ignore[attr-defined]
    if row.get("last_at") is not None and row["last_time"]:
        key = str(row["last_at"])
        if not seen.last or key > getattr(seen, "_last_at", ""):
            seen.last = row["last_time"]
            seen._last_at = key  # type: ignore[attr-defined]


def _place_key(place: str, source: Source) -> tuple[int, str, int]:
    path, _, line = place.rpartition(":")
    names = [printable(n) for n in source.names]
    if path in names:
        return (names.index(path), "", int(line))
    return (len(source.names), path, int(line) if line.isdigit() else 0)


def _merge_places(a: list[str], b: list[str], source: Source, limit: int = EXAMPLES) -> list[str]:
    if not source.places:
        return a or b
    return sorted(dict.fromkeys([*a, *b]), key=lambda p: _place_key(p, source))[:limit]


class _Collector(Checker):
    """The Python checker on one record standing for a group of records of the same structure: what
    it finds becomes rows like the query's, with the group's count, times and places. The limits
    on distinct names and findings are left to assemble, which applies them over all rows."""

    def __init__(self, catalog: Catalog):
        super().__init__(catalog)
        self.place = lambda file_index, line: ""  # type: ignore[assignment]  # the group's own
        self.facts: list[dict[str, Any]] = []
        self.whole = False  # checking a record as it is: its personal-looking values too
        self.sections = {id(self.report.events): "event", id(self.report.undocumented): "undocumented",
                         id(self.report.implicit): "implicit", id(self.report.calls): "call"}

    def _seen(self, table: dict, name: str, side: str | None, time: Any, file_index: int, line: int) -> None:
        cut = None if side is None else side if len(side) <= MAX_SHOWN else side[:MAX_SHOWN] + "…"
        self.facts.append({"section": self.sections[id(table)], "a": name, "side": cut})

    def _add(self, kind: str, event: str, field: str, part: str, detail: str, file_index: int, line: int) -> None:
        if kind == "pii" and not self.whole:
            return  # a value, not the structure: the query looks at every record's values for it
        self.facts.append({"section": "finding", "a": kind, "b": event, "c": field, "d": part, "e": detail,
                           "ready": True})

    def malformed(self, file_index: int, line: int, reason: str) -> None:
        self.facts.append({"section": "malformed", "a": reason, "b": str(file_index)})

    def rows(self, group: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of one group: its sample checked, each finding given the group's numbers. A
        'whole' group is of equal lines, which the query could not judge; its sample is checked whole."""
        self.whole = group["section"] == "whole"
        self.facts, self.report.shapes, self.report.unnamed, self.report.unnamed_where = [], {}, 0, []
        file_index = int(group["a"])
        self.consume([(file_index, 0, group["sample"].encode("utf-8"))])
        if self.report.unnamed:
            self.facts.insert(0, {"section": "unnamed"})
        for shape in self.report.shapes:
            self.facts.insert(0, {"section": "shape", "a": shape, "b": str(file_index)})
        shared = {k: group[k] for k in ("records", "first_time", "first_at", "last_time", "last_at", "places")}
        return [{"a": "", "b": "", "c": "", "d": "", "e": "", "side": None, **fact, **shared} for fact in self.facts]


def expand_groups(rows: list[dict[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
    """The query's rows with each group of same-structure records replaced by its findings."""
    collector = _Collector(catalog)
    out = []
    for row in rows:
        if row["section"] in ("group", "whole"):
            out += collector.rows(row)
        else:
            out.append(row)
    return out


def assemble(rows: list[dict[str, Any]], catalog: Catalog, source: Source, catalog_name: str = "",
             made: str = "") -> Report:
    rows = expand_groups(rows, catalog)
    expected = expected_events(catalog)
    report = Report(made=made, catalog=printable(catalog_name), documented=len(expected), expected=expected)
    files = [FileSummary(printable(name), 0, 0, gz) for name, gz in zip(source.names, source.gzip, strict=True)]
    findings: dict[tuple, Finding] = {}
    # first appearance decides which names the limits keep, as in the Python engine
    rows.sort(key=_first_place)

    def add(key: tuple, row: dict[str, Any]) -> None:
        finding = findings.get(key)
        if finding is None:
            finding = findings[key] = Finding(*key)
        finding.count += int(row["records"])
        finding.where = _merge_places(finding.where, _places(row, source), source)

    per_event: dict[str, set] = {}
    for row in rows:
        section, a, b, c, d, e = (row[k] for k in ("section", "a", "b", "c", "d", "e"))
        count = int(row["records"])
        ready = "section" in row and row.get("ready", False)
        if row.get("side") is not None:  # text from the log: shown as the Python engine shows it
            row["side"] = printable(row["side"])
        if section == "shape":
            report.shapes[a] = report.shapes.get(a, 0) + count
            report.records += count
            files[int(b)].lines += count
        elif section in ("blank", "comment"):
            summary = files[int(a)]
            summary.lines += count
            if section == "blank":
                summary.blank += count
            else:
                summary.comments += count
        elif section == "malformed":
            report.malformed += count
            if source.places:
                for place in row["places"]:
                    report.malformed_examples.append({"where": _place(place, source), "reason": a})
            else:
                report.malformed_examples.append({"where": NO_PLACE, "reason": a})
            files[int(b)].lines += count
        elif section == "unnamed":
            report.unnamed += count
            report.unnamed_where = _merge_places(report.unnamed_where, _places(row, source), source)
        elif section == "event":
            _merge_seen(report.events, a, row, source)
        elif section == "undocumented":
            a = printable(a)
            if a not in report.undocumented and len(report.undocumented) >= MAX_NAMES:
                report.undocumented_overflow += count
            else:
                _merge_seen(report.undocumented, a, row, source)
        elif section == "implicit":
            a = printable(a)
            group = a if a in report.implicit or len(report.implicit) < MAX_GROUPS else "(other paths)"
            _merge_seen(report.implicit, group, row, source)
        elif section == "call":
            _merge_seen(report.calls, a, row, source)
        elif section in ("finding", "pii?"):
            if section == "pii?":
                kind = pii_kind(d)
                if kind is None:
                    continue
                key = ("pii", a, printable(b), c, f"looks like {kind}")
            elif ready:  # found by the Python checker (a group's sample): as it is
                key = (a, b, c, d, e)
            elif a == "side?":
                key = ("side", b, "", "", f"event_source {printable(e)!r}; the catalog lists "
                       f"{', '.join(sorted(catalog.lookup[b].sides))}")
            else:
                key = (a, b, printable(c), d, e)
            fields = per_event.setdefault(key[1], set())
            if key not in findings and len(fields) >= MAX_FINDINGS_PER_EVENT:
                key = (key[0], key[1], "(more fields)", key[3], "")
            fields.add(key)
            add(key, row)
    if source.places:
        report.malformed_examples.sort(key=lambda m: _place_key(m["where"], source))
        report.malformed_examples = report.malformed_examples[:20]
    else:
        reasons = {m["reason"] for m in report.malformed_examples}
        report.malformed_examples = [{"where": NO_PLACE, "reason": r} for r in sorted(reasons)][:20]
    report.files = files
    report.expected = expected_events(catalog, report.shapes)
    report.documented = len(report.expected)
    report.findings = sorted(findings.values(), key=lambda f: (
        f.event.lower(), KIND_ORDER.index(f.kind), f.part, f.field, f.detail))
    return report


ROW_SECTIONS = ("group", "whole", "blank", "comment", "malformed", "pii?")
ROW_KEYS = ("section", "a", "b", "c", "d", "e", "records", "first_time", "first_at", "last_time", "last_at",
            "places", "sample", "catalog")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The saved result of the query `logs sql` prints, as JSON Lines (ClickHouse's JSONEachRow:
    `clickhouse-client --format JSONEachRow`, a scheduled job or a dbt model exported so), checked
    row by row: a file that is not one is said at its first wrong line."""
    rows = []
    try:  # the rows are few: one per structure, not per record
        lines = path.read_bytes().splitlines()
    except OSError as error:
        raise EngineError(f"{path}: {error.strerror or error}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:  # not UTF-8, or not JSON
            raise EngineError(f"{path}:{number}: not JSON ({error}; save the query's result as "
                              "JSONEachRow)") from None
        missing = [key for key in ROW_KEYS if not isinstance(row, dict) or key not in row]
        if missing or row["section"] not in ROW_SECTIONS:
            why = f"no {', '.join(missing)}" if missing else f"section {row['section']!r}"
            raise EngineError(f"{path}:{number}: not a row of the query `eventcat logs sql` prints "
                              f"({why}; print the query again for this version of eventcat)")
        rows.append(row)
    return rows


def report_from_rows(catalog: Catalog, rows_path: Path, specs: list[str], catalog_name: str = "",
                     made: str = "", table: str | None = None, column: str = "message",
                     cluster: str | None = None, access: S3Access | None = None) -> Report:
    """The report from a saved result of the query, for the same FILEs or --table it was printed
    for (they name the files its places point into); nothing is read but the rows."""
    rows = read_rows(rows_path)
    made_by = {row["catalog"] for row in rows} - {catalog_digest(catalog)}
    if made_by:  # the sample records would be checked against other definitions than the query's
        raise EngineError(f"{rows_path}: the rows come from a query printed for another catalog or eventcat "
                          "version (print it again with `eventcat logs sql` and run it again)")
    source = table_source(table, column) if table else local_or_remote(specs, cluster, access)
    return assemble(rows, catalog, source, catalog_name, made)


def check_clickhouse(catalog: Catalog, specs: list[str], catalog_name: str = "", made: str = "",
                     server: str | None = None, table: str | None = None, column: str = "message",
                     cluster: str | None = None, access: S3Access | None = None,
                     max_line_bytes: int = MAX_LINE_BYTES) -> Report:
    """The report of the ClickHouse engine: chDB over FILE|GLOB|URL specs; or on a server, over a
    table or over URLs (on a cluster with s3Cluster). A line longer than `max_line_bytes` is
    malformed, as in the Python engine."""
    source = table_source(table, column) if table else local_or_remote(specs, cluster, access)
    feeds: dict[int, _Feed] = {}
    with tempfile.TemporaryDirectory(prefix="eventcat-") as folder:
        while True:
            sql = query_for(catalog, source, max_line_bytes)
            try:
                with _feeding(feeds.values()):
                    rows = run_server(sql, server) if server else run_chdb(sql)
                break
            except EngineError as error:
                index = None if server else _unreadable_gzip(error, source, feeds)
                if index is not None:
                    # ClickHouse stops at a damaged gzip file (ZLIB_INFLATE_FAILED). The Python
                    # engine reports how far it got and goes on: so do we, that file's lines
                    # given to ClickHouse by the Python reader through a named pipe
                    fifo = os.path.join(folder, f"{index}.log")
                    os.mkfifo(fifo, 0o600)
                    feeds[index] = _Feed(Path(source.paths[index]), fifo, max_line_bytes)
                    source = source.fed(index, fifo)
                    continue
                remote = [_without_password(name) for name in source.names if _REMOTE.match(name)]
                said = _source_error(error.detail, remote)
                if said:
                    raise EngineError(said) from None
                if server or not remote or "POCO_EXCEPTION" not in str(error):
                    raise EngineError(hide_passwords(str(error))) from None
                # a network failure names no address: say which sources were being read, and why
                # in the network's words, as for a server that cannot be reached
                reason = _POCO.search(str(error))
                said = f"cannot connect ({reason[1]})" if reason else hide_passwords(str(error))
                raise EngineError(f"{', '.join(remote)}: {said}") from None
    report = assemble(rows, catalog, source, catalog_name, made)
    for index in sorted(feeds):  # as check.Checker.finish: the file's summary and one malformed line
        stat = feeds[index].stat
        if stat.truncated:
            report.files[index].truncated = printable(stat.truncated)
            report.malformed += 1
            if len(report.malformed_examples) < 20:
                report.malformed_examples.append({"where": f"{printable(source.names[index])}:{stat.lines + 1}",
                                                  "reason": stat.truncated})
    return report


_NO_MATCH = re.compile(r"Can not match any files with path (.+?)(?:: While|\. \(|$)")
_DNS = re.compile(r"Not found address of host: ([^\s:]+)")
_POCO = re.compile(r"DB::Exception: (.+?)\.? \(POCO_EXCEPTION\)")
_HTTP_STATUS = re.compile(r"HTTP (?:status|response) code: (\d{3})\b")  # not 18446744073709551615 (none)
# S3 over a connection that failed: "Poco::Exception. Code: 1000, e.code() = 111, Connection refused (version"
_S3_POCO = re.compile(r"Poco::Exception\. Code: 1000, e\.code\(\) = \d+, (.+?)(?: \(version |$)", re.MULTILINE)
_S3_OBJECT = re.compile(r"while reading '(.*?)' in bucket '(.*?)'")
_URI = re.compile(r"\(in file/uri (.*?)\)(?:: |$)", re.MULTILINE)
_HINTS = {401: "access denied: check the credentials", 403: "access denied: check the credentials or keys",
          404: "nothing at that address"}


def _source_error(detail: str, remote: list[str]) -> str:
    """ClickHouse's message about a source it could not read, as one line of ours: which source,
    the HTTP status and what it means ("URL: HTTP 404 Not Found (nothing at that address)"), or a
    gzip stream it could not inflate; "" for any other error."""
    pattern = _NO_MATCH.search(detail)
    if pattern and remote:  # ClickHouse names the key pattern only: the URL that ends with it
        return f"{', '.join([r for r in remote if r.endswith(pattern[1])] or remote)}: no file matches"
    match = _S3_OBJECT.search(detail)
    uri = _URI.search(detail)
    local = False
    if match:
        where = f"s3://{match[2]}/{match[1]}"
    elif uri and _REMOTE.match(uri[1]):
        where = _without_password(uri[1])
    elif uri and uri[1].startswith("/"):  # a local file of a pattern ClickHouse expanded
        where, local = uri[1], True
    elif uri and remote:  # an object store names the object BUCKET/KEY
        schemes = {name.split("://")[0].lower() for name in remote}
        where = f"{schemes.pop()}://{uri[1]}" if schemes in ({"s3"}, {"gs"}) else f"{', '.join(remote)} ({uri[1]})"
    else:
        where = ", ".join(remote)
    if not where:
        return ""
    host = _DNS.search(detail)
    if (host or "(DNS_ERROR)" in detail) and not local:
        why = f"no address found for {host[1]}" if host else "its host name did not resolve"
        return f"{where}: cannot connect ({why})"
    refused = _S3_POCO.search(detail)
    if refused and not local:
        return f"{where}: cannot connect ({refused[1].rstrip('.')})"
    status = _HTTP_STATUS.search(detail)
    if status and not local:
        code = int(status[1])
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        hint = _HINTS.get(code, "")
        return f"{where}: HTTP {code} {phrase}" + (f" ({hint})" if hint else "")
    if "ZLIB_INFLATE_FAILED" in detail and (uri or match):
        # a local FILE is read up to the damage (_Feed); a remote one would have to be fetched whole
        what = "give it as a FILE of its own" if local else "download it and check the copy"
        return (f"{where}: not readable as gzip, damaged or cut short ({what}: the lines before the damage "
                "are read then)")
    return ""


def _unreadable_gzip(error: EngineError, source: Source, feeds: dict[int, _Feed]) -> int | None:
    """The index of the local gzip file that ClickHouse's error names, if one does (and it is not
    read through a pipe already)."""
    named = [i for i, path in enumerate(source.paths) if path and source.gzip[i] and i not in feeds
             and (f"(in file/uri {path})" in error.detail or f"While reading from: {path}:" in error.detail)]
    return max(named, key=lambda i: len(source.paths[i])) if named else None


class _Feed:
    """A local file's lines, as the Python engine reads them (read.read_lines: a gzip file cut
    short ends where its last whole line ends, and says why in `stat.truncated`), written to a
    named pipe that ClickHouse reads as plain text. Line numbers are kept: a blank line is written
    blank, a line past the maximum as a line past it."""

    def __init__(self, path: Path, fifo: str, max_line_bytes: int = MAX_LINE_BYTES):
        self.path, self.fifo, self.max_line_bytes = path, fifo, max_line_bytes
        self.stat = FileStats(str(path))
        self.failed: Exception | None = None
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def _write(self) -> None:
        fd = None
        while fd is None:  # wait for the reader; give up when the query ends without opening it
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO or self.stop.wait(0.01):
                    return
        os.set_blocking(fd, True)
        try:
            with open(fd, "wb", buffering=1 << 20) as out:
                stats: list[FileStats] = []
                number = 0
                for _, line_number, line in read_lines([self.path], stats, None, self.max_line_bytes):
                    out.write(b"\n" * (line_number - number - 1))  # the blank lines in between
                    out.write(b"x" * (self.max_line_bytes + 1) if line is TOO_LONG else line)
                    out.write(b"\n")
                    number = line_number
                out.write(b"\n" * (stats[0].lines - number))
                self.stat = stats[0]
        except BrokenPipeError:  # the query stopped reading (it failed elsewhere)
            pass
        except OSError as error:
            self.failed = error

    def start(self) -> None:
        self.stop.clear()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def end(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        if self.failed is not None:
            raise EngineError(f"{self.path}: {self.failed}")


@contextmanager
def _feeding(feeds: Iterable[_Feed]) -> Iterator[None]:
    """Every feed writing while the query runs."""
    started = list(feeds)
    for feed in started:
        feed.start()
    try:
        yield
    finally:
        for feed in started:
            feed.end()
