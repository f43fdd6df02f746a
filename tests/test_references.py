"""The {event}, {tool}, {team} and {field} roles: resolved in strict builds, exported in
objects.inv for intersphinx, and listed back on the event pages they mention."""

import re
import shutil
import subprocess
import sys

import pytest
from sphinx.util.inventory import InventoryFile

from conftest import MINI, ROOT, home_docs, write

GUIDE = """
    # Video guide

    Playback starts with {event}`edx.video.played`; old logs call it {event}`play_video`.
    Its {field}`edx.video.played/code` and {field}`edx.video.played.currentTime` fields, or
    {field}`the course <edx.video.played/context.course_id>`, which comes from the envelope.
    It reaches {tool}`segment`, and {team}`the Mercury team <mercury>` owns promotions.
    A domain-qualified spelling works too: {eventcat:event}`edx.video.paused`.
    """


def build(catalog, docs, out, *extra):
    return subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--strict", "--catalog", str(catalog),
         "--docs", str(docs), "--conf", str(ROOT), "--out", str(out), *extra],
        capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    docs = home_docs(tmp_path / "docs")
    write(docs / "guides" / "index.md", "# Guides\n\n```{toctree}\nvideo\n```\n")
    write(docs / "guides" / "video.md", GUIDE)
    return tmp_path


def html_of(project, page):
    return (project / "_build" / "html" / page).read_text(encoding="utf-8")


def mentions_section(page_html):
    return page_html.split('id="mentioned-in"')[1]


def test_roles_resolve_to_the_generated_pages(project):
    result = build(project / "catalog", project / "docs", project / "_build")
    assert result.returncode == 0, result.stdout + result.stderr
    guide = html_of(project, "guides/video.html")
    hrefs = re.findall(r'href="([^"]+)"', guide)
    assert "../catalog/events/edx.video.played.html" in hrefs
    assert hrefs.count("../catalog/events/edx.video.played.html") == 2  # the name and the alias
    assert "../catalog/events/edx.video.played.html#field-code" in hrefs
    assert "../catalog/events/edx.video.played.html#field-currentTime" in hrefs
    assert "../catalog/events/edx.video.played.html#field-context.course_id" in hrefs
    assert "../catalog/tools/segment.html" in hrefs
    assert "../catalog/teams/mercury.html" in hrefs
    assert "../catalog/events/edx.video.paused.html" in hrefs
    assert ">the Mercury team<" in guide  # an explicit title is kept
    assert re.search(r'href="../catalog/tools/segment.html"[^>]*><span[^>]*>Segment<', guide)  # a name
    # and the anchors exist on the event page
    played = html_of(project, "catalog/events/edx.video.played.html")
    assert 'id="field-code"' in played and 'id="field-context.course_id"' in played


def test_event_pages_list_the_hand_written_pages_that_mention_them(project):
    result = build(project / "catalog", project / "docs", project / "_build")
    assert result.returncode == 0, result.stderr
    played = mentions_section(html_of(project, "catalog/events/edx.video.played.html"))
    assert re.search(r'href="../../guides/video.html"[^>]*>Video guide<', played)
    paused = mentions_section(html_of(project, "catalog/events/edx.video.paused.html"))
    assert "guides/video.html" in paused
    unmentioned = mentions_section(html_of(project, "catalog/events/seq_goto.html"))
    assert "No hand-written page mentions this event yet." in unmentioned
    assert "guides/video.html" not in unmentioned


def test_mentions_follow_an_incremental_edit_of_the_guide(project):
    assert build(project / "catalog", project / "docs", project / "_build").returncode == 0
    write(project / "docs" / "guides" / "video.md", "# Video guide\n\nSee {event}`seq_goto`.\n")
    result = build(project / "catalog", project / "docs", project / "_build")
    assert result.returncode == 0, result.stderr
    # the event pages were not re-read, yet both lists changed
    assert "guides/video.html" in mentions_section(html_of(project, "catalog/events/seq_goto.html"))
    played = mentions_section(html_of(project, "catalog/events/edx.video.played.html"))
    assert "guides/video.html" not in played


def test_a_broken_reference_fails_the_strict_build(project):
    write(project / "docs" / "guides" / "video.md", """
        # Video guide

        Playback starts with {event}`edx.video.plaid`.

        See {tool}`segmnet` and {field}`edx.video.played/nope`.
        """)
    result = build(project / "catalog", project / "docs", project / "_build")
    assert result.returncode != 0
    lines = result.stderr
    assert re.search(r"guides/video\.md:3: WARNING: unknown event 'edx\.video\.plaid' "
                     r"\(did you mean 'edx\.video\.played'\?\)", lines), lines
    assert "unknown tool 'segmnet' (did you mean 'segment'?)" in lines
    assert "unknown field 'edx.video.played/nope'" in lines
    assert "Traceback" not in lines


def test_removing_an_event_breaks_the_incremental_build_of_a_guide_that_names_it(project):
    """The guide itself did not change: only the target did."""
    assert build(project / "catalog", project / "docs", project / "_build").returncode == 0
    (project / "catalog" / "events" / "edx.video.paused.yaml").unlink()
    result = build(project / "catalog", project / "docs", project / "_build")
    assert result.returncode != 0
    assert "unknown event 'edx.video.paused'" in result.stderr


def test_objects_inv_exports_events_aliases_fields_tools_and_teams(project):
    assert build(project / "catalog", project / "docs", project / "_build").returncode == 0
    with open(project / "_build" / "html" / "objects.inv", "rb") as handle:
        inventory = InventoryFile.load(handle, "https://catalog.example/", lambda *a: a[-1])
    data = {kind: dict(items.items()) for kind, items in
            (inventory.data if hasattr(inventory, "data") else inventory).items()}

    def uri(kind, name):
        item = data[kind][name]
        return item.uri if hasattr(item, "uri") else item[2]
    assert uri("eventcat:event", "edx.video.played") == \
        "https://catalog.example/catalog/events/edx.video.played.html"
    assert uri("eventcat:event", "play_video") == uri("eventcat:event", "edx.video.played")
    assert uri("eventcat:field", "edx.video.played/code").endswith("edx.video.played.html#field-code")
    assert uri("eventcat:tool", "segment").endswith("catalog/tools/segment.html")
    assert uri("eventcat:team", "mercury").endswith("catalog/teams/mercury.html")


def test_another_sphinx_project_links_to_our_events_through_intersphinx(project, tmp_path):
    assert build(project / "catalog", project / "docs", project / "_build").returncode == 0
    other = tmp_path / "other"
    write(other / "conf.py", f"""
        extensions = ["sphinx.ext.intersphinx"]
        intersphinx_mapping = {{"events": ("https://catalog.example/",
                                {str(project / "_build" / "html" / "objects.inv")!r})}}
        """)
    write(other / "index.rst", """
        Analysis
        ========

        We count :ref:`edx.video.played` and the legacy :external+events:ref:`pause_video`.
        """)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(other),
                             str(other / "_build")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    page = (other / "_build" / "index.html").read_text()
    assert 'href="https://catalog.example/catalog/events/edx.video.played.html"' in page
    assert 'href="https://catalog.example/catalog/events/edx.video.paused.html"' in page


def test_another_project_gets_field_tool_and_team_links(project, tmp_path):
    """Tools and teams are labels too (tool-<id>, team-<id>); fields need the eventcat domain,
    which eventcat.sphinx_domain provides on its own, without generating anything."""
    assert build(project / "catalog", project / "docs", project / "_build").returncode == 0
    other = tmp_path / "other"
    write(other / "conf.py", f"""
        extensions = ["sphinx.ext.intersphinx", "eventcat.sphinx_domain"]
        intersphinx_mapping = {{"events": ("https://catalog.example/",
                                {str(project / "_build" / "html" / "objects.inv")!r})}}
        """)
    write(other / "index.rst", """
        Analysis
        ========

        The :external+events:eventcat:field:`edx.video.played/code` field reaches
        :ref:`tool-segment`; :ref:`team-mercury` owns promotions.
        """)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(other),
                             str(other / "_build")], capture_output=True, text=True, timeout=300,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    page = (other / "_build" / "index.html").read_text()
    assert 'href="https://catalog.example/catalog/events/edx.video.played.html#field-code"' in page
    assert 'href="https://catalog.example/catalog/tools/segment.html"' in page
    assert 'href="https://catalog.example/catalog/teams/mercury.html"' in page
