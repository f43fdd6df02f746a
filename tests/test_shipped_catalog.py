"""The catalog we ship is the README's default: it must stay valid and cover what the guide
promises (every tool the seed names, the seed's teams, events of every side and kind)."""

import pytest

from conftest import ROOT

from eventcat.pipeline import build_catalog


@pytest.fixture(scope="module")
def catalog():
    catalog, _warnings = build_catalog(ROOT / "catalog", strict=True)
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


# --- the Open edX tracking-log reference (issue 16) ------------------------------------------------

# The sections of the guide ("Events in the Tracking Logs"), as the catalog's domains, and names that
# stand for each: a section that loses all of them has been dropped by mistake.
GUIDE_SECTIONS = {
    "enrollment": "edx.course.enrollment.activated", "video": "edx.video.played",
    "video-pre-roll": "edx.video.bumper.played", "problem": "problem_check", "forum": "edx.forum.thread.created",
    "certificate": "edx.certificate.created", "cohort": "edx.cohort.user_added",
    "course-resources": "edx.bookmark.added", "notes": "edx.course.student_notes.added",
    "navigation": "edx.ui.lms.sequence.next_selected", "ora": "openassessmentblock.create_submission",
    "teams": "edx.team.created", "textbook": "textbook.pdf.page.navigated",
    "third-party": "edx.googlecomponent.document.displayed", "exam": "edx.special_exam.timed.attempt.started",
    "drag-and-drop": "edx.drag_and_drop_v2.item.dropped", "completion": "edx.done.toggled",
    "content-library": "edx.librarycontentblock.content.assigned",
    "experiment": "xblock.split_test.child_render", "reporting": "edx.instructor.report.requested",
    "grades": "edx.grades.subsection.grade_calculated", "cohort-admin": "edx.cohort.creation_requested",
    "exam-admin": "edx.special_exam.proctored.allowance.created", "forum-roles": "list-forum-mods",
}


def test_every_section_of_the_guide_has_its_events(catalog):
    by_domain: dict[str, set[str]] = {}
    for entry in catalog.events:
        by_domain.setdefault(entry.domain, set()).add(entry.name)
    for domain, name in GUIDE_SECTIONS.items():
        assert name in by_domain.get(domain, set()), (domain, name)
    # a section is more than its one example: every guide section holds at least one event and the
    # big ones hold many
    assert sum(len(by_domain[d]) for d in GUIDE_SECTIONS) >= 200


def test_files_sit_in_the_folder_of_their_section(catalog):
    """Contributors find an event by section: a domain's events share one folder (course-team
    sections under course-team/, retired names under legacy/)."""
    folders: dict[str, set[str]] = {}
    for entry in catalog.events:
        if not entry.source.startswith("events/legacy/"):
            folders.setdefault(entry.domain, set()).add(entry.source.rsplit("/", 1)[0])
    for domain in GUIDE_SECTIONS:
        assert len(folders[domain]) == 1, (domain, folders[domain])


def test_legacy_and_new_names_resolve_to_one_event(catalog):
    for entry in catalog.events:
        for alias in entry.event.aliases:
            assert catalog.event(alias) is entry, alias
    pairs = {"play_video": "edx.video.played", "pause_video": "edx.video.paused",
             "seek_video": "edx.video.position.changed", "load_video": "edx.video.loaded",
             "video_show_cc_menu": "edx.video.language_menu.shown", "seq_next": "edx.ui.lms.sequence.next_selected"}
    for old, new in pairs.items():
        assert catalog.event(old).name == new


def test_retired_names_are_deprecated_and_say_what_replaced_them_or_why_not(catalog):
    retired = [e for e in catalog.events if e.source.startswith("events/legacy/")]
    families = {e.source.split("/")[2] for e in retired}
    assert {"ora1", "poll-survey", "peer-instruction", "oppia", "office-mix", "instructor-dashboard",
            "textbook"} <= families
    for entry in retired:
        event = entry.event
        assert event.status == "deprecated", entry.name
        assert event.replaced_by or "deprecated-replacement" in event.suppress, entry.name
    # a historical wire name with a '/' is accepted, and its page name is still a plain file name
    slashed = [e for e in retired if "/" in e.name]
    assert slashed and all("/" not in e.slug for e in slashed)


def test_every_event_says_where_its_facts_come_from(catalog):
    for entry in catalog.events:
        event = entry.event
        assert event.sources or all(i.where for i in event.implementations), entry.name
    from_guide = [e for e in catalog.events if any("tracking-log guide" in s.title for s in e.event.sources)]
    assert len(from_guide) >= 150


def test_xblock_and_mobile_events_carry_their_context_members(catalog):
    for entry in catalog.events:
        groups = set(entry.event.field_groups)
        if any(i.side == "mobile" and i.api == "Analytics.track" for i in entry.event.implementations) \
                and "tracking-log-envelope" in groups:
            assert "mobile-context" in groups, entry.name
    problem_server = [e for e in catalog.events if e.domain == "problem" and "server" in e.sides]
    assert problem_server and all("xblock-context" in e.event.field_groups for e in problem_server)


def test_dated_data_quality_notes_are_kept(catalog):
    noted = [e for e in catalog.events if e.event.known_issues]
    assert catalog.event("video_hide_cc_menu").event.known_issues
    assert len(noted) >= 3
