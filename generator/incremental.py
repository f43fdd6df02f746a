"""What makes repeated builds fast: digests of the files the pages are made from, compared with
the ones kept in the manifest. When none changed nothing is parsed; otherwise an event page whose
own inputs did not change is not rendered again (see pipeline.generate)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from . import history as git_history
from .link import CONFIG_KEY, Catalog, EventEntry, ObjectKey, object_key
from .load import discover


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def read_inputs(catalog_dir: Path, templates_dir: Path, home_prefix: str, settings: str = "",
                coverage: Sequence[Path] = (), history: int = git_history.DEFAULT_WINDOW,
                code_report: Path | None = None) -> tuple[str, str, dict[str, str]]:
    """Digests of what the pages are made from: of everything; of what every page shares (the
    templates, the generator's own code, the settings); and of each catalog file, by its path
    relative to the catalog. Reading a few thousand small files costs a fraction of parsing them.
    The git state the history pages show (HEAD, tags) is part of everything, not of what every
    page shares: each event page's key holds its own history instead (see generate)."""
    catalog_dir = Path(catalog_dir)
    files = {p.relative_to(catalog_dir).as_posix(): p for p, _ in discover(catalog_dir)}
    per_file = {name: _digest(path.read_bytes()) for name, path in files.items()}
    shared = [__version__.encode(), home_prefix.encode(), git_history.setting_text(history).encode()]
    for path in [*sorted(Path(templates_dir).glob("*.j2")), *sorted(Path(__file__).parent.glob("*.py")),
                 *sorted(Path(__file__).parent.glob("logs/*.py")),
                 *sorted(Path(__file__).parent.glob("code/*.py"))]:
        shared += [path.name.encode(), path.read_bytes()]
    shared_digest = _digest(*shared)
    # what only the listings depend on (the coverage report, whether downloads are made) is part
    # of everything but not of what event pages share: a new log report re-renders no event page
    # (so is the code report: each event page's key holds its own call sites instead)
    listings_only = [settings.encode(), *coverage_digests(coverage),
                     *coverage_digests([code_report] if code_report else [])]
    everything = _digest(shared_digest.encode(), git_history.state(catalog_dir, history).encode(),
                         *listings_only,
                         *(f"{n}\0{d}".encode() for n, d in sorted(per_file.items())))
    return everything, shared_digest, per_file


def coverage_digests(paths: Sequence[Path]) -> list[bytes]:
    """Name and content digest of each coverage source (a missing one is reported when read)."""
    parts = []
    for path in paths:
        digest = hashlib.sha256()
        if Path(path).is_file():
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        parts.append(f"{path}\0{digest.hexdigest()}".encode())
    return parts


def page_keys(catalog: Catalog, shared: str, per_file: dict[str, str],
              history: git_history.History,
              code: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, str]:
    """For each event page, a digest of its inputs (see event_page_inputs), of what its
    history section shows and of its call sites from a code report ("Emitted at")."""
    def file_of(key: ObjectKey) -> str:
        return catalog.definitions[key].source.catalog_path
    return {f"{e.docname}.md": _digest(_digest(shared.encode(), *(
                f"{key}\0{per_file.get(file_of(key), '')}".encode()
                for key in event_page_inputs(e, catalog))).encode(),
                history.page_key(e.name).encode(),
                json.dumps(code.get(e.name) if code is not None else None, sort_keys=True).encode())
            for e in catalog.events}


def event_page_inputs(entry: EventEntry, catalog: Catalog) -> list[ObjectKey]:
    """The definitions an event page is made from (as keys of catalog.definitions): the event,
    the events it inherits from, names or is named by, its field groups, its owner's team path
    and every tool it reaches. A page whose inputs are unchanged need not be rendered again."""
    keys = {object_key("event", entry.name), CONFIG_KEY}
    source = entry.event
    while source.fields_from is not None:
        source = catalog.event(source.fields_from).event
        keys.add(object_key("event", source.name))
    keys.update(object_key("group", f.origin) for f in entry.fields if f.origin_kind == "group")
    keys.update(object_key("event", catalog.event(n).name) for n in
                (*entry.event.related, *entry.mentioned_by,
                 *([entry.event.replaced_by] if entry.event.replaced_by else [])))
    keys.update(object_key("team", t.id) for t in catalog.team_path(entry.event.owner))
    keys.update(object_key("tool", t) for t in entry.tool_ids)
    return sorted(k for k in keys if k in catalog.definitions)
