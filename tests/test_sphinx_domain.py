"""The Sphinx domain in-process, with Sphinx's own test application: references resolve through
make_refnode, per-build state lives in the domain's data (kept per document, merged from parallel
readers), and an incremental build writes again the event page whose mentions changed."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

from conftest import MINI, write

from eventcat.sphinx_domain import CatalogDomain, catalog_domain

GUIDE = """\
# Video guide

Playback starts with {event}`edx.video.played`; old logs call it {event}`play_video`.
Its {field}`edx.video.played/code` field reaches {tool}`segment`.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(MINI, tmp_path / "catalog")
    write(tmp_path / "eventcat.toml", 'catalog = "catalog"\ndocs = "docs"\nhistory = 0\n')
    docs = tmp_path / "docs"
    write(docs / "conf.py", """
        extensions = ["eventcat.sphinx_ext"]
        eventcat_downloads = False
        myst_enable_extensions = ["colon_fence", "deflist"]
        myst_heading_anchors = 3
        exclude_patterns = ["_build"]
        """)
    write(docs / "index.md", "# Home\n\n```{toctree}\nguide\n```\n")
    write(docs / "guide.md", GUIDE)
    return docs


def build(docs: Path) -> SphinxTestApp:
    app = SphinxTestApp("html", srcdir=docs, builddir=docs.parent / "_build", status=StringIO(),
                        warning=StringIO())
    app.build()
    return app


def test_references_resolve_and_the_event_page_lists_the_page_that_mentions_it(project):
    app = build(project)
    try:
        guide = (app.outdir / "guide.html").read_text()
        assert 'href="catalog/events/edx.video.played.html"' in guide
        assert 'href="catalog/events/edx.video.played.html#field-code"' in guide
        assert 'href="catalog/tools/segment.html"' in guide
        domain = catalog_domain(app.env)
        assert domain.data["refs"]["guide"] == [("event", "edx.video.played"), ("event", "play_video"),
                                                ("field", "edx.video.played/code"), ("tool", "segment")]
        assert domain.data["event_pages"]["catalog/events/edx.video.played"] == "edx.video.played"
        played = (app.outdir / "catalog" / "events" / "edx.video.played.html").read_text()
        mentions = played.split('class="ec-mentions', 1)[1].split("</ul>", 1)[0]
        assert 'href="../../guide.html"' in mentions
        # the state is the domain's, not attributes hung on the application
        assert not [name for name in vars(app) if name.startswith("eventcat")]
    finally:
        app.cleanup()


def test_an_incremental_build_rewrites_the_event_page_whose_mentions_changed(project):
    build(project).cleanup()
    (project / "guide.md").write_text("# Video guide\n\nNothing about video events any more.\n")
    app = build(project)
    try:
        domain = catalog_domain(app.env)
        assert "guide" not in domain.data["refs"]
        assert domain.data["mentions_before"]["edx.video.played"] == ["guide"]
        assert "edx.video.played" not in domain.data["mentions"]
        played = (app.outdir / "catalog" / "events" / "edx.video.played.html").read_text()
        assert "No hand-written page mentions this event yet." in played
    finally:
        app.cleanup()


def test_clear_doc_and_merge_domaindata_keep_references_per_document(project):
    app = build(project)
    try:
        domain = catalog_domain(app.env)
        assert CatalogDomain.data_version >= 1
        refs = domain.data["refs"]["guide"]
        domain.clear_doc("guide")
        assert "guide" not in domain.data["refs"]
        # a parallel reader's data: only the documents it read are taken over
        other = {"refs": {"guide": refs, "elsewhere": [["event", "edx.video.paused"]]}}
        domain.merge_domaindata({"guide"}, other)
        assert domain.data["refs"]["guide"] == refs and "elsewhere" not in domain.data["refs"]
    finally:
        app.cleanup()
