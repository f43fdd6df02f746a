"""The Python engine on every core: the logs are cut into tasks (a plain file into byte ranges that
start and end on line boundaries, a gzip file whole, since it cannot be entered in the middle), each
task is checked in a process of its own, and the partial reports are merged in task order.

The merged report is the one a single process makes: counts add up; first places, first and last
times and the order in which names were first seen all follow the files' order, because tasks are
merged in that order and each task's line numbers are shifted by the lines of the tasks before it
in the same file. Past the limits on distinct names (check.MAX_NAMES and friends) the totals stay
the same but which names keep their own row may differ."""

from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..link import Catalog
from .check import MAX_FINDINGS_PER_EVENT, MAX_GROUPS, MAX_NAMES, Checker, check_logs
from .read import GZIP_MAGIC, MAX_LINE_BYTES, FileStats, Progress, read_range
from .report import EXAMPLES, Finding, Report, Seen

MIN_TASK_BYTES = 16 << 20  # below this a task costs more to start and merge than it saves
MALFORMED_EXAMPLES = 20


@dataclass(frozen=True)
class Task:
    index: int  # the task's place in file order
    file_index: int
    path: str
    start: int
    end: int  # -1: to the end (a whole gzip file)
    gzip: bool
    size: int = 0  # bytes it reads (of the compressed file for gzip): the largest run first


def plan(paths: list[Path], jobs: int, task_bytes: int | None = None) -> list[Task]:
    """Tasks in file order. Plain files are cut into ranges that shrink as the work left does:
    each is about 1/(2 x jobs) of the bytes not yet planned, never under MIN_TASK_BYTES (or all
    `task_bytes` when given). Large ranges first keep the start-up and merge costs few; small ones
    last leave no core waiting long for the others at the end."""
    sizes = [p.stat().st_size for p in paths]
    left = sum(sizes)
    tasks: list[Task] = []
    for file_index, (path, size) in enumerate(zip(paths, sizes, strict=True)):
        with open(path, "rb") as handle:
            packed = handle.read(2) == GZIP_MAGIC
        start = 0
        while True:
            step = task_bytes or max(MIN_TASK_BYTES, left // (2 * max(1, jobs)) + 1)
            end = size if packed or size - start <= step else start + step
            tasks.append(Task(len(tasks), file_index, str(path), start, -1 if end == size else end, packed,
                              end - start))
            left -= end - start
            start = end
            if start >= size:
                break
    return tasks


# --- in each process ---------------------------------------------------------------------------

_CATALOG: Catalog | None = None  # set before the pool forks, so no process unpickles a catalog


@dataclass
class Partial:
    task: Task
    report: Report  # places in it are (task index, line within the task)
    findings: dict[tuple, Finding]
    stats: FileStats
    comments: int


def _check_task(task: Task, max_line_bytes: int = MAX_LINE_BYTES) -> Partial:
    assert _CATALOG is not None
    checker = Checker(_CATALOG)
    checker.place = lambda file_index, line: (task.index, line)  # type: ignore[assignment]
    stats = FileStats(task.path, gzip=task.gzip)
    checker.stats.append(stats)
    checker.consume(read_range(Path(task.path), task.start, task.end, stats, max_line_bytes), max_line_bytes)
    return Partial(task, checker.report, checker.findings, stats, checker.comments.get(0, 0))


# --- merging -----------------------------------------------------------------------------------

class _Merge:
    def __init__(self, catalog: Catalog, paths: list[Path], tasks: list[Task], catalog_name: str,
                 made: str):
        self.checker = Checker(catalog, catalog_name, made)
        self.checker.stats.extend(FileStats(str(p)) for p in paths)
        self.tasks = tasks
        self.offset: dict[int, int] = {}  # task index -> lines of the same file before it

    def place(self, where: Any) -> str:
        task_index, line = where
        task = self.tasks[task_index]
        return self.checker.place(task.file_index, self.offset[task_index] + line)

    def places(self, into: list[str], more: list, limit: int = EXAMPLES) -> None:
        for where in more:
            if len(into) >= limit:
                return
            into.append(self.place(where))

    def seen(self, table: dict[str, Seen], name: str, part: Seen) -> None:
        seen = table.get(name)
        if seen is None:
            seen = table[name] = Seen()
        seen.count += part.count
        for side, count in part.sides.items():
            if side in seen.sides or len(seen.sides) < 8:
                seen.sides[side] = seen.sides.get(side, 0) + count
        self.places(seen.where, part.where)
        if part.first_key < seen.first_key:
            seen.first_key, seen.first = part.first_key, part.first
        if part.last_key > seen.last_key:
            seen.last_key, seen.last = part.last_key, part.last

    def add(self, partial: Partial) -> None:
        task, part, checker = partial.task, partial.report, self.checker
        report = checker.report
        stats = checker.stats[task.file_index]
        self.offset[task.index] = stats.lines
        stats.lines += partial.stats.lines
        stats.blank += partial.stats.blank
        stats.gzip = partial.stats.gzip
        stats.truncated = stats.truncated or partial.stats.truncated
        if partial.comments:
            checker.comments[task.file_index] = checker.comments.get(task.file_index, 0) + partial.comments
        report.records += part.records
        for shape, count in part.shapes.items():
            report.shapes[shape] = report.shapes.get(shape, 0) + count
        report.malformed += part.malformed
        for example in part.malformed_examples:
            if len(report.malformed_examples) < MALFORMED_EXAMPLES:
                report.malformed_examples.append({**example, "where": self.place(example["where"])})
        report.unnamed += part.unnamed
        self.places(report.unnamed_where, part.unnamed_where)
        for name, seen in part.events.items():
            self.seen(report.events, name, seen)
        for name, seen in part.undocumented.items():
            if name not in report.undocumented and len(report.undocumented) >= MAX_NAMES:
                report.undocumented_overflow += seen.count
            else:
                self.seen(report.undocumented, name, seen)
        report.undocumented_overflow += part.undocumented_overflow
        for group, seen in part.implicit.items():
            if group not in report.implicit and len(report.implicit) >= MAX_GROUPS:
                group = "(other paths)"
            self.seen(report.implicit, group, seen)
        for call, seen in part.calls.items():
            self.seen(report.calls, call, seen)
        for key, finding in partial.findings.items():
            merged = checker.findings.get(key)
            if merged is None:  # as Checker._add decides it, key by key in the order first seen
                count = checker.per_event.get(finding.event, 0)
                if count >= MAX_FINDINGS_PER_EVENT:
                    key = (finding.kind, finding.event, "(more fields)", finding.part, "")
                    merged = checker.findings.get(key)
                if merged is None:
                    checker.per_event[finding.event] = count + 1
                    merged = checker.findings[key] = Finding(*key)
            merged.count += finding.count
            self.places(merged.where, finding.where)


def check_parallel(catalog: Catalog, paths: list[Path], jobs: int, progress: Progress | None = None,
                   catalog_name: str = "", made: str = "", task_bytes: int | None = None,
                   max_line_bytes: int = MAX_LINE_BYTES) -> Report:
    global _CATALOG
    tasks = plan(paths, jobs, task_bytes)
    merge = _Merge(catalog, paths, tasks, catalog_name, made)
    total = sum(p.stat().st_size for p in paths)
    done = 0
    _CATALOG = catalog
    gc.freeze()  # what the processes inherit is never collected there, so never copied on write
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
            # started largest first (a big gzip file last would keep one core busy alone) ...
            started = sorted(tasks, key=lambda t: -t.size)
            futures = dict(zip((t.index for t in started),
                               (pool.submit(_check_task, t, max_line_bytes) for t in started), strict=True))
            for task in tasks:  # ... merged in file order, whatever order they finish in
                merge.add(futures.pop(task.index).result())
                done += task.size
                if progress is not None:
                    progress(min(done, total), total)
    finally:
        _CATALOG = None
        gc.unfreeze()
    return merge.checker.finish()


def check_files(catalog: Catalog, paths: list[Path], progress: Progress | None = None,
                catalog_name: str = "", made: str = "", max_line_bytes: int = MAX_LINE_BYTES,
                jobs: int | None = None) -> Report:
    """The report on the logs with `jobs` processes (None: every core); the same for any number.
    Logs smaller than one task are checked in this process: starting others would cost more."""
    paths = [Path(p) for p in paths]
    jobs = jobs or default_jobs()
    if jobs > 1 and len(paths) + sum(p.stat().st_size for p in paths) // MIN_TASK_BYTES > 1:
        return check_parallel(catalog, paths, jobs, progress, catalog_name, made,
                              max_line_bytes=max_line_bytes)
    return check_logs(catalog, paths, progress, catalog_name, made, max_line_bytes)


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
