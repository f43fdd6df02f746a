"""Stage 1: read a catalog folder into raw documents, keeping where every key and value stands.

PyYAML's C parser builds the node tree fast; we then turn nodes into plain Python data ourselves so
that we can record positions, refuse duplicate keys (PyYAML would silently keep the last one) and
refuse anchors and aliases (an alias bomb expands exponentially once the data is walked).
"""

from __future__ import annotations

import gc
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .diagnostics import CatalogError, CheckId, Diagnostic
from .model import SECTIONS

CONFIG_FILE = "catalog.yaml"
MAX_FILE_BYTES = 1_000_000  # a definition is a few KB; anything this large is a mistake
MAX_DEPTH = 20  # the model nests at most five levels; leave room for example values
MAX_ALIASES_SHOWN = 5  # an alias bomb has thousands; the first few say enough
PLACEHOLDER = "TODO"  # what `eventcat new` writes where the author still has to

def is_placeholder(value: Any) -> bool:
    """A value `eventcat new` left for the author to write."""
    return isinstance(value, str) and value.lstrip().startswith(PLACEHOLDER)


Position = tuple[int, int]  # 1-based line and column
Loc = tuple[Any, ...]  # a path into the document: keys and list indexes


@dataclass
class RawDocument:
    path: str  # as shown in messages: relative to the working directory when inside it
    section: str  # "events", "tools", ... or "config"
    data: Any
    catalog_path: str = ""  # relative to the catalog folder, as shown on the site
    root: yaml.Node | None = field(default=None, repr=False)  # the parsed nodes, for positions
    placeholders: list[Loc] = field(default_factory=list)  # TODO values `eventcat new` left

    def position(self, loc: Loc, key: bool = False) -> Position:
        """Where the value at `loc` starts (or its key, with `key`); where part of `loc` is
        missing from the file, where the nearest mapping or list that exists starts."""
        node, key_node = self.root, None
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == part:
                        key_node, child = k, v
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                key_node, child = None, node.value[part]
            if child is None:
                break
            node = child
        else:
            if key and key_node is not None:
                node = key_node
        if node is None:
            return (1, 1)
        return node.start_mark.line + 1, node.start_mark.column + 1


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, as a person would type it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def discover(catalog_dir: Path) -> list[tuple[Path, str]]:
    """Every definition file and the section it belongs to, in a stable order."""
    found: list[tuple[Path, str]] = []
    config = catalog_dir / CONFIG_FILE
    if config.is_file():
        found.append((config, "config"))
    for section in SECTIONS:
        folder = catalog_dir / section
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                    found.append((Path(dirpath) / name, section))
    return found


@dataclass(frozen=True)
class Unreadable:
    """A file that could not be read: later stages must not call its names unknown."""

    path: Path
    section: str


def load_catalog(catalog_dir: Path) -> tuple[list[RawDocument], list[Unreadable], list[Diagnostic]]:
    """Read and parse every file: the documents, the files that failed, and why they failed."""
    catalog_dir = Path(catalog_dir)
    if not catalog_dir.is_dir():
        raise CatalogError([Diagnostic(display_path(catalog_dir), 0, 0, "no-catalog",
                                       "catalog folder not found",
                                       "give --catalog DIR, set `catalog` in eventcat.toml, "
                                       "or start a project with `eventcat init`")])
    documents, failed, problems = [], [], []
    for path, section in discover(catalog_dir):
        try:
            documents.append(load_file(path, section, catalog_dir))
        except CatalogError as error:
            failed.append(Unreadable(path, section))
            problems.extend(error.diagnostics)
    return documents, failed, problems


def load_file(path: Path, section: str, catalog_dir: Path | None = None) -> RawDocument:
    shown = display_path(path)
    in_catalog = path.relative_to(catalog_dir).as_posix() if catalog_dir else path.name

    def fail(line: int, column: int, rule: CheckId, message: str, hint: str = "") -> CatalogError:
        return CatalogError([Diagnostic(shown, line, column, rule, message, hint)])

    if path.is_symlink() or not path.is_file():
        raise fail(0, 0, "not-a-file", "not a regular file", "definitions must be plain files, not links")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise fail(0, 0, "file-too-large", f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})",
                   "one definition per file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise fail(line, column, "not-utf8", "file is not valid UTF-8", "save it as UTF-8") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise fail(line, 1, "not-utf8", "file contains a NUL character", "is it a binary file?")
    document = RawDocument(shown, section, None, catalog_path=in_catalog)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise CatalogError([_syntax_error(shown, error, text)]) from None
    except yaml.YAMLError as error:
        raise fail(1, 1, "yaml-syntax", f"YAML error: {error}") from None
    except RecursionError:
        raise fail(1, 1, "too-deep", "data is nested too deeply") from None
    if node is None:
        raise fail(0, 0, "empty-file", "file is empty", "write a mapping of keys, such as `name: ...`")
    if not isinstance(node, yaml.MappingNode):
        raise fail(node.start_mark.line + 1, node.start_mark.column + 1, "not-a-mapping",
                   "the file must hold a mapping of keys to values",
                   f"found {_kind(node)} instead")
    problems: list[Diagnostic] = []
    if "*" in text:  # an alias needs '*'; most files have none and skip this second pass
        aliases = [e.start_mark for e in yaml.parse(text, Loader=yaml.CSafeLoader)
                   if isinstance(e, yaml.AliasEvent) and e.start_mark is not None]
        problems += [Diagnostic(shown, m.line + 1, m.column + 1, "yaml-alias",
                                "YAML aliases are not supported",
                                "write the value out, or share fields with field_groups")
                     for m in aliases[:MAX_ALIASES_SHOWN]]
        if len(aliases) > MAX_ALIASES_SHOWN:
            problems.append(Diagnostic(shown, 0, 0, "yaml-alias",
                                       f"{len(aliases) - MAX_ALIASES_SHOWN} more YAML aliases"))
        if problems:  # refused before the data is walked: an alias bomb never expands
            raise CatalogError(problems)
    document.root = node
    document.data = _build(node, (), document, problems, 0)
    if problems:
        raise CatalogError(problems)
    return document


# Errors where the parser notices the problem far from its cause: an unclosed list, mapping or
# quote is only found at the next line or the end of the file. The opening is what to fix.
_OPENINGS = {
    "while parsing a flow sequence": "the list opened here is not closed with ']'",
    "while parsing a flow mapping": "the mapping opened here is not closed with '}'",
    "while scanning a quoted scalar": "the quoted text opened here is not closed",
}


def _tab_indented(text: str, mark: yaml.Mark | None) -> bool:
    """Whether the line the parser stopped at is indented with a tab. libyaml (CSafeLoader) says
    only "found character that cannot start any token" for a tab at the start of a line."""
    if mark is None:
        return False
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    return "\t" in line[:len(line) - len(line.lstrip(" \t"))]


def _syntax_error(path: str, error: yaml.MarkedYAMLError, text: str = "") -> Diagnostic:
    problem = (error.problem or "invalid YAML").strip()
    context = (error.context or "").strip()
    found = error.problem_mark
    if context in _OPENINGS and error.context_mark is not None:
        opened = error.context_mark
        return Diagnostic(path, opened.line + 1, opened.column + 1, "yaml-syntax",
                          f"YAML syntax error: {_OPENINGS[context]}",
                          f"the parser gave up at line {found.line + 1}: {problem}" if found else "")
    mark = found or error.context_mark
    message = f"{context}: {problem}" if context else problem
    if "tab" in problem or _tab_indented(text, mark):
        hint = "YAML indents with spaces only: replace the tab with spaces"
    elif "mapping values are not allowed" in problem or "expected <block end>" in problem:
        hint = "check the indentation: keys of one mapping start in the same column"
    else:
        hint = ""
    return Diagnostic(path, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                      "yaml-syntax", f"YAML syntax error: {message}", hint)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return "a single value"


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
# Characters that can start a plain scalar YAML reads as something other than text
# (numbers, booleans, null, dates); every other plain scalar is text.
_MAYBE_NOT_TEXT = frozenset(k for k in yaml.SafeLoader.yaml_implicit_resolvers if k)
_WORD_TAGS = dict.fromkeys([case(word) for word in ("yes", "no", "true", "false", "on", "off")
                           for case in (str.lower, str.title, str.upper)], "tag:yaml.org,2002:bool")
_WORD_TAGS.update(dict.fromkeys(("null", "Null", "NULL"), "tag:yaml.org,2002:null"))


class _Loader(yaml.CSafeLoader):
    """The C parser with a fast path for tag resolution, which otherwise runs several regular
    expressions in Python for every value and costs more than the parsing itself."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0] or (value and value[0] not in _MAYBE_NOT_TEXT):
                return _STR
            if value[:1].isalpha():  # a word is text unless it is one of YAML 1.1's few keywords
                return _WORD_TAGS.get(value, _STR)
        elif kind is yaml.MappingNode:
            return _MAP
        elif kind is yaml.SequenceNode:
            return _SEQ
        return super().resolve(kind, value, implicit)


_SCALARS = SafeConstructor.yaml_constructors
# The tags of plain YAML data; anything else ('!!python/object', '!!binary', '!custom') is refused.
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in
                        ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))
_constructor = SafeConstructor()


def _build(node: yaml.Node, loc: Loc, doc: RawDocument, problems: list[Diagnostic],
           depth: int) -> Any:
    """Nodes → plain data, refusing what plain data may not hold. Positions stay in the nodes."""
    tag = node.tag
    if tag == _STR:  # the common case first: a plain text value
        if is_placeholder(node.value):
            doc.placeholders.append(loc)
        return node.value

    def problem(rule: CheckId, message: str, hint: str = "", at: yaml.Node = node) -> None:
        problems.append(Diagnostic(doc.path, at.start_mark.line + 1, at.start_mark.column + 1,
                                   rule, message, hint))

    if tag not in _PLAIN_TAGS:
        problem("yaml-tag", f"YAML tag '{tag.replace('tag:yaml.org,2002:', '!!')}' is not supported",
                "write a plain value")
        return None
    if depth > MAX_DEPTH:
        problem("too-deep", f"data is nested more than {MAX_DEPTH} levels deep")
        return None
    if isinstance(node, yaml.ScalarNode):
        try:
            value = _SCALARS[tag](_constructor, node)
        except (yaml.YAMLError, ValueError) as error:
            problem("yaml-syntax", f"cannot read value: {getattr(error, 'problem', error)}")
            return None
        if type(value) is float and not math.isfinite(value):
            # .nan, .inf, or a number past a double: no JSON form (exports, schemas, the site's
            # data would hold invalid JSON), and no field means it
            problem("not-finite", f"{node.value!r} is not a finite number",
                    "write a number, or quote it if text is meant")
            return None
        return value
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), doc, problems, depth + 1)
                for i, item in enumerate(node.value)]
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            problem("yaml-alias", "YAML merge keys ('<<') are not supported",
                    "write the keys out, or share fields with field_groups", at=key_node)
            continue
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
            problem("bad-key", "keys must be plain words",
                    "quote the key if it looks like a number or true/false", at=key_node)
            continue
        key = key_node.value
        if key in result:
            first = next(k for k, _ in node.value if k.value == key)
            problem("duplicate-key", f"duplicate key '{key}'",
                    f"first given at line {first.start_mark.line + 1}; YAML would keep only the last",
                    at=key_node)
            continue
        result[key] = _build(value_node, (*loc, key), doc, problems, depth + 1)
    return result


@contextmanager
def collector_paused() -> Iterator[None]:
    """The parsed nodes stay alive for error positions: hundreds of thousands of objects without
    cycles, which the cyclic garbage collector would rescan again and again as more pile up
    (most of the time of a 5,000-event check). Reference counting still frees what it can."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # and keep later collections from scanning them
        if collecting:
            gc.enable()
