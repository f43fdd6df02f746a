"""The emitting APIs the scanner recognises and where each takes the event's name and payload.

Built in: the Open edX APIs (Python `tracker.emit`, `segment.track`, `segment.identify`,
analytics-python's `analytics.track`, an XBlock runtime's `publish`; JavaScript
`sendTrackingLogEvent`, `sendTrackEvent`, `Logger.log`, analytics.js `track` and `trackLink`). Every
other API the catalog declares for Python or JavaScript is recognised by its name too, taking the
name first and the payload second, as the recipes on event pages call them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    api: str  # the name the report gives the call
    language: str  # "python" or "javascript"
    suffix: str  # the callee matches when its dotted text is this or ends with "." + this
    name_at: int  # positional index of the event name; -1 when the API takes none (identify)
    name_kw: str
    payload_at: int
    payload_kw: str
    catalog_api: str = ""  # the catalog API it implements, when another name (runtime.publish)

    @property
    def implements(self) -> str:
        return self.catalog_api or self.api


BUILT_IN = (
    Shape("tracker.emit", "python", "tracker.emit", 0, "name", 1, "data"),
    Shape("segment.track", "python", "segment.track", 1, "event_name", 2, "properties"),
    Shape("segment.identify", "python", "segment.identify", -1, "", 1, "properties"),
    # analytics-python (what segment.track calls): the same API name as analytics.js, on the
    # server side, so an event the catalog lists as analytics.js-only gets a side finding
    Shape("analytics.track", "python", "analytics.track", 1, "event", 2, "properties"),
    # an XBlock's self.runtime.publish(block, event_type, event) lands in the tracking log
    Shape("runtime.publish", "python", "runtime.publish", 1, "event_type", 2, "event",
          "tracker.emit"),
    Shape("sendTrackingLogEvent", "javascript", "sendTrackingLogEvent", 0, "", 1, ""),
    Shape("sendTrackEvent", "javascript", "sendTrackEvent", 0, "", 1, ""),
    Shape("Logger.log", "javascript", "Logger.log", 0, "", 1, ""),
    Shape("analytics.track", "javascript", "analytics.track", 0, "", 1, ""),
    Shape("analytics.trackLink", "javascript", "analytics.trackLink", 1, "", 2, "",
          "analytics.track"),
)

LANGUAGES = {"python": "python", "javascript": "javascript", "typescript": "javascript",
             "jsx": "javascript", "tsx": "javascript"}


def shapes(declared: Iterable[tuple[str, str, bool]] = ()) -> dict[str, tuple[Shape, ...]]:
    """The shapes by language, the built-in ones plus one per declared (api name, language,
    puts a name on the wire) the built-ins do not cover: the name first and the payload second,
    as the catalog's recipes call them, or the payload first for a call with no name (identify).
    APIs of other languages (Kotlin, Swift) are not scanned."""
    known = {(s.api, s.language) for s in BUILT_IN}
    found = list(BUILT_IN)
    for name, language, named in declared:
        lang = LANGUAGES.get(language)
        if lang and (name, lang) not in known:
            known.add((name, lang))
            python = lang == "python"
            found.append(Shape(name, lang, name, 0 if named else -1, "name" if python and named else "",
                               1 if named else 0, "data" if python else ""))
    return {lang: tuple(s for s in found if s.language == lang) for lang in ("python", "javascript")}


class Matcher:
    """Finds the API a callee names: by its last component first, then the whole suffix."""

    def __init__(self, candidates: Iterable[Shape]) -> None:
        self.by_last: dict[str, list[Shape]] = {}
        for shape in candidates:
            self.by_last.setdefault(shape.suffix.rsplit(".", 1)[-1], []).append(shape)
        self.last_names = frozenset(self.by_last)

    def match(self, *texts: str) -> Shape | None:
        for text in texts:
            for shape in self.by_last.get(text.rsplit(".", 1)[-1], ()):
                if text == shape.suffix or text.endswith("." + shape.suffix):
                    return shape
        return None


@functools.lru_cache(maxsize=4)
def as_bytes(names: frozenset[str]) -> frozenset[bytes]:
    """The names as UTF-8, to compare with names found in source bytes (made once per scan)."""
    return frozenset(n.encode("utf-8") for n in names)
