"""The catalog's history from git: what changed in each release (tag) or in each of the last N
commits that touched the catalog, for the "What changed" page and each event page's history.

Reading a catalog at a revision means checking it in full (about 2 s at 5,000 events), so results
are cached in the git folder (`.git/eventcat-history/`) by the git TREE id of the
catalog folder, which names its content exactly: each compared pair of trees keeps its diff, and
the newest tree keeps its snapshot, so a rebuild after one new commit checks one catalog. The
cache is keyed by the code that computes it too, so a newer eventcat never reads stale results.

Nothing here fails a build: a repository that is missing, a shallow clone or a revision whose
catalog no longer validates becomes a note saying what could not be seen and why."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from . import forkpool
from .config import DEFAULT_HISTORY
from .diff import CatalogDiff, Change, EventChange, Snapshot, diff, snapshot
from .gitrepo import UNSHALLOW_HINT, GitError, Repo, Tag, inside_a_repository
from .link import Catalog
from .revision import TreeReader, UnreadableCatalog
from .sync import write_file

DEFAULT_WINDOW = DEFAULT_HISTORY  # commits (or releases) shown when nothing else is asked for
CACHE_FOLDER = "eventcat-history"
KEEP_PAIRS = 400  # cached pair diffs kept; a few KB each


@dataclass(frozen=True)
class Step:
    """One entry of the "What changed" page: a release, or a commit."""
    label: str  # the tag's name, "Unreleased", or the commit's short hash
    commit: str
    short: str
    date: str
    subject: str
    since: str = ""  # for a release: the release before it
    diff: CatalogDiff | None = None  # None when it could not be worked out
    initial: int = -1  # the catalog begins here, with this many events (else -1)
    unseen: str = ""  # why the change could not be shown

    @property
    def anchor(self) -> str:
        return "ec-change-" + self.commit[:12] + ("-unreleased" if self.label == "Unreleased" else "")

    @property
    def quiet(self) -> bool:
        """Compared, and no event changed (only tools, teams or settings): nothing to show."""
        return self.diff is not None and not self.diff.events and self.initial < 0 and not self.unseen


# What a reader sees of one step on an event page: how the event changed, field-group fields left
# out (they are shown once, on the field groups page).
EventStep = tuple[Step, EventChange]
# ... and on the field groups page: the changes to one group's fields.
GroupStep = tuple[Step, tuple[Change, ...]]


@dataclass(frozen=True)
class History:
    mode: str  # "tags", "commits", "off" or "unavailable"
    window: int
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be seen (a shallow clone)
    reason: str = ""  # why there is no history at all
    by_event: dict[str, tuple[EventStep, ...]] = field(default_factory=dict, repr=False)
    by_group: dict[str, tuple[GroupStep, ...]] = field(default_factory=dict, repr=False)

    def of_event(self, name: str) -> tuple[EventStep, ...]:
        return self.by_event.get(name, ())

    def of_group(self, group_id: str) -> tuple[GroupStep, ...]:
        return self.by_group.get(group_id, ())

    @property
    def shown(self) -> tuple[Step, ...]:
        """The steps the What changed page lists: not those where no event changed."""
        return tuple(s for s in self.steps if not s.quiet)

    @property
    def shallow(self) -> bool:
        return bool(self.notes)

    @property
    def unseen(self) -> int:
        return sum(bool(s.unseen) for s in self.steps)

    def page_key(self, name: str) -> str:
        """What an event page's history section shows, as text for the page's digest. It leaves
        out what changes with every commit (the number of steps, the oldest commit), so that a
        new commit re-renders only the pages of the events it changed."""
        entries = [(s.label, s.anchor, s.short, s.date, s.initial >= 0, e.change, e.name,
                    e.old_name, [c.__dict__ for c in e.changes]) for s, e in self.of_event(name)]
        return json.dumps([self.mode, self.window, self.reason, self.shallow, self.unseen, entries],
                          default=str)


def setting_text(window: int) -> str:
    """The history setting, for the digest every page shares."""
    return f"history={window}"


def state(catalog_dir: Path, window: int) -> str:
    """A cheap fingerprint of everything the history depends on (HEAD, tags, shallow boundary),
    for the pipeline's "nothing changed" test. Outside a repository it starts no process."""
    if window <= 0 or not inside_a_repository(catalog_dir):
        return ""
    try:
        return Repo.of(catalog_dir).state()
    except GitError as error:
        return str(error)


def collect(catalog_dir: Path, current: Catalog, window: int = DEFAULT_WINDOW) -> History:
    if window <= 0:
        return History("off", window, reason="history is switched off (the history setting is 0)")
    if not inside_a_repository(catalog_dir):
        return History("unavailable", window, reason="the catalog is not in a git repository")
    try:
        repo = Repo.of(catalog_dir)
        head = repo.head()
        if not head:
            return History("unavailable", window, reason="the repository has no commits yet")
        cache = TreeCache(repo)
        if repo.unchanged():  # the catalog just checked is HEAD's: no need to read it again
            cache.known[repo.trees([head])[0]] = lambda: snapshot(current)
        history = _collect(repo, head, window, cache)
    except GitError as error:
        return History("unavailable", window, reason=str(error))
    return _index(history, current)


def _collect(repo: Repo, head: str, window: int, cache: TreeCache) -> History:
    boundary = repo.shallow_boundary()
    tags = repo.tags()
    tag_trees = repo.trees([t.commit.sha for t in tags])
    releases = [(t, tree) for t, tree in zip(tags, tag_trees, strict=True) if tree]
    if releases:
        return _by_release(repo, head, releases, window, cache, boundary)
    return _by_commit(repo, window, cache, boundary)


def _by_commit(repo: Repo, window: int, cache: TreeCache, boundary: frozenset[str]) -> History:
    commits = repo.log(window)
    if not commits:
        return History("unavailable", window, reason=f"no commit has touched {repo.catalog} yet "
                       "(is the catalog folder committed?)")
    trees = repo.trees([c.sha for c in commits])
    parent_trees = repo.trees([c.parent for c in commits if c.parent])
    parents = iter(parent_trees)
    planned: list[_Planned] = []
    notes: list[str] = []
    for commit, tree in zip(commits, trees, strict=True):
        old = next(parents) if commit.parent else ""
        step = Step(commit.short, commit.sha, commit.short, commit.date, commit.subject)
        if commit.sha in boundary:
            planned.append(_Planned(replace(step, unseen="its parent commit is not in this shallow clone")))
        else:
            planned.append(_Planned(step, (old, tree)))
    steps = _steps(cache, planned, trees[0])
    oldest = commits[-1]
    if boundary and (oldest.sha in boundary or len(commits) < window):
        notes.append(f"History before {oldest.short} ({oldest.date}) is not available in this "
                     f"shallow clone: {UNSHALLOW_HINT}.")
    cache.finish(trees[0])
    return History("commits", window, tuple(steps), tuple(notes))


def _by_release(repo: Repo, head: str, releases: list[tuple[Tag, str]], window: int, cache: TreeCache,
                boundary: frozenset[str]) -> History:
    # A release whose catalog equals the one before it did not touch the catalog: left out.
    touching = [(t, tree) for i, (t, tree) in enumerate(releases)
                if i + 1 == len(releases) or releases[i + 1][1] != tree]
    planned: list[_Planned] = []
    notes: list[str] = []
    head_tree = repo.trees([head])[0]
    newest_tag, newest_tree = touching[0]
    if head_tree and head_tree != newest_tree:
        commit = repo.commits([head])[0]
        unreleased = Step("Unreleased", head, commit.short, commit.date, commit.subject, since=newest_tag.name)
        planned.append(_Planned(unreleased, (newest_tree, head_tree)))
    for i, (tag, tree) in enumerate(touching[: max(window - len(planned), 1)]):
        older = touching[i + 1] if i + 1 < len(touching) else None
        step = Step(tag.name, tag.commit.sha, tag.commit.short, tag.commit.date, tag.commit.subject,
                    since=older[0].name if older else "")
        if older is None and boundary:
            # In a shallow clone an earlier release may simply not have been fetched.
            planned.append(_Planned(replace(step, unseen="earlier releases are not in this shallow clone")))
            notes.append(f"Releases before {tag.name} ({tag.commit.date}) are not available in "
                         f"this shallow clone: {UNSHALLOW_HINT}.")
        else:
            planned.append(_Planned(step, (older[1] if older else "", tree)))
    steps = _steps(cache, planned, head_tree or newest_tree)
    cache.finish(head_tree or newest_tree)
    return History("tags", window, tuple(steps), tuple(notes))


class _Planned(NamedTuple):
    """A step to show, and the (older, newer) trees to compare for it; None when it cannot be."""
    step: Step
    trees: tuple[str, str] | None = None


def _steps(cache: TreeCache, planned: list[_Planned], newest: str) -> list[Step]:
    """Each planned comparison made into a Step; the ones not cached yet are worked out on every
    core first."""
    cache.prefetch([p.trees for p in planned if p.trees is not None], newest)
    return [p.step if p.trees is None else _step(cache, p.step, *p.trees) for p in planned]


def _step(cache: TreeCache, step: Step, old_tree: str, new_tree: str) -> Step:
    try:
        changes = cache.diff(old_tree, new_tree)
        return replace(step, diff=changes, initial=-1 if old_tree else changes.new_count)
    except UnreadableCatalog as error:
        return replace(step, unseen=str(error))


def _index(history: History, current: Catalog) -> History:
    """Each step's changes in the reader's terms: for each event under its CURRENT name (an event
    renamed since lists its older names as aliases, which the catalog's lookup knows), one entry
    per step with its own changes; the changes to a field group's fields once, for the group.
    A step that changed an event only through a field group leaves no entry on its page."""
    by_event: dict[str, list[EventStep]] = {}
    by_group: dict[str, list[GroupStep]] = {}
    for step in history.steps:
        if step.diff is None:
            continue
        merged: dict[str, EventChange] = {}  # several changes may land on one current event
        group_changes: dict[str, dict[str, Change]] = {}
        for change in step.diff.events:
            for c in change.changes:
                if c.group:
                    group_changes.setdefault(c.group, {}).setdefault(_change_key(c), c)
            if change.change == "removed":
                continue  # no event page to show it on (a later event may reuse the name)
            entry = current.lookup.get(change.name) or current.lookup.get(change.old_name)
            if entry is None:
                continue
            own = tuple(c for c in change.changes if not c.group)
            if change.change == "changed" and not own:
                continue
            before = merged.get(entry.name)
            if before is not None:  # keep the first's kind, add what the other says that is new
                seen = {_change_key(c) for c in before.changes}
                own = before.changes + tuple(c for c in own if _change_key(c) not in seen)
                change = before
            merged[entry.name] = replace(change, changes=own)
        for name, change in merged.items():
            by_event.setdefault(name, []).append((step, change))
        for group_id, changes in group_changes.items():
            by_group.setdefault(group_id, []).append((step, tuple(changes.values())))
    return replace(history, by_event={k: tuple(v) for k, v in by_event.items()},
                   by_group={k: tuple(v) for k, v in by_group.items()})


def _change_key(change: Change) -> str:
    return json.dumps([change.what, change.field, change.old, change.new], default=str, sort_keys=True)


# --- reading a catalog at a tree, with the cache ---------------------------------------------------

def _code_digest() -> str:
    """The code that turns a tree into a diff: a cached result from other code is not used."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("diff.py", "history.py", "revision.py", "link.py", "validate.py", "model.py",
                 "load.py", "apis.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def read_tree(reader: TreeReader, tree: str) -> Snapshot:
    """The one place a catalog is read at a revision (tests count the calls)."""
    return reader.snapshot(tree)


class TreeCache:
    """Pair diffs and snapshots by tree id, in the git folder; written atomically, and only
    files this class made are ever removed."""

    def __init__(self, repo: Repo):
        self.repo = repo
        self.code = _code_digest()
        self.folder = repo.git_path(CACHE_FOLDER)
        self.snapshots: dict[str, Snapshot] = {}
        self.known: dict[str, Callable[[], Snapshot]] = {}  # trees read otherwise, by id
        self.reader = TreeReader(repo)

    def _read(self, name: str) -> dict | None:
        try:
            return json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write(self, name: str, data: dict) -> None:
        with contextlib.suppress(OSError):  # a read-only repository: no cache, still correct
            write_file(self.folder / name,
                       json.dumps(data, separators=(",", ":"), default=str).encode("utf-8"))

    def snapshot(self, tree: str) -> Snapshot:
        """A tree's snapshot: from memory (the last few, as consecutive steps share trees), from
        the file kept for the newest tree, or by checking the catalog."""
        if tree in self.snapshots:
            self.snapshots[tree] = self.snapshots.pop(tree)  # most recently used last
            return self.snapshots[tree]
        bad = self._read(f"{self.code}-bad-{tree}.json")
        if bad is not None:
            raise UnreadableCatalog(bad["error"])
        cached = {"events": self.known[tree]()} if tree in self.known else None
        cached = cached or self._read(f"{self.code}-tree-{tree}.json")
        if cached is None:
            try:
                cached = {"events": read_tree(self.reader, tree)}
            except UnreadableCatalog as error:
                self._write(f"{self.code}-bad-{tree}.json", {"error": str(error)})
                raise
        self.snapshots[tree] = cached["events"]
        while len(self.snapshots) > 3:  # a 5,000-event snapshot is tens of MB in memory
            del self.snapshots[next(iter(self.snapshots))]
        return self.snapshots[tree]

    def _pair(self, old: str, new: str) -> str:
        return f"{self.code}-pair-{old or 'none'}-{new}.json"

    def prefetch(self, pairs: list[tuple[str, str]], newest: str) -> None:
        """Work out the pairs not cached yet in worker processes, which write the cache. Each
        worker takes a run of consecutive pairs: neighbours share a tree, read once, and the
        files two trees share are parsed once. The worker that reads the newest tree keeps its
        snapshot for the next run."""
        todo = [p for p in pairs if not (self.folder / self._pair(*p)).is_file()]
        workers = min(forkpool.available(), len(todo) // 2)
        if workers < 2:
            return
        runs = [todo[i * len(todo) // workers:(i + 1) * len(todo) // workers] for i in range(workers)]
        with contextlib.suppress(OSError, BrokenProcessPool):  # else the parent works them out
            forkpool.fork_map(_prefetch_run, (self.repo, runs, newest, self.known), workers)

    def diff(self, old: str, new: str) -> CatalogDiff:
        """Between two trees; "" for `old` means before the catalog existed."""
        name = self._pair(old, new)
        cached = self._read(name)
        if cached is not None and "error" in cached:
            raise UnreadableCatalog(cached["error"])
        if cached is not None:
            return CatalogDiff.from_json(cached)
        try:
            result = diff(self.snapshot(old) if old else {}, self.snapshot(new))
        except UnreadableCatalog as error:
            self._write(name, {"error": str(error)})
            raise
        self._write(name, result.to_json())
        return result

    def keep(self, tree: str) -> None:
        """Save a tree's snapshot, read now if need be (unless it is saved already)."""
        if tree and not (self.folder / f"{self.code}-tree-{tree}.json").is_file():
            with contextlib.suppress(UnreadableCatalog):
                self._write(f"{self.code}-tree-{tree}.json", {"events": self.snapshot(tree)})

    def finish(self, keep_tree: str) -> None:
        """Keep the snapshot of the newest tree (the next commit is compared with it) and the
        most recent small results; remove older snapshots, which are large."""
        self.keep(keep_tree)
        try:
            files = [p for p in self.folder.iterdir() if p.suffix == ".json" and not p.name.startswith(".")]
        except OSError:
            return
        small = sorted((p for p in files if "-tree-" not in p.name),
                       key=lambda p: p.stat().st_mtime, reverse=True)
        stale = [p for p in files if "-tree-" in p.name and p.name != f"{self.code}-tree-{keep_tree}.json"]
        for path in [*stale, *small[KEEP_PAIRS:]]:
            with contextlib.suppress(OSError):
                path.unlink()


def _prefetch_run(shared: tuple[Repo, list[list[tuple[str, str]]], str, dict[str, Callable[[], Snapshot]]],
                  index: int, count: int) -> None:
    repo, runs, newest, known = shared
    cache = TreeCache(repo)
    cache.known = known
    for old, new in runs[index]:
        with contextlib.suppress(UnreadableCatalog):  # recorded in the cache, reported by the parent
            cache.diff(old, new)
        if newest in cache.snapshots:  # while it is still in memory
            cache.keep(newest)
