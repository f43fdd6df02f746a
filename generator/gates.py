"""`--fail-on` thresholds for CI, shared by every report that gates a run (`logs check`,
`code scan`): `KIND=N` fails when KIND is found more than N times, `coverage<P%` when less than P%
of the events the report could see were seen. Each report names its kinds and counts them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from .diagnostics import did_you_mean


class Gated(Protocol):
    def coverage(self) -> float: ...

    def counts(self) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class Gate:
    kind: str  # one of the report's kinds, or "coverage"
    limit: float  # most findings allowed; for coverage, the lowest percentage allowed

    def failed(self, report: Gated) -> str:
        """Why the report fails this gate, or ""."""
        if self.kind == "coverage":
            value = report.coverage()
            return f"coverage {value:.1f}% is below {self.limit:g}%" if value < self.limit else ""
        count = report.counts()[self.kind]
        return f"{self.kind}: {count} found, more than {self.limit:g} allowed" if count > self.limit else ""


def parse_gate(text: str, kinds: Iterable[str]) -> Gate:
    """A gate from its command-line text; ValueError with what to write instead."""
    kinds = list(kinds)
    text = text.strip()
    if text.startswith("coverage"):
        rest = text[len("coverage"):].strip()
        if rest[:1] in ("<", "=") and rest.rstrip("%")[1:].strip():
            try:
                limit = float(rest[1:].rstrip("%"))
            except ValueError:
                raise ValueError(f"'{text}': the coverage must be a percentage, like coverage<80%") from None
            if 0 <= limit <= 100:
                return Gate("coverage", limit)
        raise ValueError(f"'{text}': write coverage<P% with P from 0 to 100, like coverage<80%")
    kind, sep, number = text.partition("=")
    if not sep:
        raise ValueError(f"'{text}': write KIND=N, like {kinds[0]}=0")
    if kind not in kinds:
        hint = did_you_mean(kind, [*kinds, "coverage"]) or "kinds: " + ", ".join([*kinds, "coverage"])
        raise ValueError(f"'{text}': unknown kind '{kind}' ({hint})")
    if not number.strip().isdigit():
        raise ValueError(f"'{text}': N must be a whole number, like {kind}=0")
    return Gate(kind, int(number))
