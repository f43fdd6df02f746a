"""The log check as one ClickHouse query, generated from the catalog.

The query reads raw lines (a file, a glob, an S3 or HTTP URL, or a server table's String column),
works out each record's shape, name, side, time and payload the way records.py does, and turns
every record into a few "facts" (a tuple of strings: the section of the report, its keys, the side).
One GROUP BY over the facts gives every count, the first and last time and the first places;
clickhouse.py assembles the Report from those rows.

Every record takes the grouped way: a record's findings, apart from personal-looking values,
follow from its structure (name, shape, side, the keys and JSON types of every object the checks
look into, the form of each number, the values that have an allowed list, whether its datetimes
parse), so the record becomes one fact, ('group', file, a hash of that structure), and the group
keeps one sample record, which clickhouse.py checks once with the Python checker. Only a record's
personal-data candidates are looked at one by one in SQL ('pii?' facts), where the catalog scans
for them. A record holding an integer past 64 bits, which ClickHouse reads as a string, goes to the
Python checker whole ('whole', a hash of its text).

The catalog travels in the query as JSON string literals read into two small tables joined in
(events, and per event and record shape the field checks and the tree of declared keys): a string
literal is one token for ClickHouse's parser, where the same rows as SQL tuples took it 2.4 s to
analyse for the shipped catalog.

Two things are left to Python, on the grouped rows only (never per record): the personal-data
detectors (look-behind, an IPv6 parse and the Luhn sum have no exact ClickHouse form, so the query
keeps the distinct string values that a looser regular expression matches, and pii.pii_kind decides),
and the limits on distinct names (check.MAX_NAMES and friends)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..link import Catalog
from .check import MAX_SHOWN, Part, build_lookup, compile_expectation, too_long_reason
from .records import (
    _SEGMENT_CHANNEL_SIDES,
    _SEGMENT_LIBRARY_SIDES,
    PROCESSED,
    SEGMENT,
    SEGMENT_CALLS,
    SEGMENT_KEYS,
    TRACKING,
)

SHAPES = (TRACKING, PROCESSED, SEGMENT)
# ClickHouse maps a local file into memory by default: every page of the log it has read then
# counts in the process's memory, so the engine's peak grew with the log (1.4 GB at 236 MB of log,
# 2.8 GB at 1.4 GB). Plain reads keep it flat, and were faster here too (bench/logs.py).
READ_METHOD = "storage_file_read_method = 'pread'"
# ClickHouse retries an HTTP source 10 times with growing pauses: a host that refuses took 2 min 13 s
# to report. Three tries, a second apart at most, still ride out a blip (1.4 s for a dead host).
# S3 is tried 500 times (s3_retry_attempts): an endpoint that refuses ran for minutes; 5 take ~1.4 s.
HTTP_RETRIES = "http_max_tries = 3, http_retry_max_backoff_ms = 1000, s3_retry_attempts = 5"
# An S3 pattern that matches no object reads as an empty log by default: a mistyped bucket path
# would pass as a clean check of nothing. A local pattern that matches nothing is an error too.
ZERO_FILES = "s3_throw_on_zero_files_match = 1"
PLACES = 20  # first places kept per fact: the report keeps 3, malformed examples 20
MAX_LINE_BYTES = 4 << 20  # as read.py: a longer line is malformed

# check.implicit_group's id test
ID_LIKE = r"(?i)^[\d_.-]+$|[:+@=]|\d{4,}|^[0-9a-f]{12,}$"
# ISO 8601 as datetime.fromisoformat (Python 3.11) reads it, at least 10 characters long
ISO_DATETIME = (r"^\d{4}-\d{2}-\d{2}(?:.\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d{1,9})?)?)?"
                r"(?:Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?)?$")


def lit(value: str) -> str:
    """A ClickHouse string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _arr(values: list[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def _shown(expr: str) -> str:
    return (f"if(lengthUTF8({expr}) <= {MAX_SHOWN}, {expr}, "
            f"concat(substringUTF8({expr}, 1, {MAX_SHOWN}), '…'))")


# --- the catalog as constants ------------------------------------------------------------------

@dataclass
class Tables:
    names: list[str]  # every name, alias and wire name ...
    targets: list[int]  # ... and the 1-based index of its event
    events: list[str]  # event names, by index
    payload: list[int]  # per event: index into parts (its payload part)
    envelope: list[list[int]]  # per event, per shape: index into parts, 0 for none
    parts: list[Part]


def tables(catalog: Catalog) -> Tables:
    lookup = build_lookup(catalog)
    entries = sorted({id(e): e for e in lookup.values()}.values(), key=lambda e: e.name)
    index = {e.name: i + 1 for i, e in enumerate(entries)}
    parts: list[Part] = []
    keys: dict[str, int] = {}

    def part_index(part: Part | None) -> int:
        if part is None:
            return 0
        key = repr(part)
        if key not in keys:
            parts.append(part)
            keys[key] = len(parts)
        return keys[key]

    payload, envelope = [], []
    for entry in entries:
        compiled = [compile_expectation(entry, catalog, shape) for shape in SHAPES]
        payload.append(part_index(compiled[0].payload))
        envelope.append([part_index(c.envelope) for c in compiled])
    names = sorted(lookup)
    return Tables(
        names=names, targets=[index[lookup[n].name] for n in names], events=[e.name for e in entries],
        payload=payload, envelope=envelope, parts=parts)


CHECK_TYPE = ("Array(Tuple(String, Array(String), String, UInt8, String, UInt8, Array(String), "
              "Array(Float64), String, UInt8))")


def _checks_rows(part: Part) -> list[list[object]]:
    """Per check: head, rest, name, required, type, has_allowed, allowed strings, allowed numbers,
    not-allowed detail, scan (CHECK_TYPE)."""
    rows: list[list[object]] = []
    for c in part.checks:
        allowed = c.allowed or frozenset()
        strings = sorted(v for v in allowed if isinstance(v, str))
        numbers = sorted(float(v) for v in allowed if isinstance(v, (int, float)))
        detail = f"a value outside {', '.join(sorted(map(str, allowed)))}" if c.allowed is not None else ""
        rows.append([c.head, list(c.rest), c.name, int(c.required), c.type, int(c.allowed is not None),
                     strings, numbers, detail, int(c.scan)])
    return rows


def _nodes_rows(part: Part) -> list[list[list[str]]]:
    """Per object the tree looks into, the root first: its path and its declared children."""
    rows: list[list[list[str]]] = []

    def walk(tree: dict, path: list[str]) -> None:
        rows.append([path, sorted(tree)])
        for key, child in sorted(tree.items()):
            if isinstance(child, dict):
                walk(child, [*path, key])
    walk(part.tree, [])
    return rows


def _json_table(columns: list[tuple[str, str]], rows: list[list[object]]) -> str:
    """A constant table as a SELECT over one JSON string literal."""
    types = ", ".join(kind for _, kind in columns)
    names = ", ".join(f"row.{i + 1} AS {name}" for i, (name, _) in enumerate(columns))
    return f"SELECT {names} FROM (SELECT arrayJoin(JSONExtract({json_literal(rows)}, 'Array(Tuple({types}))')) AS row)"


# --- the structural fingerprint ----------------------------------------------------------------
#
# Most of a record's findings (missing, unknown and mistyped fields, sides, shapes) depend only on
# its structure: its name, shape and side, the keys of every object the catalog looks into and the
# JSON type of each value. Records are grouped by that structure (plus the few values that matter:
# values with an allowed list, whether a datetime parses, the form of each number) and
# clickhouse.py checks one record of each group with the Python checker. A string that could be
# personal data is a value, not structure: such values are listed record by record (_part_pii).

# pii.py's detectors in RE2, a superset of what they find: look-arounds become a consumed boundary
# character, \d any Unicode digit (as Python's \d is); a value matching none cannot be personal data.
_D = r"\p{Nd}"
PII_SUPERSET = "|".join([
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    rf"(?:^|[^\w.])(?:(?:25[0-5]|2[0-4]{_D}|1?{_D}?{_D})\.){{3}}(?:25[0-5]|2[0-4]{_D}|1?{_D}?{_D})(?:$|[^\w.])",
    r"::|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}",
    rf"(?:^|[^\w+])(?:\+{_D}[{_D} .-]{{7,16}}{_D}|\(?{_D}{{3}}\)?[ .-]{_D}{{3}}[ .-]{_D}{{4}})(?:$|\W)",
    rf"(?:^|[^\w-]){_D}(?:[ -]?{_D}){{12,18}}(?:$|[^\w-])",
])
# NUMBERS: ClickHouse's JSON reader gives a float back as it reads it (1.0 as 1, 1e3 as 1000) and an
# integer past 64 bits as a string; Python keeps 1.0 a float and any integer an integer. So when a
# line holds a value written as a float (or an integer of 19 digits or more), the fingerprint also
# takes every number value in the text, in order, as its key and its form ('key:i' or 'key:f'): two
# records of one structure share these only if their numbers are written alike. A line with none
# (WRITTEN_APART finds none: most lines) takes no list, which no line with one can give. A record
# with an integer of 19 digits or more ('key:L') goes to Python whole. Array elements are left out
# (no check looks at their types), and so are numbers in a string that holds JSON other than the
# payload, unless written as a key and its value; such a string could only split a group.
WRITTEN_APART = (r":\s*-?\d+(?:\.\d+)?[eE][-+]?\d+\s*[,}\]]|:\s*-?\d+\.\d+\s*[,}\]]"
                 r"|:\s*-?\d{19,}\s*[,}\]]")
KEYED_NUMBER = r'\\?"((?:[^"\\]|\\[^"])*)\\?"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*[,}\]]'


@dataclass
class Node:
    """The union, over the catalog's parts, of one object the checks look into."""
    children: dict[str, Node]
    allowed: set[str]  # keys whose value matters (an allowed list): the value is in the fingerprint
    datetime: set[str]  # keys declared datetime: whether the value parses is in the fingerprint
    quiet: set[str] | None  # keys no part scans for personal data (None: not yet intersected)


def _node() -> Node:
    return Node({}, set(), set(), None)


def _add_part(root: Node, part: Part) -> None:
    checks = {(c.head, *c.rest): c for c in part.checks}

    def walk(node: Node, tree: dict, path: tuple[str, ...]) -> None:
        quiet = set()
        for key, child in tree.items():
            check = checks.get((*path, key))
            if check is None or not check.scan:
                quiet.add(key)
            if check is not None and check.allowed is not None:
                node.allowed.add(key)
            if check is not None and check.type == "datetime":
                node.datetime.add(key)
            if isinstance(child, dict):
                walk(node.children.setdefault(key, _node()), child, (*path, key))
        node.quiet = quiet if node.quiet is None else node.quiet & quiet
    walk(root, part.tree, ())


def structure_nodes(t: Tables) -> tuple[list[Node], Node]:
    """The envelope's union per record shape, and the payload's."""
    envelopes = [_node() for _ in SHAPES]
    payload = _node()
    for p_ix, e_ixs in zip(t.payload, t.envelope, strict=True):
        _add_part(payload, t.parts[p_ix - 1])
        for shape_ix, e_ix in enumerate(e_ixs):
            if e_ix:
                _add_part(envelopes[shape_ix], t.parts[e_ix - 1])
    return envelopes, payload


def _types(raws: str) -> str:
    """The JSON types of an array of raw values, a letter each, the empty string told apart (it is
    'no value'). Every number is 'N': whether it is an integer or a float is in the number forms."""
    return (f"translate(arrayStringConcat(arrayMap(v -> if(v = '\"\"', 'e', substring(v, 1, 1)), {raws})), "
            "'-0123456789tfn', 'NNNNNNNNNNNbbz')")


def _fingerprint(values: str) -> str:
    """A 64-bit hash of a record's structure, as hex. Two structures share one with odds of about
    n²/2⁶⁵ for n structures in a run (3 in 10¹⁰ for 100,000). sipHash128 over the nested arrays was
    a fifth of the query's CPU time; xxh3 takes a twentieth."""
    return f"hex(xxh3({values}))"


def _valid_datetime(text: str) -> str:
    return (f"(match({text}, {lit(ISO_DATETIME)}) "
            f"AND parseDateTime64BestEffortOrNull({text}, 6, 'UTC') IS NOT NULL)")


@dataclass
class Skeleton:
    """The fingerprint's SQL: columns made one nesting level at a time (each level a subquery, so an
    object's keys are parsed once), and what goes into the hash and into the text scanned for
    personal data. Lambdas here only look at their own element: one that captured a column, or
    that parsed an element, would do so for every element of every record."""
    levels: list[list[str]]  # per level, "expression AS column" for the objects found at it
    parts: list[str]  # expressions hashed into the fingerprint
    scans: list[str]  # expressions giving (key, raw string value) pairs a check might scan


def skeleton(root_kv: str, nodes: list[Node], shape_column: str | None, name: str) -> Skeleton:
    """The fingerprint of the object parsed into `root_kv`, one Node per record shape (the shape's
    1-based index in `shape_column`) or a single Node for every shape."""
    sk = Skeleton([], [], [])

    def union(found: list[Node | None]) -> Node:
        node = _node()
        for n in found:
            if n is not None:
                node.allowed |= n.allowed
                node.datetime |= n.datetime
                for key in n.children:
                    node.children.setdefault(key, _node())
        return node

    def walk(kv: str, found: list[Node | None], depth: int) -> None:
        node = union(found)
        # keys and types as an array and a string: a lambda per element costs, kv.1 does not
        sk.parts.append(f"{kv}.1")
        sk.parts.append(_types(f"{kv}.2"))
        if node.allowed:
            sk.parts.append(f"arrayFilter(x -> has({_arr(sorted(node.allowed))}, x.1), {kv})")
        if node.datetime:
            value = "JSONExtractString(x.2)"
            sk.parts.append(f"arrayMap(x -> (x.1, {_valid_datetime(value)}), arrayFilter(x -> has("
                            f"{_arr(sorted(node.datetime))}, x.1) AND startsWith(x.2, '\"') AND x.2 != '\"\"', {kv}))")
        strings = "startsWith(v, '\"') AND v != '\"\"'"
        filters = []
        for n in found:  # per shape: the raw strings under keys that some check of that shape scans
            if n is None:
                filters.append("CAST([] AS Array(String))")
            else:
                quiet = sorted(n.quiet or ())
                keep = f"{strings} AND NOT has({_arr(quiet)}, k)" if quiet else strings
                filters.append(f"arrayFilter((v, k) -> {keep}, {kv}.2, {kv}.1)")
        if len(filters) == 1:
            sk.scans.append(filters[0])
        else:
            sk.scans.append("multiIf(" + ", ".join(f"{shape_column} = {i + 1}, {f}" for i, f in enumerate(filters[:-1]))
                            + f", {filters[-1]})")
        for key in sorted(node.children):
            column = f"{name}_{len(sk.parts)}"
            # the last of a repeated key, as Python's dict keeps it ('' when there is none)
            raw = f"{kv}.2[length({kv}) + 1 - indexOf(arrayReverse({kv}.1), {lit(key)})]"
            while len(sk.levels) <= depth:
                sk.levels.append([])
            sk.levels[depth].append(f"if(startsWith({raw}, '{{'), JSONExtractKeysAndValuesRaw({raw}), "
                                    f"CAST([] AS Array(Tuple(String, String)))) AS {column}")
            walk(column, [None if n is None else n.children.get(key) for n in found], depth + 1)

    walk(root_kv, list(nodes), 0)
    return sk


# --- the query ----------------------------------------------------------------------------------

def _jtype(raw: str) -> str:
    """The JSON type of a raw value, in check.json_type's words."""
    return (f"multiIf(startsWith({raw}, '\"'), 'string', startsWith({raw}, '{{'), 'object', "
            f"startsWith({raw}, '['), 'array', {raw} IN ('true', 'false'), 'boolean', "
            f"{raw} = 'null', 'null', match({raw}, '^-?[0-9]+$'), 'integer', 'number')")


def _at(obj_kv: str, key: str) -> str:
    """The raw value of a key of a parsed object, '' when it has none."""
    return f"{obj_kv}[indexOf(arrayMap(x -> x.1, {obj_kv}), {key})].2"


def _fold(start: str, keys: str) -> str:
    """Follow `keys` down from the raw value `start`; '' where a step is not an object."""
    return f"arrayFold((acc, k) -> if(startsWith(acc, '{{'), JSONExtractRaw(acc, k), ''), {keys}, {start})"


def _part_pii(obj_kv: str, checks: str, nodes: str, event: str, part_name: str) -> str:
    """The personal-looking values of one part (envelope or payload) of a record, as 'pii?' facts,
    where check._fields and check._unknown would look for them: a declared string field that is
    scanned (and within its allowed list, if it has one), and any non-empty string under a key the
    catalog does not declare. Everything else about a record follows from its structure."""
    values = f"arrayMap(c -> {_fold(_at(obj_kv, 'c.1'), 'c.2')}, {checks})"
    text = "JSONExtractString(v)"
    field_facts = (
        f"arrayMap((c, v) -> if(c.10 = 1 AND startsWith(v, '\"') AND v != '\"\"' "
        f"AND (c.6 = 0 OR has(c.7, {text})) AND match({text}, {lit(PII_SUPERSET)}), "
        f"('pii?', {event}, c.3, {lit(part_name)}, {text}, ''), ('', '', '', '', '', '')), {checks}, {values})")
    # unknown keys: every object the tree looks into, its keys that the tree does not declare
    node_kv = (f"if(empty(n.1), {obj_kv}, JSONExtractKeysAndValuesRaw("
               f"{_fold(_at(obj_kv, 'n.1[1]'), 'arrayPopFront(n.1)')}))")
    unknown = (f"arrayFlatten(arrayMap(n -> arrayMap(x -> (concat(arrayStringConcat(n.1, '.'), "
               f"if(empty(n.1), '', '.'), x.1), x.2), arrayFilter(x -> NOT has(n.2, x.1) "
               f"AND startsWith(x.2, '\"') AND x.2 != '\"\"', {node_kv})), {nodes}))")
    unknown_facts = (
        f"arrayMap(u -> if(match(JSONExtractString(u.2), {lit(PII_SUPERSET)}), ('pii?', {event}, "
        f"{_shown('u.1')}, {lit(part_name)}, JSONExtractString(u.2), ''), ('', '', '', '', '', '')), {unknown})")
    return f"arrayConcat({field_facts}, {unknown_facts})"


def check_query(catalog: Catalog, source: str, max_line_bytes: int = MAX_LINE_BYTES) -> str:
    """The whole check as one SELECT over `source`, a query giving the columns `f` (the index of
    the FILE argument), `p` (the file's path where one argument reads several, else ''), `n` (line
    number, 0 when unknown) and `line` (the raw line)."""
    t = tables(catalog)
    envelopes, payload_node = structure_nodes(t)
    calls = _arr(list(SEGMENT_CALLS))
    libs = sorted(_SEGMENT_LIBRARY_SIDES)
    chans = sorted(_SEGMENT_CHANNEL_SIDES)
    lib_sides = _arr([_SEGMENT_LIBRARY_SIDES[k] for k in libs])
    chan_sides = _arr([_SEGMENT_CHANNEL_SIDES[k] for k in chans])
    consts = f"""
    JSONExtract({json_literal(t.names)}, 'Array(String)') AS NAMES,
    JSONExtract({json_literal(t.targets)}, 'Array(UInt32)') AS TARGETS,
    0 AS NOTHING"""
    # The catalog's events and parts are small tables joined to the records: an element of a big
    # constant array picked per row would copy the whole array into every row of a block. Each
    # travels as one JSON string literal: ClickHouse reads a string literal as one token, where the
    # same rows written as SQL tuples took it 2.4 s to parse and analyse for the shipped catalog.
    events_table = _json_table(
        [("ev", "UInt32"), ("ev_name", "String"), ("p_ix", "UInt32"), ("e_ixs", "Array(UInt32)")],
        [[i + 1, name, pix, eixs] for i, (name, pix, eixs) in enumerate(zip(
            t.events, t.payload, t.envelope, strict=True))])
    part_rows = _part_rows(t)
    parts_table = _json_table(
        [("ix", "UInt32"), ("checks", CHECK_TYPE), ("nodes", "Array(Tuple(Array(String), Array(String)))")],
        [[i + 1, *rows] for i, rows in enumerate(part_rows)])
    digest = catalog_digest(catalog, t, part_rows)

    def raw(key: str) -> str:
        return f"kv[indexOf(keys, {lit(key)})].2"

    def strv(r: str) -> str:
        return f"if(startsWith({r}, '\"'), JSONExtractString({r}), '')"

    def nstr(r: str) -> str:
        return (f"if(startsWith({r}, '\"'), toNullable(JSONExtractString({r})), "
                "CAST(NULL AS Nullable(String)))")

    def decoded(r: str) -> str:
        s = f"JSONExtractString({r})"
        return (f"if(startsWith({r}, '\"'), if({s} = '', '{{}}', if((startsWith({s}, '{{') OR "
                f"startsWith({s}, '[')) AND isValidJSON({s}), {s}, {r})), if({r} = '', '{{}}', {r}))")

    def lookup(x: str) -> str:
        return f"transform({x}, NAMES, TARGETS, toUInt32(0))"

    empty_kv = "CAST([] AS Array(Tuple(String, String)))"
    null_str = "CAST(NULL AS Nullable(String))"
    # Each layer is a subquery, so that a later layer reads a column rather than re-expanding the
    # expression behind an alias (ClickHouse's analyser expands aliases before it dedupes them).
    layer1 = f"""SELECT f, p, n, length(line) > {max_line_bytes} AS too_long,
        trim(TRAILING '\\r\\n' FROM line) AS l0
      FROM ({source})"""
    layer2 = f"""SELECT f, p, n, multiIf(too_long, 'toolong', match(l0, '^[ \\t\\n\\r\\x0b\\x0c]*$'), 'blank',
                startsWith(l0, '#'), 'comment', 'line') AS kind,
        multiIf(startsWith(l0, '{{'), l0, position(l0, ' - {{') > 0, substring(l0, position(l0, ' - {{') + 3),
                position(l0, '{{') > 0, substring(l0, position(l0, '{{')), l0) AS text0,
        NOT startsWith(l0, '{{') AND position(l0, '{{') = 0 AS nojson
      FROM ({layer1})"""
    # The object's keys and values first: the JSON parser checks the whole line (UTF-8 included),
    # so a record that has keys is valid and only a line without any is looked at again for why.
    keyed = f"""SELECT f, p, n, kind, nojson, text0,
        if(kind = 'line', JSONExtractKeysAndValuesRaw(text0), {empty_kv}) AS kv0,
        empty(kv0) AND kind = 'line' AND position(text0, '\\\\u') > 0 AND match(text0, {lit(SURROGATE_ESCAPE)}) AS lone
      FROM ({layer2})"""
    # A lone surrogate escape ("\ud800": JavaScript writes one for a string cut inside an emoji) is
    # JSON to Python, not to ClickHouse: such a line has each one written as the text Python's
    # report shows for it (printable: \ud800), so that ClickHouse reads the line as a record too.
    repaired = f"""SELECT f, p, n, kind, nojson, kv0, lone,
        if(lone, {_lone_surrogates_as_text('text0')}, text0) AS text
      FROM ({keyed})"""
    layer3 = f"""SELECT f, p, n, kind, nojson, text,
        if(lone, JSONExtractKeysAndValuesRaw(text), kv0) AS kv,
        multiIf(kind = 'toolong', {lit(too_long_reason(max_line_bytes))},
                kind != 'line', kind, notEmpty(kv), '', NOT isValidUTF8(text), 'not UTF-8 text',
                NOT isValidJSON(text), {_invalid_json_reason('text', 'nojson')},
                JSONType(text) != 'Object', concat('a JSON ', multiIf(JSONType(text) = 'Array', 'array',
                  JSONType(text) = 'String', 'string', JSONType(text) = 'Bool', 'boolean',
                  JSONType(text) = 'Double', 'number', JSONType(text) = 'Null', 'null', 'integer'), ', not an object'),
                '') AS bad
      FROM ({repaired})"""
    layer4 = f"""SELECT f, p, n, bad, kv, keys, text,
        {strv(raw('type'))} AS seg_type,
        multiIf(has(keys, 'event_type') OR has(keys, 'event_source'), {lit(TRACKING)},
                has(keys, 'messageId') OR (seg_type IN {calls}
                    AND hasAny(keys, {_arr(list(SEGMENT_KEYS))})), {lit(SEGMENT)},
                has(keys, 'event'), {lit(TRACKING)},
                has(keys, 'data') OR has(keys, 'timestamp'), {lit(PROCESSED)}, {lit(TRACKING)}) AS shape,
        {strv(raw('name'))} AS name_v,
        {strv(raw('event_type'))} AS event_type_v,
        {strv(raw('event'))} AS event_v,
        {nstr(raw('event_source'))} AS source_v,
        {raw('context')} AS context_raw,
        {strv(raw('channel'))} AS chan,
        {nstr(raw('time'))} AS time_v,
        {nstr(raw('timestamp'))} AS timestamp_v,
        {decoded(raw('event'))} AS event_payload,
        {decoded(raw('data'))} AS data_payload,
        if({raw('properties')} = '', '{{}}', {raw('properties')}) AS properties_payload
      FROM (SELECT f, p, n, bad, kv, text, arrayMap(x -> x.1, kv) AS keys FROM ({layer3}))"""
    layer5 = f"""SELECT f, p, n, bad, kv, shape, event_type_v, text,
        indexOf({_arr(list(SHAPES))}, shape) AS shape_ix,
        if(shape = {lit(SEGMENT)} AND seg_type IN {calls} AND seg_type != 'track', seg_type, '') AS call,
        multiIf(shape = {lit(TRACKING)}, [name_v, if(event_type_v = name_v, '', event_type_v)],
                shape = {lit(PROCESSED)}, [name_v, ''],
                call = '', [event_v, ''], ['', '']) AS names2,
        shape = {lit(TRACKING)} AND name_v = '' AND startsWith(event_type_v, '/') AS implicit,
        JSONExtractString(context_raw, 'library', 'name') AS lib,
        {strv("JSONExtractRaw(context_raw, 'event_source')")} AS ctx_source,
        multiIf(shape = {lit(TRACKING)}, source_v,
                shape = {lit(PROCESSED)},
                  if(startsWith(context_raw, '{{') AND ctx_source != '', toNullable(ctx_source), {null_str}),
                lib IN {_arr(libs)}, toNullable(transform(lib, {_arr(libs)}, {lib_sides}, '')),
                chan IN {_arr(chans)}, toNullable(transform(chan, {_arr(chans)}, {chan_sides}, '')),
                {null_str}) AS side,
        if(shape = {lit(TRACKING)}, time_v, timestamp_v) AS t_str,
        multiIf(shape = {lit(TRACKING)}, event_payload, shape = {lit(PROCESSED)}, data_payload,
                properties_payload) AS payload
      FROM ({layer4})"""
    layer6 = f"""SELECT f, p, n, bad, kv, shape, shape_ix, call, implicit, t_str, event_type_v, text,
        arrayFilter(x -> x != '', names2) AS names,
        side,
        if(empty(names), toUInt32(0), if({lookup('names[1]')} != 0, {lookup('names[1]')}, {lookup('names2[2]')})) AS ev,
        {_jtype('payload')} AS payload_type, payload
      FROM ({layer5})"""
    layer7 = f"""SELECT f, p, n, bad, kv, shape, shape_ix, call, implicit, t_str, event_type_v, names,
        side, text,
        r.ev AS ev, c.ev_name AS ev_name, payload_type,
        if(payload_type = 'object' AND r.ev != 0, JSONExtractKeysAndValuesRaw(payload), {empty_kv}) AS pkv,
        c.p_ix AS p_ix, arrayElement(c.e_ixs, shape_ix) AS e_ix
      FROM ({layer6}) AS r LEFT JOIN ({events_table}) AS c ON r.ev = c.ev"""
    # one subquery per step: a later step reads a column instead of re-expanding an alias
    numbers = f"""SELECT r.*, bad = '' AS fast,
        if(fast AND match(text, {lit(WRITTEN_APART)}), arrayMap(g -> concat(g[1], ':', multiIf(
            length(g[2]) >= 19 AND NOT match(g[2], '[.eE]'), 'L',
            position(g[2], '.') > 0 OR position(g[2], 'e') > 0 OR position(g[2], 'E') > 0, 'f', 'i')),
          extractAllGroupsVertical(text, {lit(KEYED_NUMBER)})), []) AS number_forms,
        arrayExists(x -> endsWith(x, ':L'), number_forms) AS whole
      FROM ({layer7}) AS r"""
    nested = numbers
    env = skeleton("kv", envelopes, "shape_ix", "e")
    pay = skeleton("pkv", [payload_node], None, "q")
    for depth in range(max(len(env.levels), len(pay.levels))):
        columns = [*(env.levels[depth] if depth < len(env.levels) else []),
                   *(pay.levels[depth] if depth < len(pay.levels) else [])]
        nested = f"SELECT r.*, {', '.join(columns)} FROM ({nested}) AS r"
    scanned = f"""SELECT r.*, arrayStringConcat(arrayConcat({', '.join(env.scans + pay.scans)}),
        '\\n') AS scan_text FROM ({nested}) AS r"""
    # (no column may be called `structure`: s3() and url() take an argument of that name)
    structure = f"""SELECT r.*,
        ev != 0 AND NOT whole
          AND (position(scan_text, '\\\\') > 0 OR match(scan_text, {lit(PII_SUPERSET)})) AS candidate,
        multiIf(whole, hex(sipHash128(text)),
          fast, {_fingerprint(f"f, shape, ev, call, implicit, if(implicit, {_shown(implicit_group_sql())}, ''), "
                              "if(implicit, [], names), isNull(side), ifNull(side, ''), payload_type, number_forms, "
                              + ", ".join(env.parts + pay.parts))}, '') AS fingerprint
      FROM ({scanned}) AS r"""
    # what the per-record path needs, and no more: a grouped record's objects are not carried on
    joined = f"""SELECT f, p, n, bad, shape_ix, t_str, text, ev_name, payload_type, e_ix, fast, whole,
        candidate, fingerprint, fast AND NOT whole AND NOT candidate AS grouped,
        if(candidate, e_ix, 0) AS e_join, if(candidate, p_ix, 0) AS p_join,
        if(candidate, kv, {empty_kv}) AS kv_r, if(candidate, pkv, {empty_kv}) AS pkv_r
      FROM ({structure})"""
    layer8 = f"""SELECT r.*, pe.checks AS e_checks, pe.nodes AS e_nodes, pp.checks AS p_checks, pp.nodes AS p_nodes
      FROM ({joined}) AS r LEFT JOIN ({parts_table}) AS pe ON r.e_join = pe.ix
      LEFT JOIN ({parts_table}) AS pp ON r.p_join = pp.ix"""
    # a record is one of: grouped by its structure (its sample checked by Python); grouped, with its
    # personal-looking values listed one by one; whole (checked by Python as it is, with every line
    # equal to it); or not a record at all (blank, comment, malformed)
    record = f"""SELECT f, p, n, t_str, text, parseDateTime64BestEffortOrNull(t_str, 6, 'UTC') AS t_at,
      multiIf(grouped, [('group', toString(f), fingerprint, '', '', '')],
              whole, [('whole', toString(f), fingerprint, '', '', '')],
              bad = 'blank', [('blank', toString(f), '', '', '', '')],
              bad = 'comment', [('comment', toString(f), '', '', '', '')],
              bad != '', [('malformed', bad, toString(f), '', '', '')],
              arrayConcat([('group', toString(f), fingerprint, '', '', '')],
                if(e_ix = 0, [], {_part_pii('kv_r', 'e_checks', 'e_nodes', 'ev_name', 'envelope')}),
                if(payload_type = 'object', {_part_pii('pkv_r', 'p_checks', 'p_nodes', 'ev_name', 'payload')}, [])))
        AS facts_all
      FROM ({layer8})"""
    return f"""WITH {consts}
SELECT fact.1 AS section, fact.2 AS a, fact.3 AS b, fact.4 AS c, fact.5 AS d, fact.6 AS e,
  CAST(NULL AS Nullable(String)) AS side,  -- the sections with a side come from the samples, in Python
  count() AS records,
  argMin(t_str, ifNull(t_at, toDateTime64('2299-12-31 00:00:00', 6, 'UTC'))) AS first_time,
  min(t_at) AS first_at,
  argMax(t_str, ifNull(t_at, toDateTime64('1900-01-01 00:00:00', 6, 'UTC'))) AS last_time,
  max(t_at) AS last_at,
  groupArraySorted({PLACES})((f, p, n)) AS places,
  anyIf(text, fact.1 IN ('group', 'whole')) AS sample,
  {lit(digest)} AS catalog  -- which catalog and query made the rows: logs check --rows compares
FROM ({record})
ARRAY JOIN arrayFilter(x -> x.1 != '', facts_all) AS fact
GROUP BY section, a, b, c, d, e
SETTINGS max_query_size = 0, max_expanded_ast_elements = 100000000, max_ast_elements = 10000000,
  max_ast_depth = 10000, query_plan_merge_expressions = 0, {READ_METHOD}, {HTTP_RETRIES},
  {ZERO_FILES}"""


# parse.slow_loads' reasons for JSON that Python's parser reads and refuses (NaN, Infinity, a float
# past a double, nesting past ~1,000 levels), told from other invalid JSON: a value after '[', ':'
# or ',' (or first on the line), in the order they come
_ODD_VALUE = r"(?:^|[\[:,])\s*(-Infinity|Infinity|NaN|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
_ODD_REPAIR = r"((?:^|[\[:,])\s*)(?:-Infinity|Infinity|NaN|-?[0-9]+(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+))"
MAX_DEPTH = 1024  # orjson's limit; parse.slow_loads refuses what is deeper


def _invalid_json_reason(text: str, nojson: str) -> str:
    """Why `text`, which is not valid JSON for ClickHouse, is malformed, in parse.py's words."""
    depth = f"arrayMax(arrayCumSum(arrayMap(c -> if(c IN ('{{', '['), 1, -1), extractAll({text}, '[\\[\\]{{}}]'))))"
    odd = (f"arrayFirst(x -> x IN ('NaN', 'Infinity', '-Infinity') OR (match(x, '[.eE]') "
           f"AND isInfinite(toFloat64OrZero(x))), extractAll({text}, {lit(_ODD_VALUE)}))")
    return (f"multiIf({depth} > {MAX_DEPTH}, 'nested too deep (more than about 1,000 levels)', "
            f"isValidJSON(replaceRegexpAll({text}, {lit(_ODD_REPAIR)}, '\\1 0')) AND {odd} != '', "
            f"if({odd} IN ('NaN', 'Infinity', '-Infinity'), concat({odd}, ' is not a JSON number'), "
            f"concat('a number too large for a double (', substring({odd}, 1, 40), ')')), "
            f"{nojson}, 'no JSON object on the line', 'not valid JSON')")


SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}"  # regular expressions, as Python raw strings
_TOKEN = SURROGATE_ESCAPE + r"|\\.|[^\\]+"  # a surrogate escape, another escape, or a run of neither
_HIGH, _LOW = r"^\\u[dD][89abAB]", r"^\\u[dD][c-fC-F]"


def _lone_surrogates_as_text(text: str) -> str:
    """`text` with each escape of a lone surrogate (one not in a high-low pair) escaped once more,
    in lower case, so that it reads as the six characters of the escape."""
    tokens = f"extractAll({text}, {lit(_TOKEN)})"
    lone = (f"(match(x, {lit(_HIGH)}) AND NOT match(after, {lit(_LOW)})) "
            f"OR (match(x, {lit(_LOW)}) AND NOT match(before, {lit(_HIGH)}))")
    return (f"arrayStringConcat(arrayMap((x, before, after) -> if({lone}, concat({lit(chr(92))}, lower(x)), x), "
            f"{tokens}, arrayPushFront(arrayPopBack({tokens}), ''), arrayPushBack(arrayPopFront({tokens}), '')))")


def _part_rows(t: Tables) -> list[list[Any]]:
    """Per part of the catalog's tables, its checks and its tree of declared keys, as the query's
    table of parts holds them."""
    return [[_checks_rows(part), _nodes_rows(part)] for part in t.parts]


def catalog_digest(catalog: Catalog, t: Tables | None = None, part_rows: list[list[Any]] | None = None) -> str:
    """What the query knows of the catalog, and the query's own version, in 16 hex digits: rows
    saved from one query are read back only with the catalog (and eventcat) that made them."""
    from .. import __version__
    t = t or tables(catalog)
    known = json.dumps([__version__, t.names, t.targets, t.events, t.payload, t.envelope,
                        part_rows if part_rows is not None else _part_rows(t)], sort_keys=True)
    return hashlib.sha256(known.encode("utf-8")).hexdigest()[:16]


def implicit_group_sql() -> str:
    """check.implicit_group in SQL, over the record's event_type."""
    path = "splitByChar('?', event_type_v)[1]"
    parts = f"arrayFilter(p -> p != '', splitByChar('/', {path}))"
    shown_parts = (f"arrayMap(p -> if(match(p, {lit(ID_LIKE)}) OR lengthUTF8(p) > 40, '{{id}}', p), "
                   f"arraySlice({parts}, 1, 3))")
    tail = (f"if(length({parts}) > 3, '/…', if(length({parts}) > 0 AND endsWith({path}, '/'), '/', ''))")
    return f"concat('/', arrayStringConcat({shown_parts}, '/'), {tail})"


def file_source(paths: list[str], gzip: list[bool]) -> str:
    """Local files, each with its index and its line numbers."""
    parts = [f"SELECT toUInt32({i}) AS f, '' AS p, toUInt64(_row_number + 1) AS n, line FROM file({lit(p)}, "
             f"'LineAsString', 'line String', {lit('gzip' if z else 'none')})"
             for i, (p, z) in enumerate(zip(paths, gzip, strict=True))]
    return " UNION ALL ".join(parts)


def json_literal(value: object) -> str:
    return lit(json.dumps(value))
