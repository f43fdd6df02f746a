"""When a page comes or goes, the pages whose navigation lists it are written again; a project
whose pages show no such navigation does not pay for re-reading them."""

import json
import re
import shutil
import subprocess
import sys

from conftest import MINI, home_docs, write

NEW_TOOL = """
    id: amplitude
    name: Amplitude
    category: web-analytics
    receives: [segment]
    storage: {limits: Not documented., access: Analysts., retention: Not documented.}
    """


def project(base, conf_extra=""):
    shutil.copytree(MINI, base / "catalog")
    docs = home_docs(base / "docs")
    (base / "eventcat.toml").write_text(f"catalog = {json.dumps(str(base / 'catalog'))}\n")
    (base / "conf").mkdir()
    (base / "conf" / "conf.py").write_text('extensions = ["eventcat.sphinx_ext"]\n' + conf_extra)
    return docs


def eventcat_build(base, docs):
    result = subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--strict", "--docs", str(docs),
         "--conf", str(base / "conf"), "--out", str(base / "_build")],
        cwd=base, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "_build" / "html"


def sphinx_build(base, docs):
    """A bare sphinx-build: the extension generates the pages itself, as `eventcat serve` does."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "-q", "-c", str(base / "conf"), str(docs),
         str(base / "html")], cwd=base, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "html"


def sidebar(html: str) -> str:
    return html.split('class="bd-docs-nav')[1].split("</nav>")[0]


def test_a_sidebar_that_lists_the_tools_learns_of_a_new_one(tmp_path):
    docs = project(tmp_path, 'html_sidebars = {"**": ["sidebar-nav-bs"]}\n')
    html = eventcat_build(tmp_path, docs)
    existing = html / "catalog" / "tools" / "sailthru.html"
    assert "segment.html" in sidebar(existing.read_text())  # the tools are listed beside it
    assert "amplitude" not in existing.read_text()
    write(tmp_path / "catalog" / "tools" / "amplitude.yaml", NEW_TOOL)
    eventcat_build(tmp_path, docs)
    # sailthru's own page did not change, but the sidebar beside it now lists the new tool
    assert "amplitude.html" in sidebar(existing.read_text())


def test_without_a_sidebar_a_new_tool_rewrites_only_its_lists(tmp_path):
    docs = project(tmp_path)
    html = sphinx_build(tmp_path, docs)
    # when each page was written (Sphinx rewrites a page older than its templates, so the
    # times are compared, not set back)
    written = {p: p.stat().st_mtime_ns for p in html.rglob("*.html") if "/events/" not in p.as_posix()}
    existing = html / "catalog" / "tools" / "sailthru.html"
    assert "bd-docs-nav" not in existing.read_text()  # nothing beside it that lists tools
    write(tmp_path / "catalog" / "tools" / "amplitude.yaml", NEW_TOOL)
    sphinx_build(tmp_path, docs)
    assert re.search(r'href="amplitude.html"', (html / "catalog" / "tools" / "index.html").read_text())
    assert (html / "catalog" / "tools" / "amplitude.html").is_file()
    rewritten = {p.relative_to(html).as_posix() for p, ns in written.items() if p.stat().st_mtime_ns != ns}
    # the guides and the other tools' pages were neither re-read nor written again
    assert "guides/index.html" not in rewritten
    assert "catalog/tools/sailthru.html" not in rewritten
    assert "catalog/format.html" not in rewritten
    assert "catalog/tools/index.html" in rewritten
