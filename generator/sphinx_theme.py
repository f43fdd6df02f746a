"""The theme's stylesheet, cut down to the rules the built site can use.

pydata-sphinx-theme ships one stylesheet (all of Bootstrap, all of Font Awesome, every component
of the theme: 370 KiB) and imports Sphinx's basic.css from a second one; every page loaded both
before its first paint. When the site is built, this module writes `_static/styles/eventcat-theme.css`:
both sheets, keeping only the rules whose selector names classes and ids that occur in the built
pages or in the scripts the pages load (scripts add classes such as `show` at run time). Font
Awesome goes entirely: the few icons the theme's templates show are drawn by eventcat.css.

The cut is conservative: a selector is dropped only when it needs a class or id that nothing in
the site names. Classes inside :not(), :is(), :where() and :has(), and attribute selectors, never
make a selector go (without reading them exactly, keeping is the safe side).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

SUBSET = "styles/eventcat-theme.css"  # under _static; the theme templates link it
ICONS = Path(__file__).resolve().parent / "theme_icons.css"  # the icons, appended to the subset
# The theme's sheets, in the order the theme loaded them (theme.css is only `@import basic.css`)
SOURCES = ("basic.css", "styles/pydata-sphinx-theme.css")
# Scripts the pages do not load (see theme_templates/layout.html): their words add no classes
UNLOADED_SCRIPTS = ("scripts/bootstrap.js", "scripts/fontawesome.js")

_CLASS_OR_ID = re.compile(r"""\s(?:class|id)\s*=\s*("[^"]*"|'[^']*')""")
_WORD = re.compile(r"[A-Za-z_][\w-]*")
_SELECTOR_NAME = re.compile(r"[.#]((?:[\w-]|\\.)+)")
_ESCAPE = re.compile(r"\\(.)")
_WRAPPING = re.compile(r":(?:not|is|where|has|matches|-webkit-any)\(", re.IGNORECASE)
# A selector of Font Awesome's own classes alone (.fa-solid, .fa-sun:before, .fa-lg, ...): the
# icon font's rules, which go with the font (eventcat.css draws the icons). The theme's own rules
# that name an icon class (`#pst-back-to-top .fa-arrow-up`) stay.
_FONT_AWESOME = re.compile(r"(?:\.fa[\w-]*|::?[\w-]+(?:\([^)]*\))?)+")
_GROUPING = {"@media", "@supports", "@container", "@layer", "@scope"}
# The reader jumps from one character that matters to the next (a character loop was the slow part)
_STRING = re.compile(r""""(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?""", re.DOTALL)
_COMMENT_OR_STRING = re.compile(_STRING.pattern + r"|/\*.*?(?:\*/|\Z)", re.DOTALL)
_STATEMENT_MARK = re.compile(r"[\"';{]")
_BLOCK_MARK = re.compile(r"[\"'{}]")
_H1 = re.compile(r"(<h1\b[^>]*>)(.*?)(</h1>)", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")
_BREAK_AFTER = re.compile(r"([._])(?=[^\s._<])")  # a dot or underscore inside a name
_FACTS = re.compile(r"(<dl class=\"ec-facts[^\"]*\">)(.*?)(</dl>)", re.DOTALL)  # an event's facts
_CODE = re.compile(r"(<code\b[^>]*>)([^<]*)(</code>)")


def vocabulary(html_texts: Iterable[str], script_texts: Iterable[str]) -> set[str]:
    """Every class and id the pages name, and every word of the scripts (any of which a script
    may add as a class)."""
    values: set[str] = set()  # pages repeat the same attribute values: split each once
    for text in html_texts:
        values.update(_CLASS_OR_ID.findall(text))
    names = {name for value in values for name in value[1:-1].split()}
    for text in script_texts:
        names.update(_WORD.findall(text))
    return names


def statements(css: str) -> Iterator[tuple[str, str | None]]:
    """The top-level statements of a stylesheet: (prelude, block), block None for `@x ...;`.
    Strings and nested blocks are kept whole."""
    css = _COMMENT_OR_STRING.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'" else " ", css)
    i, start, n = 0, 0, len(css)
    while (found := _STATEMENT_MARK.search(css, i)) is not None:
        i = found.start()
        char = css[i]
        if char in "\"'":
            i = _string_end(css, i)
        elif char == ";":
            yield css[start:i].strip(), None
            i = start = i + 1
        else:  # "{"
            end = _block_end(css, i)
            yield css[start:i].strip(), css[i + 1:end]
            i = start = end + 1
        if i >= n:
            break


def _string_end(css: str, i: int) -> int:
    found = _STRING.match(css, i)
    return found.end() if found else len(css)


def _block_end(css: str, i: int) -> int:
    """The index of the `}` closing the block that opens at i."""
    depth = 0
    while (found := _BLOCK_MARK.search(css, i)) is not None:
        i = found.start()
        char = css[i]
        if char in "\"'":
            i = _string_end(css, i)
            continue
        depth += 1 if char == "{" else -1
        if depth == 0:
            return i
        i += 1
    return len(css)


def _split_selectors(prelude: str) -> list[str]:
    """A selector list split at its own commas (not those inside :is(...) or [...])."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(prelude):
        char = prelude[i]
        if char == "\\":
            i += 2
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(prelude[start:i].strip())
            start = i + 1
        i += 1
    parts.append(prelude[start:].strip())
    return [p for p in parts if p]


def _required_part(selector: str) -> str:
    """The selector without what never makes it need a name: attribute selectors and the
    insides of :not(), :is(), :where(), :has()."""
    kept, i = [], 0
    while i < len(selector):
        if selector[i] == "\\":
            kept.append(selector[i:i + 2])
            i += 2
            continue
        wrapping = _WRAPPING.match(selector, i)
        if wrapping or selector[i] == "[":
            depth, j = 0, i
            while j < len(selector):
                if selector[j] in "([":
                    depth += 1
                elif selector[j] in ")]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            i = j + 1
            continue
        kept.append(selector[i])
        i += 1
    return "".join(kept)


def selector_used(selector: str, names: set[str]) -> bool:
    if ".fa" in selector and _FONT_AWESOME.fullmatch(selector):
        return False
    return all(_ESCAPE.sub(r"\1", name) in names
               for name in _SELECTOR_NAME.findall(_required_part(selector)))


def subset(css: str, names: set[str]) -> str:
    """The rules of a stylesheet that can match something named in `names`, minified as they came."""
    kept = []
    for prelude, block in statements(css):
        if block is None:
            if prelude and not prelude.lower().startswith("@charset"):  # one, first, for the file
                kept.append(prelude + ";")
            continue
        if prelude.startswith("@"):
            keyword = re.split(r"[\s(]", prelude, maxsplit=1)[0].lower()
            if keyword in _GROUPING:
                inner = subset(block, names)
                if inner:
                    kept.append(f"{prelude}{{{inner}}}")
            elif keyword == "@font-face":
                if "font awesome" not in block.lower():
                    kept.append(f"{prelude}{{{block}}}")
            elif keyword.endswith("keyframes"):
                if not prelude.split()[-1].startswith("fa-"):
                    kept.append(f"{prelude}{{{block}}}")
            else:
                kept.append(f"{prelude}{{{block}}}")
            continue
        used = [s for s in _split_selectors(prelude) if selector_used(s, names)]
        if used:
            kept.append(f"{','.join(used)}{{{block}}}")
    return "\n".join(kept)


def write_subset(outdir: Path) -> Path | None:
    """Write the cut-down stylesheet into a built site's _static folder, only when it changed.
    None when the theme's sheets are not there (another theme)."""
    static = outdir / "_static"
    sources = [static / name for name in SOURCES]
    if not all(path.is_file() for path in sources):
        return None
    pages = (path.read_text(encoding="utf-8", errors="replace") for path in outdir.rglob("*.html")
             if "_static" not in path.relative_to(outdir).parts)
    unloaded = {static / name for name in UNLOADED_SCRIPTS}
    scripts = (path.read_text(encoding="utf-8", errors="replace") for path in static.rglob("*.js")
               if path not in unloaded)
    names = vocabulary(pages, scripts)
    parts = [subset(path.read_text(encoding="utf-8"), names) for path in sources]
    text = "\n".join(['@charset "UTF-8";', *parts, ICONS.read_text(encoding="utf-8")])
    target = static / SUBSET  # rewritten only when it changed: its date stays for caches
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    return target


def breakable_titles(body: str) -> str:
    """A page's HTML with a line-break opportunity (<wbr>) after each dot and underscore inside the
    words of its h1, and of the names in an event's facts (name on the wire, aliases): on a phone,
    edx.drag_and_drop_v2.item.dropped wraps between its parts instead of mid-word. Only text
    between tags changes (never the heading's link or attributes); the page's <title>, its search
    entry and copied text do not contain the <wbr>."""
    def text_only(match: re.Match[str]) -> str:
        parts = _TAG.split(match.group(2))
        text = "".join(part if part.startswith("<") else _BREAK_AFTER.sub(r"\1<wbr>", part)
                       for part in parts)
        return match.group(1) + text + match.group(3)

    def facts(match: re.Match[str]) -> str:
        return match.group(1) + _CODE.sub(text_only, match.group(2)) + match.group(3)
    return _FACTS.sub(facts, _H1.sub(text_only, body))
