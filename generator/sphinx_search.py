"""Sphinx's search index, made without stemming the same word twice.

Sphinx stems every word of every page for the search index, and remembers stems only within one
page (a cache made afresh in each IndexBuilder.feed). A catalog repeats the same words on
thousands of pages (field names, types, "string", "learner", ...): at 1,000 events the English
stemmer ran 159,000 times and took about a quarter of the write phase. The stem of a word does
not depend on the page it is on, so one cache for the whole build gives the very same index.
"""

from __future__ import annotations

import functools
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder

_CACHED = "_eventcat_stem_cached"


def _cache_stems(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give the search language of this build's indexer a cache for its stems. The indexer is
    made when writing starts (prepare_writing), after `write-started`, so this runs on the first
    resolved page instead, which comes before the first page is fed to the index."""
    builder = app.builder
    indexer = getattr(builder, "indexer", None) if isinstance(builder, StandaloneHTMLBuilder) else None
    if indexer is None:
        return
    language = indexer.lang
    if getattr(language, _CACHED, False):
        return
    # an attribute of the instance: Sphinx's feed() looks up `self.lang.stem` on each page
    language.stem = functools.cache(language.stem)
    setattr(language, _CACHED, True)


def setup(app: Sphinx) -> dict[str, Any]:
    """Also loadable on its own (extensions = ["eventcat.sphinx_search"]) by any Sphinx project."""
    app.connect("doctree-resolved", _cache_stems)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
