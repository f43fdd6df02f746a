"""Stream the lines of tracking-log files: plain or gzip (told by the magic bytes, not the suffix),
JSON Lines or the LMS log-line form (`<date> INFO ... - {json}`), with file and line numbers.

Lines are yielded as bytes: json.loads decodes UTF-8 itself, faster than decoding each line to str
first. Nothing is kept from one line to the next, and no line is held longer than the maximum line
length (a line past it is read on in pieces, thrown away, and yielded as TOO_LONG), so memory stays
flat whatever the bytes: a gzip bomb of one endless line costs the same as a short log."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
PROGRESS_EVERY = 1 << 14  # lines between two progress calls: cheap enough to be invisible
# The longest line read as a record. Real tracking-log records are a few kB (a problem_check with
# its whole state a few hundred); a line past this is counted malformed. `--max-line-bytes`.
MAX_LINE_BYTES = 4 << 20
# Yielded in place of a line longer than the maximum (compare with `is`): its bytes are gone.
TOO_LONG = b"\x00(line too long)"

# progress(done_bytes, total_bytes) over all files; for gzip, bytes of the compressed file
Progress = Callable[[int, int], None]


class LogFileError(Exception):
    """A file that cannot be read at all (missing, a folder, no permission)."""


@dataclass
class FileStats:
    path: str
    lines: int = 0
    blank: int = 0
    gzip: bool = False
    truncated: str = ""  # why reading stopped early, if it did


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def check_readable(paths: list[Path]) -> None:
    """Fail before any work starts: a missing file found after an hour of reading helps nobody."""
    for path in paths:
        if not path.exists():
            raise LogFileError(f"{path}: no such file")
        if not path.is_file():
            raise LogFileError(f"{path}: not a file")
        if not os.access(path, os.R_OK):
            raise LogFileError(f"{path}: cannot be read (permission denied)")


def json_part(line: bytes) -> bytes | None:
    """The JSON object of a line: the whole line in JSON Lines, the text after ' - ' in the LMS
    log-line form. None when the line holds no object at all."""
    if line[:1] == b"{":
        return line
    at = line.find(b" - {")
    if at >= 0:
        return line[at + 3:]
    at = line.find(b"{")
    return line[at:] if at >= 0 else None


def _bounded_lines(handle: io.BufferedIOBase, limit: int) -> Iterator[bytes]:
    """The file's lines, each at most `limit` bytes plus its end; a longer one is read on to its
    end in `limit`-sized pieces that are dropped at once, and comes out as TOO_LONG."""
    readline = handle.readline
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            line = readline(limit)
            while line and not line.endswith(b"\n"):
                line = readline(limit)
            yield TOO_LONG
            continue
        yield line


def read_lines(paths: list[Path], stats: list[FileStats], progress: Progress | None = None,
               max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, int, bytes]]:
    """(file index, line number, line without its end) for every non-blank line of every file;
    TOO_LONG for a line longer than `max_line_bytes`. `stats` receives one FileStats per file,
    filled in as reading goes."""
    total = sum(p.stat().st_size for p in paths)
    done_before = 0
    for index, path in enumerate(paths):
        stat = FileStats(str(path))
        stats.append(stat)
        raw = open(path, "rb")  # noqa: SIM115 -- a generator: closed in the finally below
        try:
            stat.gzip = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            handle = gzip.GzipFile(fileobj=raw, mode="rb") if stat.gzip else raw
            number = 0
            try:
                for number, line in enumerate(_bounded_lines(handle, max_line_bytes), 1):
                    if number % PROGRESS_EVERY == 0 and progress is not None:
                        progress(done_before + raw.tell(), total)
                    if line is TOO_LONG:
                        yield index, number, line
                        continue
                    line = line.rstrip(b"\r\n")
                    if not line.strip():
                        stat.blank += 1
                        continue
                    yield index, number, line
            except (EOFError, OSError, zlib.error) as error:
                # a gzip file cut short, or a read error: say so, keep what was read, go on
                stat.truncated = f"reading stopped after line {number}: {error or 'the file ends early'}"
            stat.lines = number
        finally:
            raw.close()
        done_before += path.stat().st_size
        if progress is not None:
            progress(done_before, total)


def read_range(path: Path, start: int, end: int, stat: FileStats, max_line_bytes: int = MAX_LINE_BYTES
               ) -> Iterator[tuple[int, int, bytes]]:
    """(0, line number within the range, line) for the lines that start at a byte in [start, end)
    of a plain file (end -1: to the end); a gzip file only whole (start 0, end -1). A line belongs
    to the range its first byte is in, so ranges cut anywhere share out every line exactly once.
    `stat` counts the range's lines (blank ones included) and blank lines."""
    with open(path, "rb") as raw:
        handle = gzip.GzipFile(fileobj=raw, mode="rb") if stat.gzip else raw
        number = 0
        try:
            if start > 0:
                raw.seek(start - 1)
                raw.readline()  # the rest of a line that started before the range
            at = raw.tell()
            for line in _bounded_lines(handle, max_line_bytes):
                if end >= 0:
                    if at >= end:
                        break
                    # where the next line starts: counted, as a tell() per line costs 2% of a check
                    at = raw.tell() if line is TOO_LONG else at + len(line)
                number += 1
                if line is TOO_LONG:
                    yield 0, number, line
                    continue
                line = line.rstrip(b"\r\n")
                if not line.strip():
                    stat.blank += 1
                    continue
                yield 0, number, line
        except (EOFError, OSError, zlib.error) as error:
            stat.truncated = f"reading stopped after line {number}: {error or 'the file ends early'}"
        stat.lines = number
