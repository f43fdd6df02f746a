"""Making user text safe for the page: every value is data, never markup that runs.

A generated page is MyST whose body is mostly `{raw} html` blocks. The template environment
autoescapes every `{{ value }}` for HTML (Jinja + MarkupSafe), so HTML is safe by default. The few
MyST places (the title, headings, code fences, the raw blocks themselves) go through the
functions here:

* `myst` makes text inert as MyST inline text: ASCII punctuation is backslash-escaped, so no role,
  directive, link, substitution or emphasis can start, and line breaks become spaces, so no block
  can start. `<>&"'` become entities, which MyST decodes back to the same characters.
* `raw_html` wraps HTML in a raw block whose fence is longer than any backtick run inside it, so
  nothing inside can end the block early, and whose first line is ours, so nothing inside can be
  read as a directive option (`:file:` would read a file from the build machine).
* `code_block` does the same for code fences.
* `markdown_html` renders user Markdown to HTML with a small, named subset: paragraphs, emphasis,
  code, lists, block quotes, tables, strikethrough and http(s)/mailto links. Raw HTML, images and
  headings are off, so they come out as the literal text the author typed.
"""

from __future__ import annotations

import re
import string
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

_LINE_BREAKS = "\r\n\t\v\f\x85\u2028\u2029"
_MYST_TABLE = {ord(c): "\\" + c for c in string.punctuation}
_MYST_TABLE.update({ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
                    ord("'"): "&#39;"})
_MYST_TABLE.update({ord(c): " " for c in _LINE_BREAKS})
_MYST_TABLE.update({i: " " for i in range(32) if chr(i) not in _LINE_BREAKS})
_MYST_TABLE.update({0x7F: " "})


def myst(value: Any) -> Markup:
    """Text made inert as MyST inline text (a heading, a list item, a table cell)."""
    return Markup(str(value).translate(_MYST_TABLE))


def _fence_for(text: str) -> str:
    if "`" not in text:  # the usual case, and a quick one to test
        return "```"
    longest = max(len(run) for run in re.findall(r"`+", text))
    return "`" * max(3, longest + 1)


# Sphinx's search leaves out nodes with this class. Listings repeat what event pages already say,
# and code repeats field names: indexing them only makes the index bigger (the reader downloads
# it) and every incremental build slower (Sphinx prunes and rewrites it each time).
_NO_SEARCH = ":class: no-search\n"


def raw_html(html: Any, search: bool = True) -> Markup:
    """Wrap HTML built by the autoescaping templates in a MyST raw block."""
    html = str(html).strip("\n")
    fence = _fence_for(html)
    options = "" if search else _NO_SEARCH
    return Markup(f'{fence}{{raw}} html\n{options}<div class="ec-raw">\n{html}\n</div>\n{fence}\n')


def code_block(code: str, language: str, search: bool = False) -> Markup:
    """A MyST code block, left out of the search index unless asked. `language` comes from our own
    API registry, never from user text; the first line of `code` is ours too, so it cannot be
    read as an option."""
    fence = _fence_for(code)
    options = "" if search else _NO_SEARCH
    return Markup(f"{fence}{{code-block}} {language}\n{options}{code.rstrip()}\n{fence}")


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("https://", "http://", "mailto:"))


class _SafeLinks(MarkdownIt):
    """Links only to the web and to mail addresses (no javascript: or data: URLs)."""

    def validateLink(self, url: str) -> bool:
        return _safe_link(url)


_markdown = (
    _SafeLinks("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable(["table", "strikethrough"])
    .disable(["image", "heading", "lheading", "html_block", "html_inline"])
)


_INLINE_SYNTAX = frozenset("`*_[]<>&\\~!")


def inline_markdown_html(text: str) -> Markup:
    """One line of user Markdown (a field description) → HTML without a paragraph around it.
    Most such lines hold no Markdown at all; they skip the parser, which matters at 50,000 fields."""
    if _INLINE_SYNTAX.isdisjoint(text):
        return Markup.escape(text)
    return Markup(_markdown.renderInline(text).replace("<a href=", '<a rel="nofollow noopener" href='))


def markdown_html(text: str) -> Markup:
    """User Markdown → HTML for a raw block."""
    if not text.strip():
        return Markup("")
    html = _markdown.render(text).replace("<a href=", '<a rel="nofollow noopener" href=')
    return Markup(html.strip())
