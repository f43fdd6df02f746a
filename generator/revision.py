"""Read the catalog as it is in a git tree, for comparing revisions.

Consecutive commits share almost every file, so a reader remembers each file it has parsed and
validated by its git blob id and path: reading the next commit's catalog parses only the files
that commit changed, then links the whole catalog again (a change in one file can break a
reference in another). Lint rules are not run: they do not change what a catalog holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .diagnostics import CatalogError, Diagnostic
from .diff import Snapshot, snapshot
from .gitrepo import Repo
from .link import link
from .load import CONFIG_FILE, collector_paused, load_file
from .model import SECTIONS
from .validate import Definition, validate


class UnreadableCatalog(Exception):
    """The catalog at a revision does not validate with this eventcat; the message says why."""


def _section(path: str) -> str | None:
    """The section a file belongs to, by the rules of load.discover; None for other files."""
    if path == CONFIG_FILE:
        return "config"
    parts = path.split("/")
    if len(parts) < 2 or parts[0] not in SECTIONS or not parts[-1].endswith((".yaml", ".yml")):
        return None
    if any(p.startswith(".") for p in parts[1:]):
        return None
    return parts[0]


class TreeReader:
    def __init__(self, repo: Repo):
        self.repo = repo
        # (blob id, path) → the validated definition, or the file's first problem
        self.files: dict[tuple[str, str], Definition | Diagnostic] = {}
        self._apis: list[Definition] | None = None

    def snapshot(self, tree: str) -> Snapshot:
        """The snapshot of the catalog in `tree`; UnreadableCatalog with its first problem when
        it does not validate."""
        entries = [(mode, blob, path) for mode, kind, blob, path in self.repo.ls_tree(tree)
                   if kind == "blob" and _section(path)]
        links = [path for mode, _, path in entries if mode == "120000"]
        if links:
            raise UnreadableCatalog(f"its catalog could not be read: {links[0]}: error not-a-file: "
                                    "not a regular file (definitions must be plain files, not links)")
        self._read_new([(blob, path) for _, blob, path in entries if (blob, path) not in self.files])
        found = [self.files[blob, path] for _, blob, path in entries]
        if not any(path.startswith("apis/") for _, _, path in entries):
            found += self._current_apis()
        problems = [f for f in found if isinstance(f, Diagnostic)]
        if problems:
            raise UnreadableCatalog(_unreadable(problems))
        catalog, problems = link([f for f in found if isinstance(f, Definition)])
        problems = [p for p in problems if p.severity == "error"]
        if problems:
            raise UnreadableCatalog(_unreadable(sorted(problems)))
        return snapshot(catalog)

    def _read_new(self, wanted: list[tuple[str, str]]) -> None:
        if not wanted:
            return
        contents = self.repo.blobs(sorted({blob for blob, _ in wanted}))
        with tempfile.TemporaryDirectory(prefix="eventcat-revision-") as folder, collector_paused():
            for blob, path in wanted:
                target = Path(folder, *path.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(contents[blob])
                section = _section(path)
                assert section is not None, "snapshot() keeps only the catalog's own files"
                try:
                    document = load_file(target, section, Path(folder))
                except CatalogError as error:
                    self.files[blob, path] = _relative(error.diagnostics[0], path)
                    continue
                document.path = path  # as the catalog names it, not the temporary folder
                if document.section == "config":
                    _upgrade_config(document.data)
                definitions, _, problems = validate([document], check_kinds=False)
                errors = [p for p in problems if p.severity == "error"]
                self.files[blob, path] = errors[0] if errors else definitions[0]


    def _current_apis(self) -> list[Definition]:
        """A revision from before catalogs declared their emitting APIs (apis/) is read with the
        APIs the catalog declares now, so history reaches back past that change."""
        if self._apis is None:
            folder = self.repo.root / self.repo.catalog / "apis"
            documents = []
            for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else ():
                try:
                    documents.append(load_file(path, "apis", folder.parent))
                except CatalogError:
                    continue  # `eventcat check` reports it; history does without it
            self._apis = validate(documents)[0]
        return self._apis


def _upgrade_config(data: object) -> None:
    """catalog.yaml before kinds were declared: its `internal_prefix` was the internal kind's
    prefix."""
    if isinstance(data, dict) and "internal_prefix" in data:
        prefix = data.pop("internal_prefix")
        if "kinds" not in data and isinstance(prefix, str) and prefix:
            data["kinds"] = {"research": {"description": "Research event.", "review": True},
                             "internal": {"description": "Internal event.", "prefix": prefix}}


def _relative(problem: Diagnostic, path: str) -> Diagnostic:
    return Diagnostic(path, problem.line, problem.column, problem.rule, problem.message,
                      problem.hint, problem.severity)


def _unreadable(problems: list[Diagnostic]) -> str:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"its catalog does not validate: {problems[0]}{more}"
