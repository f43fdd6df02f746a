"""YAML that eventcat writes for people to edit or for other tools to read (`new` scaffolds,
`logs infer` drafts, the Segment whitelist, `init` files): every value goes through PyYAML's
emitter, never through string formatting, and every comment stays on its line.

Files that mix comments with values are laid out line by line here, so each value is emitted on
its own: `key: {scalar(value)}`. A string is always double-quoted, with width unlimited, so the
emitter escapes every line break (LF, CR, NEL, U+2028/U+2029) and control character and no value
can spill onto a second line, start a key, or end the document. A comment is made one line with
`printable`, so text from a catalog or a log cannot end the comment and start YAML.

    from eventcat.yamltext import comment, scalar
    text = comment(f"Drafted from {name}") + f"name: {scalar(name)}\\n"
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from .diagnostics import printable

# the pure-Python emitter: it takes an unlimited width (the C one wants an int), and files made
# here are small
_Dumper = yaml.SafeDumper
_SURROGATE = re.compile("[\ud800-\udfff]")


def scalar(value: Any) -> str:
    """One YAML scalar (or a flow list or mapping of them) on one line: strings double-quoted,
    numbers, booleans and null plain. NaN and infinities are refused: no catalog value holds one,
    and YAML and JSON disagree on how to write them."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a value a catalog file can hold")
    style = None
    if isinstance(value, str):
        style = '"'
        # a lone surrogate (from bytes that were not UTF-8) has no YAML form libyaml reads back
        value = _SURROGATE.sub("\ufffd", value)
    text = yaml.dump(value, Dumper=_Dumper, default_style=style, default_flow_style=True,
                     allow_unicode=True, width=float("inf"), explicit_end=False)
    text = text.removesuffix("\n...\n").removesuffix("\n")
    if "\n" in text:  # cannot happen with the options above; a guard, not a code path
        raise ValueError("a YAML value that does not fit on one line")
    return text


def comment(text: str, indent: str = "") -> str:
    """`# text` as one line (with its end): line breaks and control characters in the text are
    shown as escapes, so the comment cannot end early."""
    return f"{indent}# {printable(text)}\n" if text else f"{indent}#\n"


def document(data: Any) -> str:
    """A whole YAML document through the emitter, keys in the order given."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=float("inf"), default_flow_style=False)
