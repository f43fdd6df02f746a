"""`known_issues` (dated data-quality notes) and `sources` on events: validated with a place to
fix, shown on the event page, carried into the JSON and CSV exports."""

import csv
import io
import json

import pytest

from conftest import MINI

from eventcat import export
from eventcat.pipeline import build_catalog, check
from eventcat.render import render

PLAYED = MINI / "events" / "edx.video.played.yaml"


def with_issues(mini, block):
    path = mini / "events" / "edx.video.played.yaml"
    text = path.read_text()
    text = text[:text.index("known_issues:")] + block
    path.write_text(text)
    return path


@pytest.mark.parametrize("block, expected", [
    ("known_issues:\n  - note: No date at all.\n", "a known issue needs a date"),
    ("known_issues:\n  - since: '2016-02-01'\n    until: '2016-01-01'\n    note: Backwards.\n",
     "'since' (2016-02-01) is after 'until' (2016-01-01)"),
    ("known_issues:\n  - until: '2016-02-31'\n    note: No such day.\n", "'2016-02-31' is not a day"),
    ("known_issues:\n  - until: 25 June 2015\n    note: Not ISO.\n", "until"),
    ("known_issues:\n  - until: '2016-01-01'\n", "note"),
    ("known_issues:\n  - until: '2016-01-01'\n    note: x\n    colour: red\n", "colour"),
    ("sources:\n  - url: https://example.org/\n", "title"),
    ("sources:\n  - title: guide\n    url: javascript:alert(1)\n", "URL"),
])
def test_bad_notes_are_refused_with_their_place(mini, block, expected):
    path = with_issues(mini, block)
    errors = [p for p in check(mini).problems if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in errors]
    assert expected in str(errors[0])
    assert errors[0].path.endswith(path.name) and errors[0].line > 1


def test_a_bare_yaml_date_asks_for_quotes(mini):
    # a bare date is YAML's date type, which an editor's JSON Schema cannot describe
    with_issues(mini, "known_issues:\n  - until: 2015-06-25\n    note: Bare.\n")
    errors = [str(p) for p in check(mini).problems if p.severity == "error"]
    assert len(errors) == 1 and "until" in errors[0] and "quote" in errors[0], errors


def test_notes_and_sources_reach_the_page():
    catalog = build_catalog(MINI)[0]
    pages = render(catalog)
    page = pages["events/edx.video.played.md"]
    played = catalog.event("edx.video.played").event
    assert "## Known data issues" in page
    for issue in played.known_issues:
        assert str(issue.since or issue.until) in page
    assert "until 2015-06-25" in page and "2016-03-01 to 2016-03-14" in page
    assert 'href="https://docs.openedx.org/' in page and "09_events_plugin.js" in page
    paused = pages["events/edx.video.paused.md"]
    assert "Known data issues" not in paused and "ec-sources" not in paused


def test_notes_and_sources_are_exported():
    catalog = build_catalog(MINI)[0]
    played = catalog.event("edx.video.played").event
    document = json.loads(export.catalog_json(catalog))
    event = next(e for e in document["events"] if e["name"] == "edx.video.played")
    assert event["known_issues"] == [
        {"since": i.since, "until": i.until, "note": i.note} for i in played.known_issues]
    assert [s["title"] for s in event["sources"]] == [s.title for s in played.sources]
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(export.events_csv(catalog)))}
    assert rows["edx.video.played"]["known_issues"].count(" | ") == len(played.known_issues) - 1
    assert "until 2015-06-25: " in rows["edx.video.played"]["known_issues"]
    assert rows["edx.video.played"]["sources"].startswith(played.sources[0].title)
    assert rows["edx.video.paused"]["known_issues"] == "" and rows["edx.video.paused"]["sources"] == ""
