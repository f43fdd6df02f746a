"""Checking records against the catalog: every kind of finding, undocumented and implicit events,
nameless records, malformed lines, both shapes, coverage, the JSON round trip and thresholds."""

import gzip
import json

import pytest

from conftest import FIXTURES

from eventcat.logs.check import check_logs, implicit_group
from eventcat.logs.pii import mask, pii_kind
from eventcat.logs.report import Report, parse_gate
from eventcat.pipeline import build_catalog

LOGS = FIXTURES / "logs"


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(LOGS / "catalog")[0]


def findings(report):
    return {(f.kind, f.event, f.field, f.part, f.detail): (f.count, f.where) for f in report.findings}


def test_a_clean_log_has_no_findings(catalog):
    report = check_logs(catalog, [LOGS / "good.jsonl"])
    assert report.findings == [] and report.malformed == 0 and report.undocumented == {}
    # matched by name, by alias (play_video) and by side
    assert report.events["edx.video.played"].count == 2
    assert report.events["edx.video.played"].sides == {"browser": 1, "mobile": 1}
    assert report.events["edx.course.enrollment.activated"].where == [f"{LOGS / 'good.jsonl'}:1"]
    assert set(report.events) == {"edx.video.played", "edx.course.enrollment.activated", "edx.bi.email.sent"}


def test_every_kind_of_mismatch_with_its_field_and_line(catalog):
    path = LOGS / "problems.jsonl"
    found = findings(check_logs(catalog, [path]))
    event = "edx.course.enrollment.activated"

    def at(*lines):
        return [f"{path}:{n}" for n in lines]
    expected = {
        ("missing-required", event, "user_id", "payload", "required integer"): (1, at(1)),
        ("missing-required", event, "username", "envelope", "required string"): (1, at(5)),
        ("type-mismatch", event, "user_id", "payload", "expected integer, got string"): (1, at(2)),
        ("type-mismatch", event, "context.user_id", "envelope", "expected integer, got string"): (1, at(2)),
        ("type-mismatch", event, "is_active", "payload", "expected boolean, got string"): (1, at(2)),
        ("type-mismatch", event, "enrolled_at", "payload", "expected datetime, got string"): (1, at(2)),
        ("type-mismatch", event, "tags", "payload", "expected array, got string"): (1, at(2)),
        ("type-mismatch", event, "origin", "payload", "expected object, got array"): (1, at(2)),
        ("unknown-field", event, "debug_flag", "payload", "not declared (boolean)"): (1, at(3)),
        ("unknown-field", event, "origin.medium", "payload", "not declared (string)"): (1, at(3)),
        ("unknown-field", event, "context.module", "envelope", "not declared (object)"): (1, at(3)),
        ("unknown-field", event, "label", "envelope", "not declared (string)"): (1, at(3)),
        ("unknown-field", event, "card", "payload", "not declared (string)"): (1, at(5)),
        ("not-allowed", event, "mode", "payload", "a value outside audit, honor, verified"): (1, at(3)),
        ("side", event, "", "", "event_source 'browser'; the catalog lists server"): (1, at(4)),
        ("side", event, "", "", "event_source 'mobile'; the catalog lists server"): (1, at(8)),
        ("pii", event, "page", "envelope", "looks like email"): (1, at(4)),
        ("pii", event, "note", "payload", "looks like phone"): (1, at(4)),
        ("pii", event, "origin.campaign", "payload", "looks like ip-address"): (1, at(4)),
        ("pii", event, "card", "payload", "looks like card-number"): (1, at(5)),
        # a browser problem_check carries the raw form as a string, not the declared object
        ("type-mismatch", "problem_check", "event", "envelope", "expected object, got string"): (1, at(7)),
    }
    assert found == expected


def test_no_finding_prints_a_personal_value(catalog):
    text = check_logs(catalog, [LOGS / "problems.jsonl"]).to_json()
    for secret in ("jane.doe@example.com", "555 12 34", "4111", "198.51.100.7"):
        assert secret not in text


def test_pii_is_not_flagged_where_the_catalog_declares_it(catalog):
    # edx.bi.email.sent declares `email` as contact data and `ip` is network data: no finding
    report = check_logs(catalog, [LOGS / "good.jsonl"])
    assert not [f for f in report.findings if f.kind == "pii"]


def test_undocumented_implicit_and_nameless_records(catalog):
    path = LOGS / "names.jsonl"
    report = check_logs(catalog, [path])
    bookmark = report.undocumented["edx.bookmark.added"]
    assert (bookmark.count, bookmark.first, bookmark.last) == (
        3, "2025-01-15T10:00:00+00:00", "2025-03-01T10:00:00+00:00")  # by time, not by line
    assert bookmark.sides == {"server": 3} and bookmark.where[0] == f"{path}:1"
    # `name` is tried before the legacy event_type; neither is documented here
    assert "edx.ui.lms.sequence.next_selected" in report.undocumented
    assert {k: v.count for k, v in report.implicit.items()} == {"/courses/{id}/courseware/…": 2, "/jsi18n/": 1}
    assert (report.unnamed, report.unnamed_where) == (1, [f"{path}:7"])
    # a Segment message is matched by an implementation's wire name
    assert report.events["edx.video.played"].sides == {"mobile": 1}
    assert report.shapes == {"tracking-log": 8, "segment": 1}


def test_implicit_paths_group_by_their_words():
    assert implicit_group("/courses/course-v1:edX+X+1/courseware/a/b/?x=1") == "/courses/{id}/courseware/…"
    assert implicit_group("/jsi18n/") == "/jsi18n/"
    assert implicit_group("/") == "/"
    assert implicit_group("/api/user/v1/accounts/12345") == "/api/user/v1/…"
    assert implicit_group("/u/9cee77a606ea4c1aa5440e0ea5d0f618") == "/u/{id}"


def test_malformed_lines_are_counted_with_line_numbers_and_the_run_goes_on(catalog):
    path = LOGS / "malformed.jsonl"
    report = check_logs(catalog, [path])
    assert report.malformed_examples == [
        {"where": f"{path}:2", "reason": "not valid JSON"},
        {"where": f"{path}:4", "reason": "no JSON object on the line"},
        {"where": f"{path}:5", "reason": "a JSON array, not an object"},
        {"where": f"{path}:6", "reason": "a JSON string, not an object"},
        {"where": f"{path}:8", "reason": "not UTF-8 text"},
    ]
    assert report.malformed == 5
    assert report.events["edx.bi.email.sent"].count == 3  # lines 1, 7 and 9 were still read
    assert report.events["edx.bi.email.sent"].where == [f"{path}:1", f"{path}:7", f"{path}:9"]


def test_log_line_form(catalog):
    path = LOGS / "lms-lines.log"
    report = check_logs(catalog, [path])
    assert report.events["edx.bi.email.sent"].count == 1
    assert report.events["edx.video.played"].count == 1
    assert report.malformed_examples == [{"where": f"{path}:3", "reason": "no JSON object on the line"}]
    assert report.findings == []


def test_gzip_gives_the_same_report_as_plain(catalog, tmp_path):
    packed = tmp_path / "problems.log"
    packed.write_bytes(gzip.compress((LOGS / "problems.jsonl").read_bytes()))
    plain = check_logs(catalog, [LOGS / "problems.jsonl"])
    zipped = check_logs(catalog, [packed])
    assert zipped.files[0].gzip and not plain.files[0].gzip
    assert findings(zipped).keys() == findings(plain).keys()
    assert [f.count for f in zipped.findings] == [f.count for f in plain.findings]


def test_processed_event_tracking_shape(catalog):
    path = LOGS / "processed.jsonl"
    report = check_logs(catalog, [path])
    assert report.shapes == {"event-tracking": 2}
    event = "edx.course.enrollment.activated"
    assert findings(report) == {
        ("missing-required", event, "user_id", "payload", "required integer"): (1, [f"{path}:2"]),
        ("unknown-field", event, "surprise", "payload", "not declared (integer)"): (1, [f"{path}:2"]),
        ("unknown-field", event, "context.client_id", "envelope", "not declared (string)"): (1, [f"{path}:2"]),
        ("type-mismatch", event, "context.user_id", "envelope", "expected integer, got string"): (1, [f"{path}:2"]),
    }
    assert report.events[event].first == "2025-01-05T10:00:00+00:00"


def test_processed_shape_with_an_envelope_that_declares_nothing_inside_context(tmp_path):
    """A catalog whose envelope group has no context.* field (the mini fixture's has one): the
    check once crashed building its expectations for this shape."""
    import shutil
    shutil.copytree(LOGS / "catalog", tmp_path / "catalog")
    for group in (tmp_path / "catalog" / "fields").glob("*.yaml"):
        lines = group.read_text().splitlines()
        group.write_text("\n".join(line for line in lines if "{name: context." not in line) + "\n")
    report = check_logs(build_catalog(tmp_path / "catalog")[0], [LOGS / "processed.jsonl"])
    assert report.shapes == {"event-tracking": 2}
    # nothing inside context is declared, so nothing inside it is reported as unknown
    assert not any(f.field.startswith("context.") for f in report.findings)


def nullable_catalog(tmp_path):
    """The fixture catalog with `nullable: false`: no field takes null unless it says so; `note`
    says so."""
    import shutil
    shutil.copytree(LOGS / "catalog", tmp_path / "catalog")
    settings = tmp_path / "catalog" / "catalog.yaml"
    settings.write_text(settings.read_text().replace("nullable: true", "nullable: false"))
    event = tmp_path / "catalog" / "events" / "edx.course.enrollment.activated.yaml"
    event.write_text(event.read_text().replace('description: "A note; not classified."}',
                                               'nullable: true, description: "A note; not classified."}'))
    return build_catalog(tmp_path / "catalog")[0]


NULLS = ('{"event_type": "edx.course.enrollment.activated", "event_source": "server", "username": "u", '
         '"time": "2025-01-02T10:00:00+00:00", "context": {"user_id": 1}, '
         '"event": {"course_id": null, "user_id": 1, "mode": "audit", "note": null, "enrolled_at": ""}}\n')


def test_null_is_no_value_only_where_the_catalog_says_a_field_takes_it(catalog, tmp_path):
    """The catalog's `nullable` (and a field's own) decides whether null fits, as it does for the
    exported JSON Schemas: with `nullable: false`, a null course_id is a type mismatch; `note`
    takes null by its own setting; "" stays "no value" either way."""
    log = tmp_path / "nulls.log"
    log.write_text(NULLS * 2)
    strict = check_logs(nullable_catalog(tmp_path), [log])
    assert [(f.field, f.detail, f.count) for f in strict.findings] == [
        ("course_id", "expected string, got null", 2)]
    assert check_logs(catalog, [log]).findings == []  # the fixture catalog says nullable: true


def test_coverage_counts_only_events_that_reach_the_tracking_log(catalog):
    report = check_logs(catalog, [LOGS / "good.jsonl"])
    # Promotion Viewed goes to Segment only: it is not expected in a tracking log
    assert report.expected == ["edx.bi.email.sent", "edx.course.enrollment.activated",
                               "edx.video.played", "problem_check"]
    assert report.coverage() == 75.0


def test_examples_per_finding_are_bounded(catalog, tmp_path):
    line = (LOGS / "problems.jsonl").read_text().splitlines()[0]
    many = tmp_path / "many.jsonl"
    many.write_text((line + "\n") * 500)
    report = check_logs(catalog, [many])
    (finding,) = [f for f in report.findings if f.field == "user_id"]
    assert finding.count == 500 and len(finding.where) == 3


def test_report_survives_json(catalog):
    report = check_logs(catalog, [LOGS / "problems.jsonl", LOGS / "names.jsonl", LOGS / "malformed.jsonl"])
    again = Report.from_json(report.to_json())
    assert again.to_json() == report.to_json()
    assert again.counts() == report.counts() and again.coverage() == report.coverage()
    with pytest.raises(ValueError, match="not a saved report"):
        Report.from_json(json.dumps({"events": {}}))


def test_thresholds(catalog):
    report = check_logs(catalog, [LOGS / "problems.jsonl"])
    assert report.counts()["type-mismatch"] == 7
    assert parse_gate("type-mismatch=6").failed(report) == "type-mismatch: 7 found, more than 6 allowed"
    assert parse_gate("type-mismatch=7").failed(report) == ""
    assert parse_gate("coverage<60%").failed(report) == "coverage 50.0% is below 60%"
    assert parse_gate("coverage<50").failed(report) == ""
    for bad, message in [("type-mismach=1", "did you mean 'type-mismatch'"), ("pii", "KIND=N"),
                         ("pii=x", "whole number"), ("coverage<120%", "0 to 100")]:
        with pytest.raises(ValueError, match=message):
            parse_gate(bad)


@pytest.mark.parametrize("value, kind", [
    ("someone@example.org", "email"), ("203.0.113.9", "ip-address"), ("fe80::1ff:fe23:4567:890a", "ip-address"),
    ("+41 79 555 12 34", "phone"), ("(555) 123-4567", "phone"), ("4111 1111 1111 1111", "card-number"),
    ("course-v1:edX+DemoX+Demo", None), ("2025-01-02T10:00:05.123+00:00", None), ("16:02:25", None),
    ("4111 1111 1111 1112", None),  # fails the Luhn check
    ("block@9cee77a606ea4c1aa5440e0ea5d0f618", None), ("Chrome/34.0.1847.116", None), ("html5", None),
])
def test_pii_detectors(value, kind):
    assert pii_kind(value) == kind


def test_mask_hides_each_personal_part():
    assert mask("write to a@b.org from 10.1.2.3, ok") == "write to <email> from <ip-address>, ok"


def test_segment_messages_are_a_shape_of_their_own(catalog):
    """track calls are checked against the Segment envelope and the event's fields under
    `properties`; identify, page and screen are counted by call; comment lines are skipped."""
    path = LOGS / "segment.jsonl"
    report = check_logs(catalog, [path])
    assert report.malformed == 0 and report.unnamed == 0
    assert report.files[0].comments == 1 and report.files[0].blank == 1
    assert report.shapes == {"segment": 8} and report.records == 8
    assert {c: (s.count, list(s.sides)) for c, s in report.calls.items()} == {
        "identify": (1, ["browser"]), "page": (1, ["browser"]), "screen": (1, ["mobile"])}
    assert report.events["Promotion Viewed"].sides == {"browser": 1, "server": 1}
    assert report.events["Promotion Viewed"].first == "2025-02-06T10:00:00Z"
    assert set(report.undocumented) == {"Something Else"}
    found = findings(report)

    def at(line):
        return (1, [f"{path}:{line}"])
    promo = "Promotion Viewed"
    assert found == {
        ("missing-required", promo, "name", "payload", "required string"): at(4),
        ("unknown-field", promo, "link", "payload", "not declared (string)"): at(4),
        # the Segment envelope is what a track call is held to, not the tracking-log keys
        ("unknown-field", promo, "context.app", "envelope", "not declared (object)"): at(4),
        ("unknown-field", promo, "writeKey", "envelope", "not declared (string)"): at(4),
        ("unknown-field", promo, "channel", "envelope", "not declared (string)"): at(4),
        ("side", promo, "", "", "event_source 'server'; the catalog lists browser"): at(4),
        # a Segment message of an event the catalog sends only through the tracking log
        ("side", "edx.bi.email.sent", "", "", "a Segment message; the catalog sends it only through "
         "tracking-log"): at(10),
    }
    # `link` holds a URL whose host is an IP address: a server's address, not a person's


def test_a_url_with_an_ip_host_is_not_a_personal_ip_address():
    assert pii_kind("http://10.0.0.1/promo") is None
    assert pii_kind("https://[2001:db8::1]:8443/x") is None
    assert pii_kind("from http://10.0.0.1/ by 10.0.0.2") == "ip-address"


def test_logs_no_documented_event_could_hold_say_why_rather_than_0_of_0(catalog, tmp_path):
    from eventcat.logs.text import to_text
    log = tmp_path / "l.jsonl"
    log.write_text('{"event_type": "edx.video.played", "event_source": "browser", "event": "{}"}\n')
    report = check_logs(catalog, [log])
    assert report.expected  # this catalog has tracking-log events: a percentage is given
    assert "documented events that these logs could hold were seen" in to_text(report)
    report.expected = []  # as in a catalog whose events all go only through Segment
    coverage = [line for line in to_text(report).splitlines() if line.startswith("coverage:")]
    assert coverage == ["coverage: no documented event reaches the kind of records these logs hold "
                        "(tracking-log), so none was expected"]


def segment_messages():
    """Segment messages as Segment stores them, one of each library the edX clients use: the
    browser (analytics.js), the Android and iOS SDKs, a server library; a track call each, then
    identify and screen calls. Keys and types follow Segment's spec and real archived messages."""
    common = {"version": 2, "writeKey": "wk_0123456789", "projectId": "src_123", "integrations": {"All": True},
              "userId": "4", "anonymousId": "01234567-89ab-cdef-0123-456789abcdef",
              "sentAt": "2025-03-01T10:00:01.000Z", "receivedAt": "2025-03-01T10:00:02.000Z",
              "originalTimestamp": "2025-03-01T11:00:00+0100", "timestamp": "2025-03-01T10:00:01.500Z"}
    browser = {"ip": "203.0.113.9", "locale": "en-US", "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
               "userAgentData": {"mobile": False, "platform": "Linux", "brands": [{"brand": "Chromium", "version": "120"}]},
               "library": {"name": "analytics.js", "version": "next-1.53.0"},
               "page": {"path": "/course/x", "referrer": "https://www.edx.org/", "search": "?a=1", "title": "Course",
                        "url": "https://learning.edx.org/course/x?a=1"},
               "campaign": {"name": "spring", "source": "newsletter", "medium": "email"}, "active": True,
               "traits": {"username": "staff"}, "timezone": "Europe/Paris", "groupId": "org-1",
               "referrer": {"type": "link", "id": "r1"}}
    android = {"app": {"name": "edX", "version": "2.3.0", "build": "82", "namespace": "org.edx.mobile"},
               "device": {"id": "d1", "manufacturer": "samsung", "model": "SM-N910H", "name": "tre3g", "type": "android",
                          "advertisingId": "a1", "adTrackingEnabled": True, "token": "t1"},
               "os": {"name": "Android", "version": "14"}, "network": {"wifi": True, "cellular": False,
                                                                     "bluetooth": False, "carrier": "Carrier"},
               "screen": {"width": 1440, "height": 2560, "density": 2.625}, "locale": "en-US",
               "timezone": "America/New_York", "library": {"name": "analytics-android", "version": "4.11.3"},
               "instanceId": "i1", "location": {"country": "US"}, "traits": {"anonymousId": "x"},
               "userAgent": "Dalvik/2.1.0 (Linux; U; Android 14)", "ip": "203.0.113.10"}
    ios = {**android, "app": {"name": "edX", "version": "5.0", "build": "500", "namespace": "org.edx.mobile"},
           "device": {"id": "d2", "manufacturer": "Apple", "model": "iPhone15,2", "name": "iPhone", "type": "ios"},
           "os": {"name": "iOS", "version": "17.1"}, "screen": {"width": 393, "height": 852, "density": 3},
           "library": {"name": "analytics-ios", "version": "4.1.8"}}
    server = {"library": {"name": "analytics-python", "version": "2.2.2"}, "ip": "203.0.113.11"}
    promo = {"promotion_id": "p", "creative": "c", "name": "n", "position": "sidebar"}
    screen = {"name": "Course Dashboard", "label": "x", "category": "navigation"}
    return [
        {**common, "type": "track", "channel": "client", "messageId": "ajs-1", "event": "Promotion Viewed",
         "properties": promo, "context": browser},
        {**common, "type": "track", "channel": "mobile", "messageId": "m-1", "event": "edx.bi.app.navigation.screen",
         "properties": screen, "context": android},
        {**common, "type": "track", "channel": "mobile", "messageId": "m-2", "event": "edx.bi.app.navigation.screen",
         "properties": screen, "context": ios},
        {**common, "type": "track", "channel": "server", "messageId": "s-1", "event": "edx.bi.user.account.authenticated",
         "properties": {"category": "conversion", "label": "x"}, "context": server},
        {**common, "type": "identify", "channel": "server", "messageId": "s-2", "context": server,
         "traits": {"email": "staff@example.org", "username": "staff"}, "integrations": {"MailChimp": False}},
        {**common, "type": "screen", "channel": "mobile", "messageId": "m-3", "name": "Course Dashboard",
         "properties": {}, "context": android},
    ]


def test_real_segment_messages_show_no_unknown_envelope_fields(tmp_path):
    """The shipped catalog's Segment envelope covers what Segment's libraries put around a
    message: a real message is checked on its own fields, not drowned in envelope noise."""
    from conftest import ROOT
    shipped = build_catalog(ROOT / "catalog")[0]
    log = tmp_path / "segment.jsonl"
    messages = segment_messages()
    log.write_text("\n".join(json.dumps(m) for m in messages) + "\n")
    report = check_logs(shipped, [log])
    assert report.shapes == {"segment": 6} and report.malformed == 0 and not report.undocumented
    assert {c: s.count for c, s in report.calls.items()} == {"identify": 1, "screen": 1}
    assert {n: s.count for n, s in report.events.items()} == {
        "Promotion Viewed": 1, "edx.bi.app.navigation.screen": 2, "edx.bi.user.account.authenticated": 1}
    assert [f for f in report.findings if f.part == "envelope"] == []
    # the envelope is still held to: a key outside Segment's spec, a wrong type
    messages[0]["context"] = {**messages[0]["context"], "made_up": 1}
    messages[1]["context"]["screen"]["width"] = "wide"
    log.write_text("\n".join(json.dumps(m) for m in messages) + "\n")
    found = {(f.kind, f.field, f.detail) for f in check_logs(shipped, [log]).findings if f.part == "envelope"}
    assert found == {("unknown-field", "context.made_up", "not declared (integer)"),
                     ("type-mismatch", "context.screen.width", "expected integer, got string")}
