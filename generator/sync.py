"""Stage 5: write generated pages into their folder, touching only what changed.

Sphinx re-reads a page when its file's modification time moves, so rewriting unchanged files would
turn every build into a full build. A manifest records which files we made: we delete only those
(when their event is gone), and never overwrite or delete a file we did not make.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import CatalogError, Diagnostic

MANIFEST = ".eventcat-manifest.json"


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
    file gets the mode a plain open() would give, so a web server or CI step can read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".eventcat-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read_manifest_data(out_dir: Path) -> dict:
    try:
        data = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def read_manifest(out_dir: Path) -> set[str]:
    return {p for p in read_manifest_data(out_dir).get("files", []) if isinstance(p, str)}


def _inside(out_dir: Path, relative: str) -> Path:
    target = (out_dir / relative).resolve()
    if not target.is_relative_to(out_dir.resolve()) or ".." in Path(relative).parts:
        raise ValueError(f"refusing to write outside the output folder: {relative}")
    return target


def sync(pages: dict[str, str | bytes | None], out_dir: Path, record: dict | None = None) -> SyncReport:
    """Write the pages; a page given as None was not rendered because its inputs did not change,
    and stays as it is. `record` is kept in the manifest beside the file list (what the pages
    were made from, so unchanged inputs can be recognised without rebuilding)."""
    out_dir = Path(out_dir)
    report = SyncReport()
    previous = read_manifest(out_dir)
    targets = {relative: _inside(out_dir, relative) for relative in pages}

    # A file in the way that we did not make is somebody's work: stop before writing anything.
    foreign = [r for r, path in targets.items() if r not in previous and path.exists()]
    if foreign:
        raise CatalogError([Diagnostic(str(out_dir / r), 0, 0, "foreign-file",
                                       "refusing to overwrite a file eventcat did not make",
                                       "move it away, or choose another output folder")
                            for r in sorted(foreign)])

    for relative in sorted(pages):
        page = pages[relative]
        if page is None:
            report.unchanged += 1
            continue
        data = page.encode("utf-8") if isinstance(page, str) else page
        path = targets[relative]
        try:
            if path.read_bytes() == data:
                report.unchanged += 1
                continue
        except FileNotFoundError:
            pass
        write_file(path, data)
        report.written.append(relative)
        if relative not in previous:
            report.added.append(relative)

    for relative in sorted(previous - pages.keys()):
        try:
            path = _inside(out_dir, relative)
        except ValueError:
            continue  # a tampered manifest must not make us delete elsewhere
        if path.is_file():
            path.unlink()
            report.deleted.append(relative)
            _remove_empty_parents(path.parent, out_dir)

    manifest = {"generator": "eventcat", **(record or {}), "files": sorted(pages)}
    if read_manifest_data(out_dir) != manifest:
        write_file(out_dir / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
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
