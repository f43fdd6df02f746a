"""The privacy map: personal-data fields joined with the tools they reach, per tool and per team,
and the record-of-processing CSV."""

import csv
import io

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


def test_privacy_page_joins_fields_with_tool_storage_and_flags_conflicts():
    page = render(CATALOG)["privacy.md"]
    rows = squeeze(page).split("<tr")
    email_row = next(row for row in rows if 'id="pii-contact-email"' in row)
    assert 'href="#privacy-tool-sailthru" title="Retention: Not documented. Access: Marketing."' in email_row
    assert "edx.bi.email.sent" in email_row
    username_row = next(row for row in rows if 'id="pii-identifier-username"' in row)
    # the flow a reviewer must act on names the events that cause it
    conflict = username_row.split('(personal data not allowed; brought by ')[1].split("</strong>")[0]
    assert 'href="events/edx.video.played.html"' in conflict and 'href="events/edx.video.paused.html"' in conflict
    assert "(privacy-tool-sailthru)=\n### Sailthru" in page
    assert "Every field is classified." in page


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
    assert "(privacy-team-mercury)=\n### Mercury" in pages["privacy.md"]


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
