"""Problems found in a catalog, each pinned to a file, line and column a person can jump to."""

from __future__ import annotations

import difflib
import errno
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

# Every problem has a stable id, for configuration, suppression and CI tools (after MyST-Parser's
# warning types): the lint rules (lint.RULES holds one Rule for each) and the problems found
# while reading, validating, linking and writing, which cannot be switched off.
LintId = Literal["todo-placeholder", "kind-prefix", "name-style", "api-name", "docs-review", "prefer-server",
                 "segment-routing", "pii-classified", "pii-destination", "ecommerce-standard",
                 "deprecated-replacement"]
CheckId = Literal["api-side", "bad-code-report", "bad-coverage", "bad-example", "bad-key",
                  "bad-name", "bad-setting", "bad-settings", "bad-value", "duplicate-key",
                  "duplicate-name", "empty-file", "empty-value", "file-exists", "file-too-large",
                  "foreign-file", "missing-key", "no-catalog", "not-a-file", "not-a-mapping",
                  "not-finite", "not-utf8", "page-collision", "reference-cycle", "too-deep", "too-long",
                  "two-settings-files", "unknown-key", "unknown-reference", "unknown-rule",
                  "unsafe-output",
                  "unknown-setting", "wrong-type", "yaml-alias", "yaml-syntax", "yaml-tag"]
ProblemId = LintId | CheckId
LINT_IDS: tuple[LintId, ...] = get_args(LintId)

Severity = Literal["warning", "error"]  # how bad a reported problem is
RuleSetting = Literal["off", Severity]  # what a lint rule is set to in catalog.yaml

# Characters that must not reach a terminal, a report line or a generated file as they are: C0 and
# C1 controls (ESC starts terminal escape sequences; CR and LF start a new, forged line), DEL, the
# Unicode line and paragraph separators, bidirectional overrides (they reorder what is shown),
# the byte-order mark, and lone surrogates (from bytes that were not UTF-8; they cannot be written).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ufeff\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """One line of text safe to print or to write into a line-based file: every character in
    _UNSAFE is shown as its escape (`\\x1b`, `\\n`, `\\u2028`), everything else as it is."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based
    rule: ProblemId
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        # every part can carry text from a file name or a catalog value: one diagnostic, one line
        path = printable(self.path)
        where = f"{path}:{self.line}:{self.column}" if self.line else path
        hint = f" ({printable(self.hint)})" if self.hint else ""
        return f"{where}: {self.severity} {self.rule}: {printable(self.message)}{hint}"


# What to do about an operating-system error, by errno: the one line a person reads instead of a
# traceback. The path comes first, as in every other message.
_OS_ADVICE = {
    errno.ENOSPC: "the disk is full (free some space, then run again; nothing half-written was left)",
    errno.EDQUOT: "the disk quota is used up (free some space, then run again)",
    errno.EROFS: "the file system is read-only (choose a folder you can write to)",
    errno.EACCES: "permission denied (choose a folder you can write to, or fix its permissions)",
    errno.EPERM: "not permitted (choose a folder you can write to, or fix its permissions)",
    errno.EISDIR: "a folder is where a file is expected (move it away, or choose another path)",
    errno.ENOTDIR: "a file is where a folder is expected (move it away, or choose another path)",
    errno.EEXIST: "a file is already there (move it away, or choose another path)",
    errno.ENOTEMPTY: "the folder is not empty (move it away, or choose another path)",
    errno.ELOOP: "a loop of symbolic links (remove the link)",
    errno.ENAMETOOLONG: "the path is too long (choose a shorter one)",
    errno.ENOENT: "no such file or folder",
    errno.EMFILE: "too many open files (raise the limit with `ulimit -n`, then run again)",
}


def os_problem(error: OSError) -> str:
    """`path: what happened (what to do)` for an OSError, on one line."""
    what = _OS_ADVICE.get(error.errno or -1) or printable(error.strerror or str(error))
    path = error.filename
    if isinstance(path, bytes):
        path = path.decode("utf-8", "surrogateescape")
    return f"{printable(str(path))}: {what}" if path not in (None, "") else what


class CatalogError(Exception):
    """Raised by a pipeline stage when the catalog is not valid; carries every problem found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known word, or listing the choices when there are few."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if 0 < len(choices) <= 8:
        return "expected one of: " + ", ".join(choices)
    return ""
