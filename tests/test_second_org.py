"""A second organisation's catalog (examples/acme-shop): Segment-spec "Object Action" names, a
gtag API with its own recipe and GA4 wire names, and not one word of edX on its site."""

import html
import re
import shutil
import subprocess
import sys

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "acme-shop"


def test_the_shop_builds_strictly_without_a_word_of_edx(tmp_path):
    project = tmp_path / "acme-shop"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("_build", "catalog",
                                                                     "schemas"))
    shutil.copytree(EXAMPLE / "catalog", project / "catalog")
    built = subprocess.run([sys.executable, "-m", "eventcat", "build", "--strict"], cwd=project,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    site = project / "_build" / "html"
    page = (site / "catalog" / "events" / "product-viewed.html").read_text()
    assert "<h1>Product Viewed" in page
    # the gtag recipe, under GA4's name for the event
    code = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert 'gtag("event", "view_item", {' in code
    found = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
             and re.search(rb"edx|open edx", p.read_bytes(), re.IGNORECASE)]
    assert found == []
