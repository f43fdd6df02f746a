"""The catalog we ship is the README's default: it must stay valid and cover what the guide
promises (every tool the seed names, the seed's teams, events of every side and kind)."""

import pytest

from eventcat.pipeline import build_catalog
from conftest import ROOT


@pytest.fixture(scope="module")
def catalog():
    catalog, warnings = build_catalog(ROOT / "catalog", strict=True)
    return catalog


def test_at_least_forty_events(catalog):
    assert len(catalog.events) >= 40


def test_every_tool_the_seed_names_and_two_diagnostic_tools(catalog):
    names = {tool.name for tool in catalog.tools.values()}
    for name in ["Google Analytics", "Google Tag Manager", "Firebase Analytics", "Fabric",
                 "Segment", "Tracking Log", "Optimizely", "Qualaroo", "Crazy Egg", "Sailthru"]:
        assert any(n.startswith(name) for n in names), name
    assert any("Facebook" in n for n in names)
    categories = [t.category for t in catalog.tools.values()]
    assert "log-store" in categories and "diagnostics" in categories


def test_storage_notes_never_left_blank(catalog):
    for tool in catalog.tools.values():
        for key in ("limits", "access", "retention"):
            assert getattr(tool.storage, key).strip(), (tool.id, key)


def test_seed_teams(catalog):
    assert catalog.teams["mercury"].parent == "learner"
    assert {"google-analytics", "tableau", "optimizely"} <= set(catalog.teams["mercury"].tools)


def test_coverage_of_kinds_sides_and_apis(catalog):
    events = catalog.events
    assert {e.event.kind for e in events} == {"research", "internal"}
    assert {"server", "browser", "mobile", "task"} <= {s for e in events for s in e.sides}
    apis = {i.api for e in events for i in e.event.implementations}
    assert {"tracker.emit", "segment.track", "segment.identify", "sendTrackingLogEvent",
            "sendTrackEvent", "Logger.log", "analytics.track"} <= apis
    internal = [e for e in events if e.event.kind == "internal"]
    # Segment's standard ecommerce events keep the names the spec gives them
    assert internal and all(e.name.startswith("edx.bi.") for e in internal if not e.event.standard)
    domains = {e.domain for e in events}
    for domain in ["enrollment", "video", "forum", "certificate", "navigation"]:
        assert domain in domains, domain


def test_promotions_deprecation_and_aliases(catalog):
    assert catalog.event("Promotion Viewed").event.standard == "Promotion Viewed"
    assert catalog.event("Promotion Clicked").event.standard == "Promotion Clicked"
    deprecated = [e for e in catalog.events if e.event.status == "deprecated"]
    assert any(e.event.replaced_by for e in deprecated)
    assert catalog.event("play_video").name == "edx.video.played"


def test_mobile_segment_events_declare_the_name_they_send(catalog):
    """Notes that say "Segment event `X`" must be backed by `name: X`, or logs check cannot match
    the app's records to the event (they were counted as undocumented)."""
    import re
    checked = 0
    for entry in catalog.events:
        for impl in entry.event.implementations:
            said = re.match(r"Segment event `([^`]+)`", impl.notes or "")
            if impl.api == "Analytics.track" and said:
                checked += 1
                assert impl.name == said.group(1), entry.name
    assert checked >= 8
