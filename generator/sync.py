"""Stage 5: write generated pages into their folder, touching only what changed.

Sphinx re-reads a page when its file's modification time moves, so rewriting unchanged files would
turn every build into a full build. A manifest records which files we made: we delete only those
(when their event is gone), and never overwrite or delete a file we did not make.

A run can be killed at any instant, the disk can fill, and two runs can overlap (an editor's save
triggers the live preview while CI builds). So a run:

1. takes a lock on the folder (flock: the kernel drops it when the process dies, so a killed run
   never leaves a stale lock behind), so runs take turns instead of interleaving their writes;
2. writes an intent record, atomically, before touching any page: the files it is about to create,
   each with the digest of the bytes it will put there;
3. writes each page to a temporary file and renames it into place (a page is old or new, never
   half), deletes pages that are gone, writes the manifest (atomically) last, and removes the
   intent record.

The next run finds an intent record only if the last one stopped part-way. A file it lists whose
bytes have the recorded digest is one that run made, so it is ours (not a hand-written file in the
way), and temporary files the dead run left are removed. It then simply does its work, so the
folder ends as a clean run would leave it; nobody has to delete anything. The digest check is why
the record is not just a list of names: a file someone puts at such a path by hand keeps its
protection, since its bytes are not the ones eventcat meant to write.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import CatalogError, Diagnostic

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the intent record still recovers
    fcntl = None  # type: ignore[assignment]

MANIFEST = ".eventcat-manifest.json"
PENDING = ".eventcat-pending.json"  # the intent record of a run under way
LOCK = ".eventcat-lock"
TEMP_PREFIX, TEMP_SUFFIX = ".eventcat-", ".tmp"


@dataclass
class SyncReport:
    written: list[str] = field(default_factory=list)  # new or changed
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # new: written, and not there before


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give: mkstemp's files are private (0600)


def write_file(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written page. The
    file gets the mode a plain open() would give, so a web server or CI step can read it. On any
    failure (a full disk, say) the temporary file is removed and the target is as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(error, OSError) and error.errno is not None:
            # a full disk fails in write() with no file name: name the file meant, not the temp
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


HEAD_BYTES = 4096  # how much of an existing file `write_output` reads to tell whether it is ours


def write_output(path: Path, data: bytes, ours: Callable[[bytes], bool], force: bool = False) -> None:
    """A file the user named (`--out`, `--save-report`), written whole. A file already there is
    replaced only when eventcat wrote it, or with `force`. Each format says how it is recognised
    from its first bytes (`ours`): a saved report and the catalog JSON by their "format" key,
    the Segment whitelist by its first comment line, a CSV by its exact header row, a JSON Schema
    by its "$comment". Content rather than a list of files written: the files travel (CI
    artefacts, another checkout), and a file a person wrote over ours is theirs again."""
    check_output(path, ours, force)
    write_file(Path(path), data)


def check_output(path: Path, ours: Callable[[bytes], bool], force: bool = False) -> None:
    """Raise CatalogError when `write_output` would refuse: before an hour of work, not after."""
    path = Path(path)
    if not force:
        try:
            with open(path, "rb") as handle:
                head = handle.read(HEAD_BYTES)
        except (FileNotFoundError, IsADirectoryError):
            head = None  # nothing to protect; a folder in the way is reported when writing
        if head is not None and not ours(head):
            raise CatalogError([Diagnostic(str(path), 0, 0, "foreign-file",
                                           "refusing to replace a file eventcat did not write",
                                           "pass --force to replace it, or choose another path")])


def read_manifest_data(out_dir: Path) -> dict:
    return _read_json(Path(out_dir) / MANIFEST)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}


def read_manifest(out_dir: Path) -> set[str]:
    return {p for p in read_manifest_data(out_dir).get("files", []) if isinstance(p, str)}


def interrupted(out_dir: Path) -> bool:
    """Whether the last run in this folder stopped part-way (its intent record is still there)."""
    return (Path(out_dir) / PENDING).exists()


def _inside(out_dir: Path, relative: str) -> Path:
    target = (out_dir / relative).resolve()
    if not target.is_relative_to(out_dir.resolve()) or ".." in Path(relative).parts:
        raise ValueError(f"refusing to write outside the output folder: {relative}")
    return target


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """One run at a time in the folder; a second waits for the first to finish. The lock file is
    removed when the run ends, so a folder eventcat refused to write into is left as it was; a
    waiter that then holds a lock on the removed file sees so and locks the new one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        if fcntl is None:  # pragma: no cover
            break
        fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(FileNotFoundError):
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)  # closing releases the lock


def _recover(out_dir: Path) -> dict[str, str]:
    """After a run that stopped part-way: the files it made (relative path → digest), and its
    temporary files removed."""
    pending = _read_json(out_dir / PENDING)
    adds = pending.get("adds")
    made = {}
    for relative, digest in (adds.items() if isinstance(adds, dict) else ()):
        if not isinstance(relative, str) or not isinstance(digest, str):
            continue
        try:
            path = _inside(out_dir, relative)
            if path.is_file() and _digest(path.read_bytes()) == digest:
                made[relative] = digest
        except (ValueError, OSError):
            continue  # a tampered record must not make us claim a file elsewhere
    _remove_temporary_files(out_dir, deep=True)
    return made


def _remove_temporary_files(out_dir: Path, deep: bool) -> None:
    """Temporary files a killed run left: in the whole tree after a run that stopped part-way
    (its intent record says so), else only beside the intent record (a run killed while writing
    the record itself), which costs one directory listing."""
    for folder, folders, names in os.walk(out_dir):
        for name in names:
            if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))
        if not deep:
            folders.clear()


def sync(pages: dict[str, str | bytes | None], out_dir: Path, record: dict | None = None) -> SyncReport:
    """Write the pages; a page given as None was not rendered because its inputs did not change,
    and stays as it is. `record` is kept in the manifest beside the file list (what the pages
    were made from, so unchanged inputs can be recognised without rebuilding)."""
    out_dir = Path(out_dir)
    with locked(out_dir):
        return _sync(pages, out_dir, record)


def _sync(pages: dict[str, str | bytes | None], out_dir: Path, record: dict | None) -> SyncReport:
    report = SyncReport()
    listed = read_manifest(out_dir)
    if interrupted(out_dir):
        recovered = _recover(out_dir)
    else:
        recovered = {}
        _remove_temporary_files(out_dir, deep=False)
    previous = listed | recovered.keys()
    try:
        targets = {relative: _inside(out_dir, relative) for relative in pages}
    except ValueError as error:
        raise CatalogError([Diagnostic(str(out_dir), 0, 0, "unsafe-output", str(error),
                                       "a symbolic link inside the output folder leads out of it; "
                                       "remove the link (eventcat writes only inside the folder)")]
                           ) from None

    # A file in the way that we did not make is somebody's work: stop before writing anything.
    foreign = [r for r, path in targets.items() if r not in previous and path.exists()]
    if foreign:
        raise CatalogError([Diagnostic(str(out_dir / r), 0, 0, "foreign-file",
                                       "refusing to overwrite a file eventcat did not make",
                                       "move it away, or choose another output folder")
                            for r in sorted(foreign)])

    writes: dict[str, bytes] = {}
    adds: dict[str, str] = {}  # files this run may leave that the old manifest does not list
    for relative in sorted(pages):
        page = pages[relative]
        if page is None:
            report.unchanged += 1
            continue
        data = page.encode("utf-8") if isinstance(page, str) else page
        if relative not in listed:
            adds[relative] = _digest(data)
        with contextlib.suppress(FileNotFoundError):
            if targets[relative].read_bytes() == data:
                report.unchanged += 1  # (a page the stopped run made is right already)
                continue
        writes[relative] = data
    gone = sorted(previous - pages.keys())
    manifest = {"generator": "eventcat", **(record or {}), "files": sorted(pages)}

    if writes or gone:
        adds.update((r, d) for r, d in recovered.items() if r not in pages)
        write_file(out_dir / PENDING, (json.dumps({"generator": "eventcat", "adds": adds},
                                                  indent=1) + "\n").encode())
    for relative, data in writes.items():
        write_file(targets[relative], data)
        report.written.append(relative)
        if relative not in previous:
            report.added.append(relative)

    for relative in gone:
        try:
            path = _inside(out_dir, relative)
        except ValueError:
            continue  # a tampered manifest must not make us delete elsewhere
        if path.is_file():
            path.unlink()
            report.deleted.append(relative)
        _remove_empty_parents(path.parent, out_dir)  # also after a run stopped between the two

    if read_manifest_data(out_dir) != manifest:
        write_file(out_dir / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out_dir / PENDING)
    return report


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    stop = stop.resolve()
    folder = folder.resolve()
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            return
        folder = folder.parent
