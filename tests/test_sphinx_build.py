"""A real, strict Sphinx build of the mini catalog, and of a hostile one."""

import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, home_docs, write

from eventcat.pipeline import build_catalog
from eventcat.privacy import privacy_map
from eventcat.render import downloads


def eventcat(*args, cwd):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def build(catalog, docs, out, *extra):
    return eventcat("build", "--strict", "--catalog", catalog, "--docs", docs, "--conf", ROOT,
                    "--out", out, *extra, cwd=docs.parent)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import shutil

    from conftest import MINI
    base = tmp_path_factory.mktemp("site")
    shutil.copytree(MINI, base / "catalog")
    docs = home_docs(base / "docs")
    write(docs / "guides" / "index.md", """
        # Guides

        See {doc}`edx.video.played </catalog/events/edx.video.played>`.
        """)
    result = build(base / "catalog", docs, base / "_build")
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "_build" / "html", result


def test_strict_build_has_no_warnings(site):
    _, result = site
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    assert "site built in" in result.stdout


def test_every_event_tool_and_team_has_a_page(site):
    html, _ = site
    for page in ["edx.video.played", "edx.video.paused", "promotion-viewed", "seq_goto",
                 "add-forum-community-ta", "edx.bi.email.sent", "index"]:
        assert (html / "catalog" / "events" / f"{page}.html").is_file(), page
    for tool in ["tracking-log", "segment", "google-analytics", "sailthru", "index"]:
        assert (html / "catalog" / "tools" / f"{tool}.html").is_file(), tool
    for team in ["learner", "mercury", "index"]:
        assert (html / "catalog" / "teams" / f"{team}.html").is_file(), team


def test_event_page_content(site):
    html, _ = site
    page = (html / "catalog" / "events" / "edx.video.played.html").read_text()
    assert "<h1>edx.<wbr>video.<wbr>played<a" in page  # break points for phones (sphinx_theme.py)
    assert '<table class="ec-table ec-fields">' in page
    assert 'id="implementation"' in page and "Logger" in page and "highlight-javascript" in page
    assert 'id="where-the-data-goes"' in page and "Google Analytics" in page
    assert "eventcat.css" in page and "eventcat.js" in page


def test_home_page_shows_counts(site):
    html, _ = site
    page = (html / "index.html").read_text()
    assert re.search(r"<strong>6</strong> events", page)
    assert 'href="catalog/events/index.html"' in page


def test_search_index_holds_every_event_name(site):
    html, _ = site
    text = (html / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    titles = set(index["titles"])
    for name in ["edx.video.played", "edx.video.paused", "Promotion Viewed", "seq_goto",
                 "add-forum-community-TA", "edx.bi.email.sent"]:
        assert name in titles, name


def test_broken_guide_link_fails_the_strict_build(site, tmp_path):
    import shutil
    html, _ = site
    base = html.parent.parent
    docs = tmp_path / "docs"
    shutil.copytree(base / "docs", docs, ignore=shutil.ignore_patterns("catalog"))
    write(docs / "guides" / "index.md", "# Guides\n\nSee {doc}`/catalog/events/edx.video.plyed`.\n")
    result = build(base / "catalog", docs, tmp_path / "_build")
    assert result.returncode != 0
    assert "edx.video.plyed" in result.stderr


def test_invalid_catalog_stops_before_sphinx_and_writes_nothing(tmp_path):
    import shutil

    from conftest import MINI
    catalog = tmp_path / "catalog"
    shutil.copytree(MINI, catalog)
    path = catalog / "events" / "edx.video.played.yaml"
    path.write_text(path.read_text().replace("destinations: [google-analytics]",
                                             "destinations: [googel-analytics]"))
    docs = home_docs(tmp_path / "docs")
    result = build(catalog, docs, tmp_path / "_build")
    assert result.returncode == 1
    assert ("catalog/events/edx.video.played.yaml:21:16: error unknown-reference: unknown tool 'googel-analytics' "
            "(did you mean 'google-analytics'?)") in result.stderr
    assert "Traceback" not in result.stderr
    assert not (docs / "catalog").exists() and not (tmp_path / "_build").exists()


def test_bare_sphinx_build_generates_the_pages_itself(tmp_path):

    from conftest import MINI
    docs = home_docs(tmp_path / "docs")
    # the project around the source folder names the catalog; conf.py is the repository's
    (tmp_path / "eventcat.toml").write_text(f"catalog = {json.dumps(str(MINI))}\n")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "-q", "-c", str(ROOT), str(docs),
         str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "html" / "catalog" / "events" / "edx.video.played.html").is_file()
    assert "Mini catalog" in (tmp_path / "html" / "index.html").read_text()  # title from catalog.yaml


HOSTILE_EVENT = """
name: edx.hostile.event
summary: "<script>alert('summary')</script> {download}`/etc/passwd`"
description: |
  <img src=x onerror="alert('description')">

  [click me](javascript:alert('link'))

  ```{include} /etc/passwd
  ```

  {eval-rst}`.. raw:: html`  $$x$$  {{ config }}
kind: research
reviewed_by: "<script>alert('reviewer')</script>"
owner: learner
implementations:
  - side: server
    api: tracker.emit
    where: "<script>alert('where')</script>"
fields:
  - name: payload
    type: string
    description: "<b onmouseover=alert('field')>hover</b>"
    example: "</code><script>alert('example')</script>"
    pii: none
"""


def test_hostile_text_never_reaches_the_html_as_markup(tmp_path):
    import shutil

    from conftest import MINI
    catalog = tmp_path / "catalog"
    shutil.copytree(MINI, catalog)
    write(catalog / "events" / "hostile.yaml", HOSTILE_EVENT)
    docs = home_docs(tmp_path / "docs")
    result = build(catalog, docs, tmp_path / "_build")
    assert result.returncode == 0, result.stderr
    html = tmp_path / "_build" / "html"
    for page in html.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"<script>alert|<img src=x|<b onmouseover|href=\"javascript:", text), page
        assert "root:x:0:0" not in text, page
    # no file of the build machine was copied in: the only downloads are the catalog's own
    downloaded = {p.name for p in (html / "_downloads").rglob("*") if p.is_file()}
    built = build_catalog(catalog)[0]
    assert downloaded == set(downloads(built, privacy_map(built)))
    page = (html / "catalog" / "events" / "edx.hostile.event.html").read_text()
    assert "&lt;script&gt;alert(&#39;summary&#39;)&lt;/script&gt;" in page  # shown, as text


def test_the_same_input_gives_the_same_html_bytes(tmp_path):
    """Two clean builds of the same catalog into different folders, compared file by file.
    (Sphinx's doctree pickles differ between runs; they are build state, not the site.)"""

    from conftest import MINI
    docs = home_docs(tmp_path / "docs")
    sites = []
    for run in ("one", "two"):
        result = build(MINI, docs, tmp_path / run, "--clean")
        assert result.returncode == 0, result.stderr
        html = tmp_path / run / "html"
        sites.append({p.relative_to(html).as_posix(): p.read_bytes() for p in html.rglob("*") if p.is_file()})
    assert sites[0].keys() == sites[1].keys()
    assert [name for name in sites[0] if sites[0][name] != sites[1][name]] == []


def test_the_page_of_a_removed_event_leaves_the_built_site(tmp_path):
    """Sphinx keeps the HTML of pages that are gone; a renamed event's old page stayed online."""
    import shutil

    from conftest import MINI
    shutil.copytree(MINI, tmp_path / "catalog")
    docs = home_docs(tmp_path / "docs")
    assert build(tmp_path / "catalog", docs, tmp_path / "_build").returncode == 0
    page = tmp_path / "_build" / "html" / "catalog" / "events" / "edx.video.paused.html"
    assert page.is_file()
    # the paused event goes; nothing else names it (its relation to played goes too)
    (tmp_path / "catalog" / "events" / "edx.video.paused.yaml").unlink()
    played = tmp_path / "catalog" / "events" / "edx.video.played.yaml"
    played.write_text(played.read_text().replace("related: [edx.video.paused]\n", ""))
    result = build(tmp_path / "catalog", docs, tmp_path / "_build")
    assert result.returncode == 0, result.stderr
    assert not page.exists()
    assert (tmp_path / "_build" / "html" / "catalog" / "events" / "edx.video.played.html").is_file()


def test_clean_starts_the_site_from_nothing(tmp_path):
    import shutil

    from conftest import MINI
    shutil.copytree(MINI, tmp_path / "catalog")
    docs = home_docs(tmp_path / "docs")
    stray = tmp_path / "_build" / "html" / "catalog" / "events" / "gone-long-ago.html"
    stray.parent.mkdir(parents=True)
    stray.write_text("an old page")
    assert build(tmp_path / "catalog", docs, tmp_path / "_build", "--clean").returncode == 0
    assert not stray.exists()
    assert (tmp_path / "_build" / "html" / "index.html").is_file()


def test_the_cut_stylesheet_link_changes_with_eventcat_and_theme_versions(site):
    html, _ = site
    from eventcat import __version__
    page = (html / "catalog" / "events" / "edx.video.played.html").read_text()
    (link,) = re.findall(r'href="([^"]*eventcat-theme\.css[^"]*)"', page)
    assert re.search(rf"\?digest=[0-9a-f]+-{re.escape(__version__)}$", link), link
    assert "fontawesome.js" not in page  # no project icon asks for Font Awesome


def test_a_project_with_theme_icon_links_keeps_font_awesome(tmp_path):
    import shutil

    from conftest import MINI
    shutil.copytree(MINI, tmp_path / "catalog")
    docs = home_docs(tmp_path / "docs")
    conf = tmp_path / "conf"
    write(conf / "conf.py", """
        extensions = ["eventcat.sphinx_ext"]
        html_theme_options = {"icon_links": [{"name": "GitHub", "url": "https://example.org/x",
                                              "icon": "fa-brands fa-github"}]}
        """)
    result = eventcat("build", "--strict", "--catalog", tmp_path / "catalog", "--docs", docs,
                      "--conf", conf, "--out", tmp_path / "_build", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "_build/html/index.html").read_text()
    assert "fa-github" in page and "_static/scripts/fontawesome.js" in page  # its icon is drawn
