"""Work spread over forked worker processes. The workers inherit the parent's objects (a linked
catalog, a git repository handle) instead of receiving them pickled, which would cost more than
the work itself; only indices and results cross between processes."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

Shared = TypeVar("Shared")
Result = TypeVar("Result")

MAX_WORKERS = 4  # more processes than this share memory bandwidth and gain little

# Work handed to the workers, by token: set before the fork, inherited, cleared afterwards.
_handed: dict[int, tuple[Callable[..., Any], Any]] = {}
_tokens = itertools.count()


def available(limit: int = MAX_WORKERS) -> int:
    """How many workers are worth starting: 0 where processes cannot be forked."""
    if "fork" not in mp.get_all_start_methods():
        return 0
    return min(os.cpu_count() or 1, limit)


def fork_map(work: Callable[[Shared, int, int], Result], shared: Shared, count: int) -> list[Result]:
    """[work(shared, index, count) for index in range(count)], each call in its own forked
    worker. Raises OSError or BrokenProcessPool when the workers cannot be started or die."""
    with _handing(work, shared) as token, \
            ProcessPoolExecutor(count, mp_context=mp.get_context("fork")) as pool:
        return list(pool.map(_run, [token] * count, range(count), [count] * count))


@contextmanager
def fork_one(work: Callable[[Shared], Result], shared: Shared) -> Iterator[Future[Result]]:
    """work(shared) in one forked worker while the parent goes on; the future holds its result."""
    with _handing(work, shared) as token, \
            ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
        yield pool.submit(_run_one, token)


@contextmanager
def _handing(work: Callable[..., Any], shared: Any) -> Iterator[int]:
    token = next(_tokens)
    _handed[token] = (work, shared)
    try:
        yield token
    finally:
        del _handed[token]


def _run(token: int, index: int, count: int) -> Any:
    work, shared = _handed[token]
    return work(shared, index, count)


def _run_one(token: int) -> Any:
    work, shared = _handed[token]
    return work(shared)
