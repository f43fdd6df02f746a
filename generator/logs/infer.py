"""Draft definitions for undocumented events from samples in the logs: one YAML file per name, in
the catalog layout, with the fields seen, their inferred types, required or optional from how often
they appear, masked example values and the side from `event_source`. What a log cannot tell
(summary, owner, PII class, where the code lives) is left as a TODO for the author."""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..link import Catalog, derive_domain, page_slug
from ..lint import name_style_pattern
from ..model import EVENT_NAME_MAX, FIELD_NAME_PATTERN, NAME_RE, ApiDefinition, Event
from ..scaffold import _schema_line, default_api, default_schemas
from ..sync import FILE_MODE
from ..yamltext import comment, scalar
from .check import _is_datetime, build_lookup, json_type, parse_line, time_key
from .pii import mask, pii_kind
from .read import MAX_LINE_BYTES, Progress, read_lines
from .records import SEGMENT, Record, normalise

MAX_NAMES = 1_000
MAX_FIELDS = 100
SIDES = ("server", "browser", "mobile", "task")
_FIELD_NAME = re.compile(FIELD_NAME_PATTERN)
PII_CHOICES = "none, pseudonymous, identifier, contact, network, location, free-text or sensitive"


@dataclass
class FieldSample:
    present: int = 0
    types: Counter = field(default_factory=Counter)
    example: Any = None
    pii: str = ""  # the first kind of personal data a value looked like


@dataclass
class NameSample:
    count: int = 0
    sides: Counter = field(default_factory=Counter)
    shapes: Counter = field(default_factory=Counter)
    fields: dict[str, FieldSample] = field(default_factory=dict)
    first: str = ""
    last: str = ""
    first_key: float = float("inf")
    last_key: float = float("-inf")


def collect(catalog: Catalog, paths: list[Path], progress: Progress | None = None,
            max_line_bytes: int = MAX_LINE_BYTES) -> dict[str, NameSample]:
    """Samples of every undocumented, explicitly named event in the logs (malformed lines,
    implicit and nameless records are skipped: `logs check` reports them)."""
    lookup = build_lookup(catalog)
    samples: dict[str, NameSample] = {}
    for _, _, line in read_lines([Path(p) for p in paths], [], progress, max_line_bytes):
        data, _ = parse_line(line)
        if data is None:
            continue
        rec = normalise(data)
        if rec.implicit or not rec.names or any(n in lookup for n in rec.names):
            continue
        name = rec.names[0]
        sample = samples.get(name)
        if sample is None:
            if len(samples) >= MAX_NAMES:
                continue
            sample = samples[name] = NameSample()
        _add(sample, rec)
    return samples


def _add(sample: NameSample, rec: Record) -> None:
    sample.count += 1
    sample.shapes[rec.shape] += 1
    if rec.side is not None and (rec.side in sample.sides or len(sample.sides) < 4):
        sample.sides[rec.side] += 1
    key = time_key(rec.time)
    if key is not None:
        if key < sample.first_key:
            sample.first_key, sample.first = key, rec.time
        if key > sample.last_key:
            sample.last_key, sample.last = key, rec.time
    if type(rec.payload) is not dict:
        return
    for name, value in rec.payload.items():
        found = sample.fields.get(name)
        if found is None:
            if len(sample.fields) >= MAX_FIELDS or not _FIELD_NAME.match(name) or len(name) > 128:
                continue
            found = sample.fields[name] = FieldSample()
        found.present += 1
        if value is None or value == "":
            continue
        kind = json_type(value)
        if kind == "string" and _is_datetime(value):
            kind = "datetime"
        found.types[kind] += 1
        if isinstance(value, str):
            looks = pii_kind(value)
            if looks and not found.pii:
                found.pii = looks
        if found.example is None and kind not in ("object", "array"):
            found.example = mask(value) if isinstance(value, str) else value


def _envelope(catalog: Catalog, payload_key: str, sides: set[str]) -> str | None:
    """The envelope group around `payload_key` that the catalog's events of these sides use most
    (of every side when none was seen); the first by id when no event uses one."""
    groups = [g.id for g in catalog.groups.values() if g.envelope and g.payload_key == payload_key]
    uses = Counter(group for entry in catalog.events if not sides or sides & set(entry.sides)
                   for group in entry.event.field_groups if group in groups)
    return max(groups, key=lambda group: (uses[group], -groups.index(group))) if groups else None


def _segment_api(catalog: Catalog, side: str) -> ApiDefinition | None:
    """The side's Segment API for a `track` message: one that sends track calls first, never an
    identify call (it carries no event name)."""
    apis = [a for a in catalog.apis.values() if side in a.sides and a.channel == "segment"
            and a.record != "segment-identify"]
    return next((a for a in apis if a.record == "segment-track"), apis[0] if apis else None)


def field_type(types: Counter) -> str:
    """The catalog type that fits what was seen; an integer among numbers makes a number."""
    if not types:
        return "string"
    if set(types) <= {"integer", "number"}:
        return "number" if "number" in types else "integer"
    if set(types) <= {"string", "datetime"}:
        return "datetime" if "string" not in types else "string"
    return types.most_common(1)[0][0]


def _q(value: Any) -> str:
    """A YAML scalar through the emitter: one line, whatever the log put in it."""
    return scalar(value)


def draft(name: str, sample: NameSample, catalog: Catalog, schema_target: Path,
          schemas_dir: Path) -> str:
    kind = catalog.kind_for_name(name)
    shape = sample.shapes.most_common(1)[0][0]
    group_key = "properties" if shape == SEGMENT else "event"
    envelope = _envelope(catalog, group_key, set(sample.sides))
    sides = [s for s, _ in sample.sides.most_common() if s in SIDES] or ["server"]
    when = "" if not sample.first else (f" on {sample.first}" if sample.first == sample.last
                                        else f" between {sample.first} and {sample.last}")
    lines = [
        _schema_line(schema_target, "event", schemas_dir),
        comment(f"Drafted by `eventcat logs infer` from {sample.count} record(s){when}."),
        "# Replace every TODO and check the inferred types and required flags, then run\n",
        "# `eventcat check`. Example values that looked like personal data are masked.\n\n",
        f"name: {_q(name)}\n",
    ]
    if not name_style_pattern(catalog.config.name_style).match(name):
        lines.append("# The name is already on the wire, so it keeps its style.\nlegacy: true\n")
    lines += [
        'summary: "TODO: one line saying what happened"\n',
        "description: |\n  TODO: when is it emitted, and what question does it answer?\n",
        f"kind: {kind}\n",
    ]
    if kind in catalog.config.kinds and catalog.config.kinds[kind].review:
        lines.append('reviewed_by: "TODO: who reviewed this page"\n')
    lines += [
        "# It is on the wire already.\nstatus: active\n",
        'owner: "TODO: a team id"\n',
        comment("Sides seen (event_source): "
                + (", ".join(f"{s} ({n})" for s, n in sample.sides.most_common()) or "none") + "."),
        "implementations:\n",
    ]
    for side in sides:
        chosen = _segment_api(catalog, side) if shape == SEGMENT else None
        chosen = chosen or default_api(catalog.apis, side)
        api = chosen.name if chosen else "TODO: an API from apis/"
        lines += [f"  - side: {_q(side)}\n", f"    api: {_q(api)}\n",
                  '    where: "TODO: repository and path of the emitting code"\n']
    if sides == ["browser"]:
        lines.append('suppress:\n  prefer-server: "TODO: why the browser is the only place it happens"\n')
    lines += [f"field_groups: {_q([envelope] if envelope else [])}\n",
              "destinations: []\n"]
    if not sample.fields:
        lines.append("fields: []\n")
    else:
        lines.append("fields:\n")
    for field_name, found in sorted(sample.fields.items()):
        required = found.present == sample.count
        ftype = field_type(found.types)
        seen_types = ", ".join(sorted(found.types))
        lines += [
            comment(f"in {found.present} of {sample.count} record(s)"
                    + (f"; values seen: {seen_types}" if len(found.types) > 1 else ""), "  "),
            f"  - name: {_q(field_name)}\n",
            f"    type: {_q(ftype)}\n",
            f"    required: {'true' if required else 'false'}\n",
            '    description: "TODO: what the value means"\n',
        ]
        if found.pii:
            lines.append(f'    pii: "TODO: values looked like {found.pii}; classify as {PII_CHOICES}"\n')
        else:
            lines.append(f'    pii: "TODO: {PII_CHOICES}"\n')
        example = found.example
        if example is not None and _fits(example, ftype):
            lines.append(f"    example: {_q(example)}\n")
    return "".join(lines)


def _fits(value: Any, ftype: str) -> bool:
    if ftype in ("string", "datetime"):
        return isinstance(value, str)
    if ftype == "integer":
        return type(value) is int
    if ftype == "number":
        return type(value) in (int, float)
    if ftype == "boolean":
        return type(value) is bool
    return False


@dataclass
class Drafted:
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why)


def write_drafts(catalog: Catalog, samples: dict[str, NameSample], out_dir: Path,
                 schemas_dir: Path | None = None) -> Drafted:
    """One file per name under OUT/events/<domain>/; a file already there is never replaced.
    Their `$schema` lines point into `schemas_dir` (default: schemas/ beside OUT)."""
    result = Drafted()
    out_dir = Path(out_dir)
    for name in sorted(samples, key=str.lower):
        if len(name) > EVENT_NAME_MAX or not NAME_RE.match(name) or ".." in name:
            result.skipped.append((name[:80], "not a valid event name for the catalog"))
            continue
        domain = derive_domain(Event.model_construct(name=name, domain=None), catalog.config)
        target = out_dir / "events" / domain / f"{page_slug(name)}.yaml"
        if target.exists():
            result.skipped.append((name, f"{target} exists already; left as it is"))
            continue
        text = draft(name, samples[name], catalog, target,
                     schemas_dir or default_schemas(out_dir))
        target.parent.mkdir(parents=True, exist_ok=True)
        # a temporary file, then a hard link: the draft appears whole or not at all, and the
        # link fails rather than replace a file that appeared in the meantime
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".draft-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(temp, FILE_MODE)  # an author's file: readable as any file they make
            os.link(temp, target)
        except FileExistsError:
            result.skipped.append((name, f"{target} exists already; left as it is"))
            continue
        finally:
            os.unlink(temp)
        result.written.append(target)
    return result
