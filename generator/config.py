"""The project's settings: how to build a catalog, declared once and read by every command.

The split:
- `catalog.yaml` (inside the catalog folder) holds facts about the catalog itself: its title,
  organisation, naming prefixes, lint rule severities, ... It travels with the catalog, so
  `eventcat diff` between two git revisions and any copy of the folder see the same facts.
- the project settings (this module) say how one checkout builds it: where the catalog, the
  guides and the build folder are, which logs the coverage page reads, how much history to show,
  the preview port, ... They live in `eventcat.toml` at the project root (top-level keys) or in
  `[tool.eventcat]` of the root's `pyproject.toml`; never both.
- a `conf.py` at the project root, if any, only overrides Sphinx settings (theme, options,
  extensions); eventcat runs without one.

The project root is the nearest folder, walking up from the current folder (or from the folder
given with `--catalog`), that holds `eventcat.toml` or a `pyproject.toml` with `[tool.eventcat]`;
without one, the starting folder. Every relative path in the settings is relative to the root.
The settings reference page is generated from `Settings` below (see settings_reference)."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr, ValidationError
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from .diagnostics import CatalogError, Diagnostic, did_you_mean

SETTINGS_FILE = "eventcat.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "eventcat")
DEFAULT_HISTORY = 30  # the What changed page and event histories: releases or commits shown

RelPath = Annotated[StrictStr, Field(min_length=1, max_length=500)]


def _setting(description: str, example: Any = None, **kwargs: Any) -> Any:
    extra: JsonDict | None = {"examples": [example]} if example is not None else None
    return Field(description=description, json_schema_extra=extra, **kwargs)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServeSettings(_Table):
    """`[tool.eventcat.serve]`: the live preview."""

    port: Annotated[StrictInt, Field(ge=1, le=65535)] = _setting(
        "The port `eventcat serve` listens on, on 127.0.0.1.", 8001, default=8000)


def _jobs(value: Any) -> Any:
    """Sphinx's -j: a count or "auto". Checked here, so that a bad value is reported at its line
    in the settings rather than by Sphinx's own usage message after the pages were generated."""
    if value == "auto" or (type(value) is int and value >= 1):
        return value
    raise PydanticCustomError("jobs", 'should be a whole number of processes (1 or more) or "auto"')


class Settings(_Table):
    """`[tool.eventcat]` in pyproject.toml, or the top level of eventcat.toml."""

    catalog: RelPath = _setting("The catalog folder (holds catalog.yaml, events/, tools/, "
                                "teams/).", "tracking-plan", default="catalog")
    docs: RelPath = _setting("The Sphinx source folder: the hand-written pages and index.md.",
                             "site", default="docs")
    generated: RelPath = _setting(
        "The folder inside `docs` the generated pages go to; eventcat owns it (git-ignore it). "
        "index.md's table of contents names pages under it.", default="catalog")
    build_dir: RelPath = _setting("The build folder: HTML in BUILD_DIR/html, Sphinx's state in "
                                  "BUILD_DIR/doctrees, caches in BUILD_DIR/.eventcat.",
                                  "public", default="_build")
    schemas: RelPath = _setting("Where `eventcat schema` writes the editor JSON Schemas that the "
                                "`$schema` lines of new files point to.", default="schemas")
    templates: StrictStr = _setting(
        "A folder of page templates to use instead of the shipped ones (empty: shipped).",
        default="")
    coverage: tuple[RelPath, ...] = _setting(
        "The coverage page's sources: reports saved by `eventcat logs check --save-report`, or "
        "tracking-log files. Empty: the page says how to add one.",
        ["logs/tracking-sample.log"], default=())
    code_report: StrictStr = _setting(
        "The implementation status page's source, and each event page's \"Emitted at\": a report "
        "saved by `eventcat code scan --save-report`. Empty: the page says how to make one.",
        "reports/code.json", default="")
    history: Annotated[StrictInt, Field(ge=0, le=10_000)] = _setting(
        "How many releases (or, without release tags, commits that touched the catalog) the "
        "What changed page and each event's history show; 0 switches history off.",
        10, default=DEFAULT_HISTORY)
    jobs: Annotated[StrictStr | StrictInt, BeforeValidator(_jobs)] = _setting(
        "Parallel Sphinx processes for `eventcat build`: a number or \"auto\".", "auto", default=1)
    serve: ServeSettings = _setting("The live preview (`eventcat serve`).",
                                    default_factory=ServeSettings)


@dataclass(frozen=True)
class Project:
    """A project: its root folder, its settings and where they came from. Paths are absolute."""

    root: Path
    settings: Settings
    source: Path | None = None  # eventcat.toml or pyproject.toml; None when only defaults apply

    def path(self, relative: str) -> Path:
        return (self.root / relative).resolve()

    @property
    def catalog(self) -> Path:
        return self.path(self.settings.catalog)

    @property
    def docs(self) -> Path:
        return self.path(self.settings.docs)

    @property
    def generated(self) -> Path:
        return self.docs / self.settings.generated.strip("/")

    @property
    def build_dir(self) -> Path:
        return self.path(self.settings.build_dir)

    @property
    def schemas(self) -> Path:
        return self.path(self.settings.schemas)

    @property
    def templates(self) -> Path | None:
        return self.path(self.settings.templates) if self.settings.templates else None

    @property
    def coverage(self) -> list[Path]:
        return [self.path(p) for p in self.settings.coverage]

    @property
    def code_report(self) -> Path | None:
        return self.path(self.settings.code_report) if self.settings.code_report else None

    @property
    def conf_py(self) -> Path | None:
        conf = self.root / "conf.py"
        return conf if conf.is_file() else None

    @property
    def cache_dir(self) -> Path:
        """eventcat's own caches, inside the build folder."""
        return self.build_dir / ".eventcat"

    def with_overrides(self, **overrides: Any) -> Project:
        """The same project with settings given on the command line (already checked types)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        return Project(self.root, self.settings.model_copy(update=given), self.source)


def _pyproject_table(data: dict[str, Any]) -> dict[str, Any] | None:
    table: Any = data
    for key in PYPROJECT_TABLE:
        if not isinstance(table, dict) or key not in table:
            return None
        table = table[key]
    return table if isinstance(table, dict) else None


def _shown(path: Path) -> str:
    """A path as messages show it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CatalogError([Diagnostic(_shown(path), 1, 1, "bad-settings", "not UTF-8 text",
                                       "save the file as UTF-8")]) from None
    except OSError as error:
        raise CatalogError([Diagnostic(_shown(path), 0, 0, "bad-settings",
                                       f"cannot read the file: {error.strerror}")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line, column = (int(found[1]), int(found[2])) if found else (1, 1)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
        raise CatalogError([Diagnostic(_shown(path), line, column, "bad-settings",
                                       f"not valid TOML: {message}",
                                       "see https://toml.io for the syntax")]) from None


def _declares_settings(folder: Path) -> Path | None:
    """The settings file in `folder`, if it has one (a pyproject.toml only with [tool.eventcat])."""
    own = folder / SETTINGS_FILE
    if own.is_file():
        return own
    pyproject = folder / PYPROJECT
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        # a quick look before parsing: most pyproject.toml files have nothing of ours
        if re.search(r"^\s*\[\s*tool\s*\.\s*eventcat\s*[\].]", text, re.MULTILINE):
            return pyproject
    return None


def find_root(start: Path) -> tuple[Path, Path | None]:
    """The project root for `start` and its settings file (see the module's docstring)."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        found = _declares_settings(folder)
        if found is not None:
            return folder, found
    return start, None


def _key_positions(text: str, prefix: tuple[str, ...]) -> dict[tuple[str, ...], tuple[int, int, int]]:
    """Where each key of the settings table is written (line, column of the key, column of its
    value), found by
    reading the lines: tomllib keeps no positions. Handles tables, dotted and quoted keys; a key
    inside an inline table or array is placed at its enclosing key, which is close enough."""
    positions: dict[tuple[str, ...], tuple[int, int, int]] = {}
    table: tuple[str, ...] | None = () if not prefix else None
    key_part = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
    dotted = rf"{key_part}(?:\s*\.\s*{key_part})*"

    def parts(key: str) -> tuple[str, ...]:
        return tuple(p.strip().strip("\"'") for p in re.findall(key_part, key))

    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(rf"^\s*\[\s*({dotted})\s*\]", line)
        if header:
            path = parts(header[1])
            table = path[len(prefix):] if path[:len(prefix)] == prefix else None
            if table is not None:
                positions.setdefault(table, (number, line.index("[") + 1, line.index("[") + 1))
            continue
        assignment = re.match(rf"^(\s*)({dotted})\s*=\s*", line)
        if assignment and table is not None:
            key = (*table, *parts(assignment[2]))
            positions.setdefault(key, (number, len(assignment[1]) + 1, assignment.end() + 1))
    return positions


def _problems(error: ValidationError, path: Path, text: str, prefix: tuple[str, ...]
              ) -> list[Diagnostic]:
    positions = _key_positions(text, prefix)
    table = "[" + ".".join(prefix) + "]: " if prefix else ""  # eventcat.toml is already named
    shown = _shown(path)
    problems = []
    for item in error.errors():
        loc = tuple(str(part) for part in item["loc"])
        line, key_column, value_column = next(
            (positions[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in positions), (1, 1, 1))
        name = ".".join(loc)
        if item["type"] == "extra_forbidden":
            known = Settings.model_fields if len(loc) == 1 else ServeSettings.model_fields
            hint = did_you_mean(loc[-1], known)
            if loc == ("rules",):
                hint = "lint rules are facts about the catalog: set them under rules: in catalog.yaml"
            elif len(loc) == 2 and loc[1] in Settings.model_fields:
                # TOML puts every key below a [table] header into that table: a setting appended
                # at the end of the file lands in [serve]
                header = "[" + ".".join((*prefix, loc[0])) + "]"
                hint = f"'{loc[1]}' is a top-level setting: move it above the {header} line"
            problems.append(Diagnostic(shown, line, key_column, "unknown-setting",
                                       f"{table}unknown setting '{name}'", hint))
        else:
            problems.append(Diagnostic(shown, line, value_column, "bad-setting",
                                       f"{table}{name}: {item['msg'].lower()}",
                                       "see the settings reference page"))
    return problems


def load_project(start: Path | None = None) -> Project:
    """The project around `start` (default: the current folder), its settings checked. Raises
    CatalogError with each problem at its file, line and column."""
    root, source = find_root(Path.cwd() if start is None else start)
    if source is None:
        return Project(root, Settings(), None)
    prefix = PYPROJECT_TABLE if source.name == PYPROJECT else ()
    data = _read_toml(source)
    table = _pyproject_table(data) if prefix else data
    if table is None:
        table = {}
    other = root / PYPROJECT
    if source.name == SETTINGS_FILE and other.is_file() and _declares_settings_in(other):
        raise CatalogError([Diagnostic(_shown(other), 1, 1, "two-settings-files",
                                       f"settings in both {SETTINGS_FILE} and [tool.eventcat] "
                                       f"of {PYPROJECT}", "keep them in one of the two")])
    try:
        settings = Settings.model_validate(table)
    except ValidationError as error:
        text = source.read_text(encoding="utf-8")
        raise CatalogError(_problems(error, source, text, prefix)) from None
    return Project(root, settings, source)


def _declares_settings_in(pyproject: Path) -> bool:
    try:
        return _pyproject_table(tomllib.loads(pyproject.read_text(encoding="utf-8"))) is not None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def project_for(catalog: Path | None) -> Project:
    """The project a command works on: around `--catalog` when given (its settings, with that
    catalog), else around the current folder. A catalog outside any project is a project of its
    own, rooted at the catalog's parent folder."""
    if catalog is None:
        return load_project()
    catalog = Path(catalog).resolve()
    project = load_project(catalog)
    if project.source is None:
        project = Project(catalog.parent, project.settings, None)
    return project.with_overrides(catalog=os.path.relpath(catalog, project.root))


def user_cache_dir() -> Path:
    """The user's cache folder for eventcat (XDG on Linux, ~/Library/Caches on macOS)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "eventcat"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "eventcat"
    return Path.home() / ".cache" / "eventcat"


def settings_reference() -> list[dict[str, Any]]:
    """Every setting, for the generated reference page: table, key, type, default, meaning."""
    rows: list[dict[str, Any]] = []

    def walk(model: type[BaseModel], table: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, _Table):
                walk(annotation, f"{table}.{name}")
                continue
            default = field.get_default(call_default_factory=True)
            extra = field.json_schema_extra
            examples = extra.get("examples") if isinstance(extra, dict) else None
            rows.append({"table": table, "key": name, "type": _type_name(model, name),
                         "default": default, "description": field.description or "",
                         "example": examples[0] if isinstance(examples, list) and examples else None})

    walk(Settings, "tool.eventcat")
    return rows


def _type_name(model: type[BaseModel], name: str) -> str:
    schema = model.model_json_schema()["properties"][name]
    kinds = [s.get("type", "") for s in schema.get("anyOf", [schema])]
    if "array" in kinds:
        return "list of paths"
    names = {"string": "text", "integer": "integer", "boolean": "true/false"}
    return " or ".join(names.get(k, k) for k in kinds if k)
