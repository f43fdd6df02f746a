"""Example records are true to the wire: every example on every event page of the shipped catalog
passes `eventcat logs check` against the catalog with no finding, in the shape its API produces."""

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, write

from eventcat.examples import examples, field_examples, identity
from eventcat.logs.check import check_logs
from eventcat.pipeline import check

SHIPPED = ROOT / "catalog"


@pytest.fixture(scope="module")
def shipped():
    result = check(SHIPPED)
    assert not [p for p in result.problems if p.severity == "error"], result.problems
    return result.catalog


def all_examples(catalog):
    who = identity(catalog)
    return [(entry, ex) for entry in catalog.events for ex in examples(entry, catalog, who)]


def test_every_shipped_example_passes_logs_check(shipped, tmp_path):
    pairs = all_examples(shipped)
    shown = [(entry, ex) for entry, ex in pairs if ex.record is not None]
    log = tmp_path / "examples.log"
    log.write_text("".join(ex.line + "\n" for _, ex in shown), encoding="utf-8")
    report = check_logs(shipped, [log])
    assert report.records == len(shown)
    assert [(f.kind, f.event, f.field, f.detail) for f in report.findings] == []
    assert report.malformed == 0 and not report.undocumented and not report.implicit
    # every named record is recognised as its own event; identify calls carry no name
    named = Counter(entry.name for entry, ex in shown if ex.shape != "segment-identify")
    assert {name: seen.count for name, seen in report.events.items()} == dict(named)
    identify = sum(1 for _, ex in shown if ex.shape == "segment-identify")
    assert report.unnamed == 0
    assert (report.calls["identify"].count if identify else 0) == identify
    # the catalog has one example per implementation, and the test checks a real number of them
    assert len(pairs) == sum(len(e.event.implementations) for e in shipped.events)
    assert len(shown) >= len(shipped.events), (len(shown), len(shipped.events))
    print(f"{len(shown)} example records of {len(shipped.events)} events pass logs check")


def test_each_shape_is_the_one_its_api_produces(shipped):
    by_api = {}
    for entry, ex in all_examples(shipped):
        by_api.setdefault((ex.api.name, ex.implementation.side), (entry, ex))
    entry, browser = by_api[("Logger.log", "browser")]
    assert browser.record["event_source"] == "browser"
    assert isinstance(browser.record["event"], str)  # JSON text, as browsers post it
    assert isinstance(json.loads(browser.record["event"]), dict)
    assert browser.record["context"]["path"] == "/event"
    assert browser.record["context"]["username"] == browser.record["username"]
    entry, server = by_api[("tracker.emit", "server")]
    assert server.record["event_source"] == "server" and isinstance(server.record["event"], dict)
    assert server.record["page"] is None and "command" not in server.record.get("context", {})
    assert server.record["event_type"] == server.record["name"] == (server.implementation.name or entry.name)
    entry, track = by_api[("segment.track", "server")]
    assert track.record["type"] == "track" and track.record["event"] == (track.implementation.name or entry.name)
    assert "properties" in track.record and track.record["context"]["library"]["name"] == "analytics-python"
    entry, js = by_api[("sendTrackEvent", "browser")]
    assert js.record["type"] == "track" and js.record["context"]["library"]["name"] == "analytics.js"
    entry, mobile = by_api[("Analytics.track", "mobile")]
    record = mobile.record
    if mobile.shape == "segment-webhook":  # through the LMS webhook, into the tracking log
        assert record["event_source"] == "mobile" and record["name"] == entry.name
        assert record["context"]["path"] == "/segmentio/event"
    else:
        assert record["context"]["library"]["name"] == "analytics-android"
    entry, firebase = by_api[("logEvent", "mobile")]
    assert firebase.record is None


def test_one_user_and_moment_across_an_events_examples(shipped):
    for entry, ex in all_examples(shipped):
        record = ex.record
        if record is None:
            continue
        if "username" in record:
            assert record["username"] == "staff"
            assert record.get("context", {}).get("user_id", 4) == 4
            payload = record["event"] if isinstance(record["event"], dict) else json.loads(record["event"])
            for key in ("user_id", "username"):
                if key in payload and isinstance(payload[key], (int, str)):
                    assert str(payload[key]) in ("4", "staff"), (entry.name, key, payload[key])
        if "userId" in record:
            assert record["userId"] == "4"


def _record_day(record):
    stamp = record.get("time") or record.get("timestamp")
    return stamp[:10]


def test_an_example_is_dated_when_the_event_looks_as_documented(shipped):
    # the catalog-wide moment (the envelope's `time` example) is 2014-05-02
    by_name = {entry.name: entry for entry in shipped.events}
    shipped_2022 = next(e for e in shipped.events if (e.event.since or "") >= "2022")
    pairs = [(e, ex) for e, ex in all_examples(shipped) if ex.record is not None]
    days = {e.name: _record_day(ex.record) for e, ex in pairs if "time" in ex.record or "timestamp" in ex.record}
    assert days[shipped_2022.name] == shipped_2022.event.since  # not 2014, before it existed
    # before 2014-05-07 enrollment records had no top-level `name`; the example has one
    assert by_name["edx.course.enrollment.activated"].event.known_issues[0].until == "2014-05-07"
    assert days["edx.course.enrollment.activated"] == "2014-05-08"
    # an event with neither keeps the catalog's moment
    plain = next(e for e in shipped.events if not e.event.since and not e.event.known_issues and e.name in days)
    assert days[plain.name] == "2014-05-02"


def test_inherited_rows_show_this_events_name(shipped):
    who = identity(shipped)
    for entry in shipped.events:
        shown = examples(entry, shipped, who)
        values = field_examples(entry, shown, who)
        wire_names = {entry.name, *(i.name for i in entry.event.implementations if i.name)}
        envelope = {rf.field.name for rf in entry.fields if rf.envelope}
        for key in ("name", "event_type", "event"):
            if key in envelope and key in values and isinstance(values[key], str):
                assert values[key] in wire_names, (entry.name, key, values[key])


def test_recipes_follow_their_api(shipped):
    from eventcat.render import implementation_views
    who = identity(shipped)
    for entry in shipped.events:
        for view in implementation_views(entry, shipped, who):
            text = str(view.recipe)
            if view.api.name == "logEvent":
                wire = view.implementation.name or entry.name
                assert f'logEvent("{wire}")' in text
                assert all(c.isalnum() or c == "_" for c in wire)
            if view.api.name == "tracker.emit":
                assert "from eventtracking import tracker" in text


GTAG = """\
name: gtag
summary: Google's tag, from the page.
sides: [browser]
channel: direct
language: javascript
recipe: |
  gtag("event", {{name}}, {{payload}});
"""


def neutral_catalog(root: Path) -> Path:
    catalog = root / "catalog"
    write(catalog / "catalog.yaml", """\
        title: Shop tracking plan
        name_style: object-action
        kinds:
          product:
            description: "Product analytics."
        """)
    write(catalog / "apis" / "gtag.yaml", GTAG)
    write(catalog / "teams" / "web.yaml", "id: web\nname: Web\n")
    write(catalog / "events" / "product-viewed.yaml", """\
        name: Product Viewed
        summary: A shopper opened a product page.
        kind: product
        owner: web
        implementations: [{side: browser, api: gtag}]
        suppress: {prefer-server: "Only the page knows."}
        fields:
          - {name: product_id, type: string, required: true, description: Id., pii: none, example: "p-1"}
        """)
    return catalog


def test_a_new_catalog_declares_its_own_api(tmp_path):
    from eventcat.render import implementation_views
    catalog_dir = neutral_catalog(tmp_path)
    result = check(catalog_dir)
    assert [str(p) for p in result.problems] == []
    entry = result.catalog.event("Product Viewed")
    views = implementation_views(entry, result.catalog, identity(result.catalog))
    assert 'gtag("event", "Product Viewed", {' in str(views[0].recipe)
    assert views[0].record is None  # a direct API: the tool keeps the record


def test_recipe_templates_are_never_evaluated(tmp_path):
    """A recipe is the author's text: only our placeholders are filled, and by literals; Jinja
    syntax is refused at check time, not run."""
    catalog_dir = neutral_catalog(tmp_path)
    write(catalog_dir / "apis" / "gtag.yaml", GTAG.replace("{{payload}}", "{{ 7*7 }}"))
    problems = [str(p) for p in check(catalog_dir).problems]
    assert any("gtag.yaml:6:9: error bad-value: recipe:" in p and "unknown placeholder '{{ 7*7 }}'" in p
               for p in problems), problems
    # a wire name or example with quotes and braces stays inside its string literal
    write(catalog_dir / "apis" / "gtag.yaml", GTAG.replace("gtag(", "{% for x in y %}gtag("))
    event = catalog_dir / "events" / "product-viewed.yaml"
    event.write_text(event.read_text().replace('"p-1"', '"\\"); alert(1); {{name}} //"'))
    result = check(catalog_dir)
    from eventcat.render import implementation_views
    entry = result.catalog.event("Product Viewed")
    text = str(implementation_views(entry, result.catalog, identity(result.catalog))[0].recipe)
    assert "{% for x in y %}gtag(" in text  # left as text
    assert '"product_id": "\\"); alert(1); {{name}} //"' in text


def test_api_names_are_checked_against_the_api(tmp_path):
    catalog_dir = neutral_catalog(tmp_path)
    write(catalog_dir / "apis" / "logEvent.yaml", """\
        name: logEvent
        summary: Firebase.
        sides: [mobile]
        channel: direct
        language: kotlin
        name_pattern: "^[A-Za-z][A-Za-z0-9_]{0,39}$"
        name_rule: "letters, digits and '_'"
        recipe: "Firebase.analytics.logEvent({{name}}) { {{payload:params}} }"
        """)
    event = catalog_dir / "events" / "product-viewed.yaml"
    event.write_text(event.read_text().replace("implementations: [{side: browser, api: gtag}]",
                                               "implementations: [{side: mobile, api: logEvent}]"))
    problems = [str(p) for p in check(catalog_dir).problems]
    assert any("error api-name: logEvent cannot send the name 'Product Viewed'" in p for p in problems)
    event.write_text(event.read_text().replace("api: logEvent}", "api: logEvent, name: product_viewed}"))
    assert not [p for p in check(catalog_dir).problems if p.rule == "api-name"]


def test_unknown_api_says_where_to_declare_it(tmp_path):
    catalog_dir = neutral_catalog(tmp_path)
    event = catalog_dir / "events" / "product-viewed.yaml"
    event.write_text(event.read_text().replace("api: gtag", "api: amplitude.track"))
    problems = [str(p) for p in check(catalog_dir).problems]
    assert any("unknown api 'amplitude.track' (declare it in apis/" in p for p in problems), problems


def test_new_event_in_the_catalogs_style(tmp_path):
    from eventcat.scaffold import new_event
    catalog_dir = neutral_catalog(tmp_path)
    path = new_event(catalog_dir, "Checkout Started", owner="web", side="browser")
    text = path.read_text()
    assert 'name: "Checkout Started"' in text and "kind: product" in text and 'api: "gtag"' in text
    from eventcat.diagnostics import CatalogError
    with pytest.raises(CatalogError) as refused:
        new_event(catalog_dir, "checkout.started", owner="web", side="browser")
    assert "naming style (object-action)" in str(refused.value.diagnostics[0])


def test_coverage_counts_events_of_every_channel(tmp_path):
    """A Segment-only catalog checked against Segment messages counts its events (it used to say
    "0 of 0 documented events seen"); a tracking log does not count Segment-only events."""
    catalog_dir = neutral_catalog(tmp_path)
    write(catalog_dir / "apis" / "analytics.track.yaml", """\
        name: analytics.track
        summary: Segment's analytics.js.
        sides: [browser]
        channel: segment
        language: javascript
        recipe: "analytics.track({{name}}, {{payload}});"
        """)
    write(catalog_dir / "events" / "cart-viewed.yaml", """\
        name: Cart Viewed
        summary: A shopper opened the cart.
        kind: product
        owner: web
        implementations: [{side: browser, api: analytics.track}]
        suppress: {prefer-server: "Only the page knows."}
        """)
    catalog = check(catalog_dir).catalog
    log = tmp_path / "segment.log"
    log.write_text(json.dumps({"type": "track", "event": "Cart Viewed", "properties": {},
                               "messageId": "m1", "timestamp": "2024-01-01T00:00:00Z"}) + "\n")
    report = check_logs(catalog, [log])
    assert report.expected == ["Cart Viewed"] and report.coverage() == 100.0
    tracking = tmp_path / "tracking.log"
    tracking.write_text(json.dumps({"event_type": "Other", "event_source": "server", "event": {}}) + "\n")
    assert check_logs(catalog, [tracking]).expected == []


def test_schemas_accept_null_only_where_the_catalog_says(tmp_path):
    from eventcat.export import payload_schema, schema_texts
    catalog_dir = neutral_catalog(tmp_path)
    catalog = check(catalog_dir).catalog
    entry = catalog.event("Product Viewed")
    assert payload_schema(entry)["properties"]["product_id"]["type"] == "string"
    config = catalog_dir / "catalog.yaml"
    config.write_text(config.read_text() + "nullable: true\n")
    catalog = check(catalog_dir).catalog
    text = schema_texts(catalog)["product-viewed.schema.json"]
    assert json.loads(text)["properties"]["product_id"]["type"] == ["string", "null"]
    event = catalog_dir / "events" / "product-viewed.yaml"
    event.write_text(event.read_text().replace('example: "p-1"}', 'example: "p-1", nullable: false}'))
    catalog = check(catalog_dir).catalog
    assert json.loads(schema_texts(catalog)["product-viewed.schema.json"])["properties"]["product_id"]["type"] == "string"


def test_a_neutral_catalogs_site_says_nothing_of_edx(tmp_path):
    """Another organisation's catalog: its pages carry no edX wording, and no Segment whitelist
    download, since nothing of it routes through one."""
    from eventcat.render import render
    catalog = check(neutral_catalog(tmp_path)).catalog
    pages = render(catalog)
    assert "downloads/segment-whitelist.yaml" not in pages
    for path, text in pages.items():
        if isinstance(text, str):
            lowered = text.lower()
            for word in ("edx", "research data package", "common.djangoapps", "eventtracking"):
                assert word not in lowered, (path, word)
    shipped = check(SHIPPED).catalog
    assert shipped.routes_through_whitelist  # the edX catalog keeps its whitelist download


def test_processed_event_tracking_shape_passes_logs_check(mini, tmp_path):
    """An API that declares the processed event-tracking record (name, timestamp, context, data)
    gets an example in that shape, and logs check reads it as that event with no finding."""
    write(mini / "apis" / "emit-processed.yaml", """\
        name: tracker.emit.processed
        summary: Event-tracking's own record, before the LMS maps it to the tracking log.
        sides: [server]
        channel: tracking-log
        record: event-tracking
        language: python
        recipe: "tracker.emit({{name}}, {{payload}})"
        """)
    event = next(p for p in (mini / "events").glob("*.yaml") if "edx.video.paused" in p.name)
    event.write_text(event.read_text().replace("implementations:", "implementations:\n  - {side: server, api: tracker.emit.processed}", 1))
    catalog = check(mini).catalog
    entry = catalog.event("edx.video.paused")
    shown = [ex for ex in examples(entry, catalog) if ex.shape == "event-tracking"]
    assert len(shown) == 1
    record = shown[0].record
    assert set(record) >= {"name", "timestamp", "context", "data"}
    assert record["context"]["event_source"] == "server" and record["name"] == "edx.video.paused"
    log = tmp_path / "processed.log"
    log.write_text(shown[0].line + "\n")
    report = check_logs(catalog, [log])
    assert report.shapes == {"event-tracking": 1}
    assert [(f.kind, f.field, f.detail) for f in report.findings] == []
    assert list(report.events) == ["edx.video.paused"]


def test_history_reads_revisions_from_before_apis_were_declared(tmp_path):
    """A catalog committed before apis/ and kinds existed (with `internal_prefix`) still reads
    at that revision, with the APIs the catalog declares now: upgrading loses no history."""
    import shutil as _shutil

    from conftest import MINI
    from history_repo import git

    from eventcat.compare import compare
    root = tmp_path / "repo"
    catalog = root / "catalog"
    _shutil.copytree(MINI, catalog)
    _shutil.rmtree(catalog / "apis")
    config = catalog / "catalog.yaml"
    new_config = config.read_text()
    config.write_text(new_config.split("kinds:")[0] + "internal_prefix: edx.bi.\n")
    git("init", "-q", "-b", "main", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "old format", cwd=root)
    _shutil.copytree(MINI / "apis", catalog / "apis")
    config.write_text(new_config)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "apis and kinds declared", cwd=root, when="2026-01-02T12:00:00+00:00")
    _, _, changes = compare("HEAD~1", "HEAD", catalog)
    assert changes.events == [] or all(e.change != "removed" for e in changes.events)
