"""Scan source trees: find the files, read each (Python with `ast`, JavaScript/TypeScript with
tree-sitter), resolve names across the tree, compare with the catalog, and make the report."""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..link import Catalog
from . import javascript, python
from .compare import Scope, compare
from .facts import Hole, Module, Param
from .report import GATE_KINDS, FileError, Finding, Report, WrapperInfo
from .resolve import Wrapper, resolve
from .signatures import Matcher, Shape, shapes

MAX_BYTES = 1_000_000  # larger files are bundles or generated code: listed as skipped
KEEP_BYTES = 256_000_000  # source kept in memory between finding function names and reading
SKIPPED_FOLDERS = {"node_modules", "__pycache__", "bower_components"}


# Names a function can be called by, found in the source text before any file is parsed: a call
# of any other name (and not of an API) cannot be a wrapper call, so the readers skip it. Finding
# too many names costs a little time; too few would lose wrappers, so the patterns are generous.
_DEFINED = {
    "python": re.compile(rb"\bdef\s+([A-Za-z_]\w*)"),
    "javascript": re.compile(
        rb"function\s*\*?\s*([A-Za-z_$][\w$]*)"
        rb"|([A-Za-z_$][\w$]*)\s*[=:]\s*(?:async\s+)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>)"
        rb"|^[ \t]*(?:(?:static|async|get|set|public|private|protected|override)\s+)*"
        rb"([A-Za-z_$][\w$]*)\s*(?:<[^>\n]*>)?\s*\(", re.MULTILINE),
}


# Words the JavaScript pattern's method alternative also catches (`if (`, `return (`): never names.
_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "return", "function", "typeof",
                       "await", "yield", "new", "delete", "void", "super", "import", "with", "do",
                       "else", "case", "throw", "in", "of", "instanceof", "constructor"})


class ScanError(Exception):
    """A path to scan that does not exist or cannot be listed."""


def declared_apis(catalog: Catalog) -> list[tuple[str, str, bool]]:
    """(name, language, whether it puts a name on the wire) of every API the catalog declares."""
    return [(api.name, api.language, api.wire_name) for api in catalog.apis.values()]


def language_of(path: str) -> str:
    if path.endswith(".py"):
        return "python"
    return javascript.SUFFIXES.get(os.path.splitext(path)[1], "")


def files_under(paths: Iterable[Path], exclude: frozenset[Path] = frozenset()) -> Iterator[Path]:
    """Source files under each path (a file itself, or a folder walked without following links or
    entering hidden, dependency and cache folders, nor the `exclude` folders: a project's build
    folder holds the theme's bundled JavaScript, which is not the project's code), each folder's
    in sorted order."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        if not path.is_dir():
            raise ScanError(f"{path}: no such file or folder")
        for folder, dirs, files in os.walk(path, onerror=_raise):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS
                             and (Path(folder) / d).resolve() not in exclude)
            for name in sorted(files):
                if language_of(name):
                    yield Path(folder) / name


def _raise(error: OSError) -> None:
    raise ScanError(f"{error.filename}: {error.strerror or error}")


def shown_path(path: Path, base: Path) -> str:
    """The path relative to the base folder when inside it, as given otherwise; '/' separated."""
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def defined_names(path: Path) -> tuple[set[str], bytes | None]:
    """The names functions are given in a file, read from its text, and the text (None when it
    is too large or unreadable: read_module says why)."""
    language = language_of(path.name)
    try:
        if path.stat().st_size > MAX_BYTES:
            return set(), None
        source = path.read_bytes()
    except OSError:
        return set(), None
    pattern = _DEFINED["python" if language == "python" else "javascript"]
    return {name.decode("utf-8", "replace") for match in pattern.findall(source)
            for name in (match if isinstance(match, tuple) else (match,)) if name} - _KEYWORDS, source


def read_module(path: Path, shown: str, matchers: dict[str, Matcher],
                callable_names: frozenset[str] | None = None, source: bytes | None = None) -> Module | str:
    """The module's facts; or why it was skipped. `source`: the file's bytes, when already read."""
    language = language_of(path.name)
    if source is None:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                return f"larger than {MAX_BYTES // 1_000_000} MB (a bundle or generated code?)"
            source = path.read_bytes()
        except OSError as error:
            return f"cannot read: {error.strerror or error}"
    if language == "python":
        return python.read(shown, shown, source, matchers["python"], callable_names)
    return javascript.read(shown, shown, source, matchers["javascript"], language, callable_names)


def scan(catalog: Catalog, paths: list[Path], base: Path | None = None, catalog_name: str = "",
         made: str = "", repo_url: str = "",
         progress: Callable[[int], None] | None = None,
         exclude: frozenset[Path] = frozenset()) -> Report:
    # The facts of thousands of modules stay alive until the end, and hold no reference cycles:
    # the cyclic garbage collector would walk them again and again (it took more time than
    # parsing on a 10,000-file tree), so it is paused while scanning.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(catalog, paths, base, catalog_name, made, repo_url, progress, exclude)
    finally:
        if enabled:
            gc.enable()


def _scan(catalog: Catalog, paths: list[Path], base: Path | None, catalog_name: str, made: str,
          repo_url: str, progress: Callable[[int], None] | None,
          exclude: frozenset[Path] = frozenset()) -> Report:
    base = (base or Path.cwd()).resolve()
    by_language = shapes(declared_apis(catalog))
    matchers = {lang: Matcher(found) for lang, found in by_language.items()}
    shape_index: dict[str, Shape] = {f"{s.language}:{s.api}": s for found in by_language.values()
                                     for s in found}
    modules: list[Module] = []
    report = Report(made, catalog_name, [shown_path(p, base) for p in paths], repo_url)
    seen: set[Path] = set()
    every: list[Path] = []
    for path in files_under(paths, exclude):
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            every.append(path)
    names: set[str] = set()
    kept: dict[Path, bytes] = {}  # the texts read for the names, up to KEEP_BYTES, not read twice
    budget = KEEP_BYTES
    for path in every:
        defined, source = defined_names(path)
        names |= defined
        if source is not None and len(source) <= budget:
            kept[path] = source
            budget -= len(source)
    callable_names = frozenset(names | matchers["python"].last_names | matchers["javascript"].last_names)
    for number, path in enumerate(every, 1):
        shown = shown_path(path, base)
        found = read_module(path, shown, matchers, callable_names, kept.pop(path, None))
        if isinstance(found, str):
            report.skipped.append(f"{shown}: {found}")
            continue
        modules.append(found)
        language = language_of(path.name)
        report.languages[language] = report.languages.get(language, 0) + 1
        if found.error:
            line, column, message = found.error.split(":", 2)
            report.errors.append(FileError(shown, int(line), int(column), message.strip()))
        if progress is not None:
            progress(number)
    report.files = len(modules)
    calls, wrappers = resolve(modules, shape_index)
    report.calls = calls
    report.wrappers = [info for w in wrappers for info in _wrapper_info(w)]
    scanned = {"python" if m.language == "python" else "javascript" for m in modules}
    api_languages: dict[str, set[str]] = {}
    for found_shapes in by_language.values():
        for s in found_shapes:
            api_languages.setdefault(s.implements, set()).add(s.language)
    roots = [] if not paths else [r for r in (_root(p, base) for p in paths) if r is not None]
    scope = Scope(base.name, roots, lambda p: (base / p).exists(), scanned)
    result = compare(catalog, calls, scope, api_languages)
    report.findings = result.findings + [
        _syntax_finding(e) for e in report.errors]
    report.findings.sort(key=lambda f: (list(GATE_KINDS).index(f.kind), f.file, f.line, f.event))
    report.expected, report.found, report.by_pattern = result.expected, result.found, result.by_pattern
    return report


def _root(path: Path, base: Path) -> str | None:
    """A scanned path relative to the base ("" for the base itself); None when outside it."""
    try:
        relative = path.resolve().relative_to(base).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative


def _wrapper_info(wrapper: Wrapper) -> list[WrapperInfo]:
    out = []
    for inner in wrapper.inner:
        names = ["".join(p if isinstance(p, str) else "{" + p.name + "}" if isinstance(p, Param)
                         else "{" + p.text + "}" if isinstance(p, Hole) else "" for p in parts)
                 for parts, _ in inner.names]
        out.append(WrapperInfo(wrapper.module.path, inner.site.line, wrapper.function.name,
                               inner.api, names))
    return out


def _syntax_finding(error: FileError) -> Finding:
    return Finding("syntax-error", "", error.file, error.line, error.message)

