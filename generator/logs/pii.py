"""Values that look like personal data: e-mail addresses, IP addresses, phone numbers and card
numbers. Used to flag such values in fields the catalog says hold none, and to mask examples.

Each detector is a regular expression, checked further where a pattern alone would match too much
(an IPv6 candidate must parse, a card number must pass the Luhn check). Tracking logs repeat the
same values (course ids, page URLs) endlessly, so answers are cached in a bounded dict."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# a leading + and 8 to 14 digits (E.164), or the 3-3-4 form with separators
_PHONE = re.compile(r"(?<![\w+])(?:\+\d[\d .-]{7,16}\d|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?![\w])")
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# cheap gate: a value with no digit and no @ cannot match any detector
_GATE = re.compile(r"[\d@]")

PiiKind = Literal["email", "ip-address", "phone", "card-number"]  # what a value seems to hold
_CACHE_MAX = 50_000
_cache: dict[str, PiiKind | None] = {}


def _luhn(digits: str) -> bool:
    total, double = 0, False
    for char in reversed(digits):
        value = int(char)
        if double:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
        double = not double
    return total % 10 == 0


def _is_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


# what comes before a URL's host: the scheme's '://', a user (and password) and '@', a '[' for IPv6
_BEFORE_HOST = re.compile(r"://(?:[^\s/?#@]*@)?\[?\Z")


def _url_host(value: str, start: int) -> bool:
    """Whether the match at `start` is the host of a URL ('http://10.0.0.1/x', 'http://[::1]/',
    'https://user:pass@10.0.0.1/'): a server's address, not a person's."""
    return _BEFORE_HOST.search(value, max(0, start - 256), start) is not None


def _spans(value: str) -> list[tuple[int, int, PiiKind]]:
    """(start, end, kind) of every PII-looking part of the value."""
    found: list[tuple[int, int, PiiKind]] = []
    for match in _EMAIL.finditer(value):
        found.append((match.start(), match.end(), "email"))
    for match in _IPV4.finditer(value):
        if not _url_host(value, match.start()):
            found.append((match.start(), match.end(), "ip-address"))
    for match in _IPV6.finditer(value):
        if match.group().count(":") >= 2 and _is_ipv6(match.group()) and not _url_host(value, match.start()):
            found.append((match.start(), match.end(), "ip-address"))
    for match in _CARD.finditer(value):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            found.append((match.start(), match.end(), "card-number"))
    for match in _PHONE.finditer(value):
        if 8 <= sum(c.isdigit() for c in match.group()) <= 15:
            found.append((match.start(), match.end(), "phone"))
    return found


def pii_kind(value: str) -> PiiKind | None:
    """The first kind of personal data the string seems to hold, or None."""
    if value in _cache:
        return _cache[value]
    kind = None
    if _GATE.search(value):
        spans = _spans(value)
        if spans:
            kind = min(spans)[2]
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[value] = kind
    return kind


def mask(value: str) -> str:
    """The value with each PII-looking part replaced by its kind: 'mail <email>'."""
    spans = sorted(_spans(value)) if _GATE.search(value) else []
    out, at = [], 0
    for start, end, kind in spans:
        if start < at:
            continue  # overlaps a part already masked
        out += [value[at:start], f"<{kind}>"]
        at = end
    out.append(value[at:])
    return "".join(out)
