"""Links to call sites from a `--repo-url` template such as
`https://github.com/org/repo/blob/main/{path}#L{line}`. Only http(s) results are made, and every
value put into the template is percent-encoded, so a file name cannot change the link's target."""

from __future__ import annotations

from urllib.parse import quote

_FIELDS = ("{path}", "{line}")


def check_template(template: str) -> str:
    """The template, or ValueError saying what is wrong with it."""
    if not template.startswith(("https://", "http://")):
        raise ValueError(f"'{template}': the link template must start with https:// or http://")
    if "{path}" not in template:
        raise ValueError(f"'{template}': the link template needs {{path}} (and may have {{line}})")
    rest = template
    for field in _FIELDS:
        rest = rest.replace(field, "")
    if any(c in rest for c in "{}<>\"' \t\r\n\\`") or any(ord(c) < 32 or ord(c) == 127 for c in rest):
        raise ValueError(f"'{template}': the link template may only fill in {{path}} and {{line}}, and "
                         "may hold no spaces, quotes or angle brackets")
    return template


def link(template: str, path: str, line: int) -> str:
    """The link for one call site, or "" when there is no usable template."""
    try:
        check_template(template)
    except ValueError:
        return ""
    return template.replace("{path}", quote(path, safe="/")).replace("{line}", str(int(line)))
