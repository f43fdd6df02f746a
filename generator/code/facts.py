"""What the language readers take out of one source file, in one shape for Python and JavaScript:
the module's constants and imports, its functions, and the calls that may emit events.

An event name is kept as a `Value`: a concatenation of parts, each a literal string, a reference
to a module-level name (`Ref`), a parameter of the enclosing function (`Param`) or something that
cannot be known statically (`Hole`). Resolving references and parameters happens later, across
the whole scanned tree (resolve.py), once every module's constants and wrappers are known."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ref:
    """A name from module scope as written: `X`, `Class.X`, `module.X`, `self.X`, `this.X`."""
    name: str


@dataclass(frozen=True)
class Param:
    """A parameter of the function the expression sits in."""
    name: str


@dataclass(frozen=True)
class Hole:
    """A part that cannot be known from the source: its text, shortened, for the report."""
    text: str


Part = str | Ref | Param | Hole
Value = tuple[Part, ...]  # a concatenation; () never occurs

MAX_ALTERNATIVES = 8  # names one expression may stand for (`'a' if x else 'b'`, reassigned locals)
HOLE_TEXT = 60


def hole(text: str) -> Value:
    text = " ".join(text.split())
    return (Hole(text if len(text) <= HOLE_TEXT else text[:HOLE_TEXT - 1] + "…"),)


def concat(left: list[Value], right: list[Value]) -> list[Value]:
    """Every combination of two lists of alternatives, joined; at most MAX_ALTERNATIVES."""
    out: list[Value] = []
    for a in left:
        for b in right:
            joined: list[Part] = list(a)
            for part in b:
                if isinstance(part, str) and joined and isinstance(joined[-1], str):
                    joined[-1] = joined[-1] + part
                else:
                    joined.append(part)
            out.append(tuple(joined))
            if len(out) >= MAX_ALTERNATIVES:
                return out
    return out


@dataclass(frozen=True)
class Payload:
    """The keys of a payload written as a literal dict or object. `complete` is False when the
    literal also spreads another mapping in (`**extra`, `...extra`) or the payload is not a literal
    at all; `param` names the enclosing function's parameter when the payload is one."""
    keys: tuple[str, ...] = ()
    complete: bool = False
    param: str = ""
    known: bool = False  # a literal (possibly with spreads) was seen


NO_PAYLOAD = Payload()


@dataclass(frozen=True)
class Arg:
    names: tuple[Value, ...]  # the alternatives the argument stands for, as a name
    payload: Payload  # the argument read as a payload


@dataclass
class Site:
    """A call that may emit: to a known API (`api` set) or to a function that may be a wrapper."""
    line: int
    column: int
    callee: str  # dotted, as written: "tracker.emit", "self.log", "utils.publish_event"
    api: str  # the API it calls directly, or ""
    args: tuple[Arg, ...]
    kwargs: dict[str, Arg]
    function: str = ""  # the enclosing function or method ("Class.method"), or "" at module level
    cls: str = ""  # the enclosing class, or ""


@dataclass
class Function:
    """A function or method: its parameters as callers pass them (`self`/`cls` left out)."""
    name: str  # "f" or "Class.m"
    params: tuple[str, ...]
    line: int
    cls: str = ""


@dataclass
class Module:
    path: str  # as shown in the report (relative to the base folder, '/' separated)
    language: str  # "python" or "javascript"
    key: str  # the module's import name: "a.b.c" for Python, "src/a/b" for JavaScript
    constants: dict[str, list[Value]] = field(default_factory=dict)  # "X", "Class.X", "OBJ.KEY"
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # local → (module, name or "")
    functions: dict[str, Function] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    default_export: str = ""  # JavaScript: the local name `export default` gives
    error: str = ""  # "line:col: why" when the file could not be parsed
