"""The privacy map: personal-data fields joined with the tools they reach, per tool and per team,
and the record-of-processing CSV."""

import csv
import io
import re

from conftest import MINI, squeeze, write

from eventcat.pipeline import build_catalog
from eventcat.privacy import privacy_map, processing_record_csv
from eventcat.render import render

CATALOG = build_catalog(MINI)[0]
PMAP = privacy_map(CATALOG)


def flows(field_name):
    found = next(f for f in PMAP.fields if f.name == field_name)
    return found, {flow.tool.id: flow for flow in found.flows}


def test_each_pii_field_reaches_the_hubs_and_destinations_of_its_events():
    email, tools = flows("email")
    assert email.pii == "contact" and email.events == ("edx.bi.email.sent",)
    # segment.track: into the Segment workspace, and on to Sailthru, which receives from Segment
    assert set(tools) == {"segment", "sailthru"}
    assert tools["sailthru"].via == "segment"
    username, tools = flows("username")  # from the envelope group of edx.video.played
    assert username.pii == "identifier"
    assert set(tools) == {"tracking-log", "segment", "google-analytics"}
    assert tools["tracking-log"].via == "tracking-log"


def test_fields_without_personal_data_are_left_out_and_unclassified_ones_listed(mini):
    assert {f.name for f in PMAP.fields} == {"email", "username"}  # the rest say pii: none
    path = mini / "events" / "seq_goto.yaml"
    path.write_text(path.read_text().replace("    pii: none\n", ""))
    pmap = privacy_map(build_catalog(mini)[0])
    assert [event for event, _ in pmap.unclassified] == ["seq_goto"]


def test_per_tool_and_per_team_views():
    assert {r.field for r in PMAP.by_tool["sailthru"]} == {"email"}
    assert {r.field for r in PMAP.by_tool["google-analytics"]} == {"username"}
    assert "tracking-log" not in {t for r in PMAP.by_team["mercury"] for t in r.tools}
    mercury = {r.field: r for r in PMAP.by_team["mercury"]}
    assert set(mercury) == {"email"} and mercury["email"].tools == ("sailthru", "segment")
    assert {r.field for r in PMAP.by_team["learner"]} == {"username"}


def test_most_sensitive_classes_come_first():
    assert PMAP.classes() == ["contact", "identifier"]


def test_record_of_processing_has_a_row_per_tool_and_category():
    rows = list(csv.DictReader(io.StringIO(processing_record_csv(CATALOG))))
    by_key = {(r["recipient_id"], r["data_category"]): r for r in rows}
    assert set(by_key) == {("sailthru", "contact"), ("segment", "contact"), ("segment", "identifier"),
                           ("google-analytics", "identifier"), ("tracking-log", "identifier")}
    sailthru = by_key[("sailthru", "contact")]
    assert sailthru["fields"] == "email" and sailthru["events"] == "edx.bi.email.sent"
    assert sailthru["access"] == "Marketing." and sailthru["retention"] == "Not documented."
    assert sailthru["purpose"] == "Not documented."  # the tool says nothing about its use
    assert sailthru["event_kinds"] == "internal" and sailthru["event_owners"] == "mercury"
    assert by_key[("google-analytics", "identifier")]["pii_allowed"] == "false"


def matrix(page: str) -> dict[str, dict[str, str]]:
    """The privacy map's matrix as {field: {tool id: cell kind}}, read from the page's HTML."""
    html = squeeze(page).split('<table class="ec-matrix">')[1].split("</table>")[0]
    tools = re.findall(r'id="privacy-tool-([^"]+)-column"', html)
    cells = {}
    for row in re.findall(r'<tr id="pii-[^"]+">(.*?)</tr>', html):
        name = re.sub(r"<[^>]+>", "", re.search(r'<th scope="row">(.*?)</th>', row).group(1))
        kinds = re.findall(r'<td class="ec-reach-([a-z]+)">', row)
        assert len(kinds) == len(tools), row
        cells[name] = dict(zip(tools, kinds, strict=True))
    return cells


def test_the_map_is_one_matrix_whose_cells_follow_the_catalog():
    page = render(CATALOG)["privacy.md"]
    # one row per personal-data field, one column per tool some of it reaches; the tool that must
    # not hold personal data comes first
    assert matrix(page) == {
        # email goes out through segment.track to Segment (allowed) and on to Sailthru (undocumented)
        "email": {"google-analytics": "none", "sailthru": "undocumented", "tracking-log": "none",
                  "segment": "allowed"},
        # username (envelope of the video events) reaches Google Analytics, which must not get it
        "username": {"google-analytics": "forbidden", "sailthru": "none", "tracking-log": "undocumented",
                     "segment": "allowed"},
    }
    assert page.count('<table class="ec-matrix">') == 1  # not a table per tool
    squeezed = squeeze(page)
    forbidden = squeezed.split('<tr id="pii-identifier-username">')[1].split("</tr>")[0]
    # flagged in words, not by colour alone, and one step from the events that cause it
    assert ('<td class="ec-reach-forbidden"><a href="#privacy-conflict-google-analytics"><strong>'
            '<span aria-hidden="true">✗</span> must not</strong></a> 2<span class="ec-sr"> events</span>') in forbidden
    conflict = squeezed.split('<li id="privacy-conflict-google-analytics">')[1].split("</li>")[0]
    assert "must not hold personal data" in conflict
    assert 'href="events/edx.video.played.html"' in conflict and 'href="events/edx.video.paused.html"' in conflict
    assert 'href="events/index.html?tool=google-analytics"' in conflict
    assert "privacy-conflict-segment" not in page and "privacy-conflict-sailthru" not in page
    # each field leads to the events that carry it; each tool to its page
    assert '<th scope="row"><a href="fields.html#ec-field-email"><code>email</code></a></th>' in squeezed
    assert '<th scope="col" id="privacy-tool-sailthru-column"><a href="tools/sailthru.html">Sailthru</a></th>' in squeezed
    # storage once per tool, where the tool pages link to
    storage = squeezed.split('<tr id="privacy-tool-sailthru">')[1].split("</tr>")[0]
    assert "<p>Marketing.</p>" in storage  # access
    # retention and region are unknown: said in two words, with one note under the table
    assert storage.count('<span class="ec-unknown">not documented</span>') == 2
    assert "Every field is classified." in page


def test_a_tool_that_must_not_get_personal_data_and_gets_none_is_not_flagged(mini):
    """Only where personal data actually reaches a forbidden tool is anything flagged."""
    for name in ("edx.video.played", "edx.video.paused"):
        path = mini / "events" / f"{name}.yaml"
        path.write_text(path.read_text().replace("google-analytics", "sailthru"))
    catalog = build_catalog(mini)[0]
    page = render(catalog)["privacy.md"]
    cells = matrix(page)
    assert all(kind != "forbidden" for row in cells.values() for kind in row.values()), cells
    assert "must-not-reach" not in page and "ec-reach-forbidden" not in page  # nor in the legend
    assert privacy_map(catalog).conflicts(catalog) == []


def test_a_deep_field_name_may_break_at_its_dots_and_underscores(mini):
    write(mini / "events" / "deep.yaml", """
        name: edx.deep.event
        summary: A deep field.
        kind: research
        reviewed_by: Docs team
        owner: learner
        implementations: [{side: server, api: tracker.emit}]
        fields:
          - {name: context.device.advertising_id, type: string, pii: pseudonymous, description: An id.}
        """)
    page = squeeze(render(build_catalog(mini)[0])["privacy.md"])
    assert "<code>context.<wbr>device.<wbr>advertising_<wbr>id</code>" in page
    assert "context.device.advertising_id" in matrix(page)


def test_privacy_page_lists_unclassified_fields(mini):
    write(mini / "events" / "seq_goto.yaml", (MINI / "events" / "seq_goto.yaml").read_text()
          .replace("    pii: none\n", ""))
    page = render(build_catalog(mini)[0])["privacy.md"]
    section = page.split("## Not classified")[1]
    assert "seq_goto" in section and "Every field is classified." not in section


def test_tool_and_team_pages_point_to_their_part_of_the_map():
    pages = render(CATALOG)
    ga = pages["tools/google-analytics.md"]
    assert 'href="../privacy.html#privacy-tool-google-analytics"' in ga
    assert '<strong class="ec-warn">yet</strong> the events bring' in ga  # pii_allowed: false
    assert "no event brings personal data here" not in ga
    assert 'href="../privacy.html#privacy-team-mercury"' in pages["teams/mercury.md"]
    # the targets of those links: the tool's storage row and the team's row
    assert '<tr id="privacy-tool-google-analytics">' in pages["privacy.md"]
    assert '<tr id="privacy-team-mercury">' in pages["privacy.md"]


def test_an_event_page_warns_where_its_personal_data_must_not_go():
    pages = render(CATALOG)
    played = squeeze(pages["events/edx.video.played.md"])
    warning = played.split('ec-privacy-warning')[1].split("</div>")[0]
    assert 'href="../tools/google-analytics.html"' in warning and "<code>username</code>" in warning
    # the warning comes before the fields, where a reader sees it
    assert played.index("ec-privacy-warning") < played.index("## Fields")
    assert "ec-privacy-warning" not in pages["events/add-forum-community-ta.md"]  # no personal data


def test_own_fields_come_first_and_inherited_ones_are_folded():
    played = squeeze(render(CATALOG)["events/edx.video.played.md"])
    own = played.index('<tr id="field-currentTime"')
    folded = played.index('<details class="ec-inherited-block">')
    assert own < folded and played.index('class="ec-inherited"') > folded


def test_the_map_flags_exactly_what_the_event_pages_warn_about():
    """On the shipped catalog: a cell says 'must not' exactly where some event page warns that the
    field goes to that tool, and every reached cell names a tool the field's events reach."""
    from conftest import ROOT

    from eventcat.privacy import event_conflicts
    catalog = build_catalog(ROOT / "catalog")[0]
    cells = matrix(render(catalog)["privacy.md"])
    warned = {(field, tool.id) for entry in catalog.events
              for tool, fields in event_conflicts(entry, catalog) for field in fields}
    flagged = {(field, tool) for field, row in cells.items()
               for tool, kind in row.items() if kind == "forbidden"}
    assert warned and flagged == warned
    for field, row in cells.items():
        assert set(row.values()) - {"none"}, field  # every row reaches something
        assert all(kind in ("none", "allowed", "forbidden", "undocumented") for kind in row.values())
