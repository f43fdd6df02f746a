"""Strict JSON for log text: orjson for speed, the standard parser for what orjson refuses, and
nothing that cannot travel on: NaN, Infinity, numbers past a double, nesting past the recursion
limit and bytes that are not UTF-8 make a line malformed, never an exception."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

fast_loads: Callable[[str | bytes], Any]
try:  # orjson parses a tracking-log line in a third of json.loads' time (see bench/logs.py)
    from orjson import loads as fast_loads
except ImportError:  # pragma: no cover - orjson is a dependency, but the check works without it
    fast_loads = json.loads


class BadLine(ValueError):
    """A line that holds no usable JSON value; its message says why, for the report."""


def _no_constant(name: str) -> Any:
    raise BadLine(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BadLine(f"a number too large for a double ({text[:40]})")
    return value


def slow_loads(text: bytes | str, whole_line: bool = False) -> Any:
    """The standard parser, for the rare line the fast one refuses: it accepts what orjson does
    not (integers past 64 bits, lone surrogates in escapes). It refuses what no JSON producer
    writes and no report could carry: NaN, Infinity, numbers past a double, and nesting deeper
    than the interpreter's recursion limit (orjson stops at 1,024). Raises BadLine."""
    try:
        if isinstance(text, bytes):  # as UTF-8 only: json.loads would take UTF-16 and UTF-32 too
            text = text.decode("utf-8")
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except BadLine:
        raise
    except UnicodeDecodeError:
        raise BadLine("not UTF-8 text") from None
    except RecursionError:
        raise BadLine("nested too deep (more than about 1,000 levels)") from None
    except ValueError as error:  # json.JSONDecodeError, or an integer of more than 4,300 digits
        if not whole_line:
            raise BadLine("no JSON object on the line") from None
        if isinstance(error, json.JSONDecodeError):
            # not the parser's words ("Expecting ',' delimiter"): the ClickHouse engine cannot give
            # them, and both engines' reports are the same; the place says where to look
            raise BadLine("not valid JSON") from None
        raise BadLine(f"not valid JSON ({str(error.args[0]).split(':')[0]})") from None


def loads_text(text: str | bytes) -> Any:
    """JSON inside a record (a browser event's payload is JSON text): the value, or BadLine."""
    try:
        return fast_loads(text)
    except (ValueError, RecursionError):
        return slow_loads(text, True)
