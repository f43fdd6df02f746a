"""`eventcat diff`'s two sides: each a catalog folder, or else a git revision of the repository
that holds the catalog, read at the same path; two revisions are compared through the history's
cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .diagnostics import CatalogError
from .diff import CatalogDiff, Snapshot, diff, snapshot
from .gitrepo import GitError, Repo
from .history import TreeCache
from .lint import RULES
from .pipeline import check
from .revision import UnreadableCatalog


def compare(old_spec: str, new_spec: str, catalog_dir: Path) -> tuple[str, str, CatalogDiff]:
    """Labels of both sides and the diff between them. Each side is an existing folder (a catalog
    folder) or else a git revision of the repository holding `catalog_dir`, read at the same
    path. Raises GitError or UnreadableCatalog with one line saying why a side cannot be read.
    Two revisions are compared through the cache, like the history pages."""
    sides = [_side(spec, catalog_dir) for spec in (old_spec, new_spec)]
    (old_label, old_tree, old), (new_label, new_tree, new) = sides
    if old_tree and new_tree:
        cache = TreeCache(Repo.of(catalog_dir))
        try:
            return old_label, new_label, cache.diff(old_tree, new_tree)
        except UnreadableCatalog:
            old(), new()  # the unreadable side says so, with its label (its failure is cached)
            raise
    return old_label, new_label, diff(old(), new())


def _side(spec: str, catalog_dir: Path) -> tuple[str, str, Callable[[], Snapshot]]:
    """(label, tree id or "", a function returning the snapshot)."""
    if Path(spec).is_dir():
        return spec, "", lambda: _folder_snapshot(spec)
    repo = Repo.of(catalog_dir)
    commit = repo.resolve(spec)
    tree = repo.trees([commit])[0]
    if not tree:
        raise GitError(f"revision '{spec}' has no {repo.catalog} folder")
    label = f"{spec} ({commit[:7]})"

    def read() -> Snapshot:
        try:
            return TreeCache(repo).snapshot(tree)
        except UnreadableCatalog as error:
            raise UnreadableCatalog(f"{label}: {error}") from None
    return label, tree, read


def _folder_snapshot(folder: str) -> Snapshot:
    try:
        result = check(Path(folder))
    except CatalogError as error:
        raise UnreadableCatalog(str(error.diagnostics[0]) if error.diagnostics else str(error)) from None
    errors = [p for p in result.problems if p.severity == "error" and p.rule not in RULES]
    if errors:
        raise UnreadableCatalog(f"the catalog in {folder} is not valid: {errors[0]} "
                                "(run `eventcat check` for every problem)")
    return snapshot(result.catalog)
