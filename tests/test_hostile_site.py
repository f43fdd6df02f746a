"""Every way user text reaches the HTML, through a real Sphinx build: the catalog's title and
organisation (theme navigation bar, <title>, meta, search page), event text, log text on the
coverage page (event names, file names), each carrying markup that would run if it were not
escaped. The built pages are read back and must hold none of it as markup."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import MINI, ROOT, home_docs

from eventcat.yamltext import scalar

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
EXECUTABLE = re.compile(r"<script>alert|<img src=x|onerror=\"alert|href=\"javascript:|<svg onload",
                        re.IGNORECASE)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile-site")
    catalog = base / "catalog"
    shutil.copytree(MINI, catalog)
    title = f"Guide {SCRIPT} {IMG} [x](javascript:alert(2)) {{eval-rst}}`.. raw:: html`"
    settings = catalog / "catalog.yaml"
    lines = [line for line in settings.read_text().splitlines()
             if not line.startswith(("title:", "organization:"))]
    settings.write_text(f"title: {scalar(title)}\norganization: {scalar('Org ' + SCRIPT)}\n"
                        + "\n".join(lines) + "\n")
    logs = base / "logs"
    logs.mkdir()
    hostile_log = logs / f"track{IMG.replace('/', '')}.log"  # a file name is shown on the page
    records = [{"event_type": f"edx.{SCRIPT}", "event_source": f"server{IMG}", "time": "2025-01-01T00:00:00"},
               {"event_type": f"/courses/{SCRIPT}/x", "event_source": "server"},
               {"event_type": "edx.video.played", "event_source": "browser",
                "event": json.dumps({f"key{SCRIPT}": 1})}]
    hostile_log.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    docs = home_docs(base / "docs")
    result = subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--catalog", str(catalog), "--docs", str(docs),
         "--conf", str(ROOT), "--out", str(base / "_build"), "--coverage", str(hostile_log),
         "--history", "0"], cwd=base, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "_build" / "html"


def test_no_page_holds_user_text_as_markup(hostile_site):
    pages = list(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = EXECUTABLE.search(text)
        assert found is None, (page, text[max(0, found.start() - 200): found.end() + 100])


def test_the_title_shows_as_text_in_the_navbar_and_the_head(hostile_site):
    home = (hostile_site / "index.html").read_text(encoding="utf-8")
    escaped = "Guide &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    navbar = re.search(r'<p class="title logo__title">(.*?)</p>', home, re.S)
    assert navbar and escaped in navbar.group(1)  # once, not twice (&amp;lt;)
    title = re.search(r"<title>(.*?)</title>", home, re.S).group(1)
    assert "&lt;script&gt;" in title and "&amp;lt;" not in title
    assert "{eval-rst}" in home  # shown as typed, not run


def test_log_text_on_the_coverage_page_is_text(hostile_site):
    page = (hostile_site / "catalog" / "coverage.html").read_text(encoding="utf-8")
    assert "edx.&lt;script&gt;" in page
    assert "&lt;img src=x" in page


def test_the_search_page_holds_no_markup(hostile_site):
    search = (hostile_site / "search.html").read_text(encoding="utf-8")
    assert not EXECUTABLE.search(search)
