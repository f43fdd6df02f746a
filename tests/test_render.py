"""Stage 4: the MyST pages rendered for the mini catalog, compared with expected files, and user
text kept inert. Regenerate the expected files after a deliberate change with
    UPDATE_EXPECTED=1 python -m pytest tests/test_render.py
and read the diff before committing it."""

import os
from pathlib import Path

import pytest

from conftest import MINI, squeeze, write

from eventcat.pipeline import build_catalog
from eventcat.render import render

EXPECTED = Path(__file__).resolve().parent / "expected" / "mini"


@pytest.fixture(scope="module")
def pages():
    return render(build_catalog(MINI)[0])


def test_pages_match_expected_files(pages):
    """The MyST pages; downloads and the reference index are checked in test_export.py."""
    pages = {relative: text for relative, text in pages.items() if relative.endswith(".md")}
    if os.environ.get("UPDATE_EXPECTED"):
        for relative, text in pages.items():
            write(EXPECTED / relative, text)
    expected = {p.relative_to(EXPECTED).as_posix(): p.read_text(encoding="utf-8")
                for p in EXPECTED.rglob("*.md")}
    assert sorted(pages) == sorted(expected)
    for relative, text in pages.items():
        assert text == expected[relative], f"{relative} differs from tests/expected/mini/{relative}"


def test_every_kind_of_page_is_rendered(pages):
    assert {"events/edx.video.played.md", "events/promotion-viewed.md",
            "events/add-forum-community-ta.md", "events/index.md", "tools/index.md",
            "tools/segment.md", "teams/index.md", "teams/mercury.md", "field-groups.md",
            "format.md", "rules.md", "_home.md"} <= set(pages)


def test_event_page_has_fields_recipe_and_route(pages):
    page = pages["events/edx.video.played.md"]
    assert "# edx\\.video\\.played" in page
    assert '<td><code>currentTime</code></td><td>number</td>' in squeeze(page)
    assert 'Logger.log("edx.video.played", {' in page  # recipe with the event's name
    assert 'analytics.track("edx.video.played", buildJsonObject {' in page  # mobile recipe
    for recipe in page.split("```{code-block} ")[1:]:
        if not recipe.startswith("json"):
            assert '"username"' not in recipe  # envelope left to the tracker
    assert '<a href="../tools/google-analytics.html">Google Analytics</a>' in page


def test_team_list_counts_one_tool_in_the_singular(pages):
    page = pages["teams/index.md"]
    assert '<a href="learner.html">Learner</a>: 4 events, 1 tool\n' in page
    assert "1 tools" not in page


def test_deprecated_event_points_to_its_replacement(pages):
    page = pages["events/seq_goto.md"]
    assert 'Use <a class="ec-event" href="edx.video.played.html"><code>edx.video.played</code></a> instead.' in page


def test_index_rows_carry_filter_data(pages):
    page = squeeze(pages["events/index.md"])
    assert ('<tr data-kind="research" data-domain="video" data-side="browser mobile" '
            'data-team="learner" data-tool="tracking-log segment google-analytics"') in page
    assert 'data-team="learner mercury"' in page  # a sub-team's events show under its parent too


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "```{include} /etc/passwd\n```",
    "```{raw} html\n<script>x</script>\n```",
    "{eval-rst}`.. raw:: html`",
    "{download}`/etc/passwd`",
    "[x](/etc/passwd)",
    "{{ config }} {% for x in y %}",
    ":::{literalinclude} /etc/passwd\n:::",
    "$$x$$ ${x}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_is_inert(tmp_path, mini, text):
    """Summary, description, field text and tool/team names all reach pages as data only."""
    import yaml
    event = yaml.safe_load((mini / "events" / "edx.video.played.yaml").read_text())
    event["summary"] = text.replace("\n", " ")
    event["description"] = text
    event["fields"][0]["description"] = text
    event["fields"][0]["example"] = text
    event["implementations"][0]["where"] = text
    event["known_issues"] = [{"since": "2015-01-01", "note": text.replace("\n", " ")}]
    event["sources"] = [{"title": text.replace("\n", " ")[:300]}]
    (mini / "events" / "edx.video.played.yaml").write_text(yaml.safe_dump(event))
    tool = yaml.safe_load((mini / "tools" / "sailthru.yaml").read_text())
    tool["name"] = text.replace("\n", " ")
    tool["storage"]["retention"] = text
    (mini / "tools" / "sailthru.yaml").write_text(yaml.safe_dump(tool))

    pages = render(build_catalog(mini)[0])
    for relative, page in pages.items():
        if not relative.endswith(".md"):
            continue  # downloads and the reference index: data files, never read as MyST
        html, myst = _split(page)
        # inside raw HTML blocks: escaped, so no element or attribute of the user's survives
        assert "<script" not in html and "<img" not in html, relative
        assert 'href="javascript' not in html, relative
        # in the MyST text: no directive, role, link, substitution or math of the user's
        for needle in ("{include}", "{raw}", "{eval-rst}", "{download}`/etc", "{literalinclude}",
                       "](/etc/passwd)", "$$", "{{"):
            assert needle not in myst, (relative, needle)


def _split(page):
    """(the bodies of raw HTML blocks, the MyST text outside any fence). Code fence bodies are
    left out of both: MyST shows them literally, and Sphinx escapes them."""
    html, myst, fence, is_raw = [], [], None, False
    for line in page.splitlines():
        if fence is None and line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
            is_raw = line[len(fence):] == "{raw} html"
        elif fence is not None and line == fence:
            fence = None
        elif fence is not None:
            if is_raw:
                html.append(line)
        else:
            myst.append(line)
    return "\n".join(html), "\n".join(myst)


def test_markdown_subset(tmp_path):
    from eventcat.markup import markdown_html
    html = markdown_html("# Not a heading\n\n*em* `code` [ok](https://example.org) ![img](https://x/y.png) <b>raw</b>")
    assert "<h1>" not in html and "# Not a heading" in html
    assert "<em>em</em>" in html and "<code>code</code>" in html
    assert '<a rel="nofollow noopener" href="https://example.org">ok</a>' in html
    assert "<img" not in html and "&lt;b&gt;raw&lt;/b&gt;" in html


def test_a_replacement_is_listed_under_related_events(pages):
    """seq_goto is deprecated, replaced by edx.video.played and related to nothing else: its
    Related events heading once stood over an empty list."""
    section = pages["events/seq_goto.md"].split("## Related events")[1].split("\n## ")[0]
    assert 'href="edx.video.played.html"' in section


def test_a_tool_page_says_not_documented_once_with_whom_to_ask(pages):
    """Each unknown storage fact used to repeat the catalog's 'Not documented; ask ...' sentence:
    the page now marks each one and says once, under the list, whom to ask."""
    sailthru = pages["tools/sailthru.md"]  # three unknown facts in the mini catalog
    assert sailthru.count('<dd><span class="ec-unknown">not documented</span></dd>') == 3
    assert sailthru.count("Not documented") == 1 and "whoever administers Sailthru." in sailthru
    known = [name for name, text in pages.items() if name.startswith("tools/") and "<dt>Region</dt>" in text
             and "not documented" not in text.lower()]
    assert all("ec-unknown-note" not in pages[name] for name in known)
