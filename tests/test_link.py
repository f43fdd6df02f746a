"""Stage 3: references, inheritance and routes."""

import pytest

from conftest import write

from eventcat.diagnostics import CatalogError
from eventcat.link import page_slug, page_slugs
from eventcat.pipeline import build_catalog


def errors(catalog_dir):
    with pytest.raises(CatalogError) as caught:
        build_catalog(catalog_dir)
    return [f"{d.path.rsplit('/', 2)[-2]}/{d.path.rsplit('/', 1)[-1]}:{d.line}:{d.column}: {d.message}"
            + (f" ({d.hint})" if d.hint else "") for d in caught.value.diagnostics
            if d.severity == "error"]


def test_mini_catalog_links(mini):
    catalog, _ = build_catalog(mini)
    assert [e.name for e in catalog.events] == [
        "add-forum-community-TA", "edx.bi.email.sent", "edx.video.paused", "edx.video.played",
        "Promotion Viewed", "seq_goto"]
    assert catalog.event("play_video").name == "edx.video.played"  # aliases resolve


def test_unknown_tool_and_team_suggest_the_closest(mini):
    path = mini / "events" / "edx.video.played.yaml"
    path.write_text(path.read_text().replace("destinations: [google-analytics]",
                                             "destinations: [googel-analytics]")
                    .replace("owner: learner", "owner: lerner"))
    assert errors(mini) == [
        "events/edx.video.played.yaml:10:8: unknown team 'lerner' (did you mean 'learner'?)",
        "events/edx.video.played.yaml:21:16: unknown tool 'googel-analytics' (did you mean 'google-analytics'?)",
    ]


def test_duplicate_event_name_and_alias(mini):
    write(mini / "events" / "copy.yaml", """
        name: edx.video.played
        summary: Again.
        kind: research
        owner: learner
        aliases: [pause_video]
        implementations: [{side: browser, api: Logger.log}]
        """)
    found = errors(mini)
    # every place that takes part is told, whichever file was read first
    assert [f.split(" (also used at ")[0] for f in found] == [
        "events/copy.yaml:1:7: duplicate event name 'edx.video.played'",
        "events/copy.yaml:5:11: duplicate alias 'pause_video'",
        "events/edx.video.paused.yaml:6:11: duplicate alias 'pause_video'",
        "events/edx.video.played.yaml:1:7: duplicate event name 'edx.video.played'",
    ]
    assert found[0].endswith("events/edx.video.played.yaml:1)")
    assert found[3].endswith("events/copy.yaml:1)")


def test_names_that_differ_only_in_case_get_distinct_pages(mini):
    # wire names cannot be renamed: the one that is not already its own page name gets a hash
    write(mini / "events" / "upper.yaml", """
        name: SEQ_GOTO
        summary: Shouting.
        kind: research
        owner: learner
        implementations: [{side: browser, api: Logger.log}]
        """)
    catalog, _ = build_catalog(mini)
    assert catalog.event("seq_goto").slug == "seq_goto"
    upper = catalog.event("SEQ_GOTO").slug
    assert upper.startswith("seq_goto-") and len(upper) == len("seq_goto-") + 8


def test_a_name_with_a_slash_is_accepted_and_its_page_name_is_safe(mini):
    for stem, name in (("slash", "get_students_features/csv"), ("dash", "get_students_features-csv"),
                       ("root", "/etc/passwd"), ("back", "a\\\\x")):
        write(mini / "events" / f"{stem}.yaml", f"""
            name: '{name}'
            summary: Old dashboard name.
            kind: research
            owner: learner
            legacy: true
            reviewed_by: docs team
            implementations: [{{side: server, api: tracker.emit}}]
            """)
    catalog, _ = build_catalog(mini)
    slugs = {e.name: e.slug for e in catalog.events}
    assert len(set(slugs.values())) == len(slugs)  # unique
    assert all("/" not in s and "\\" not in s and not s.startswith(".") for s in slugs.values())
    assert slugs["get_students_features-csv"] == "get_students_features-csv"  # safe already: kept
    assert slugs["get_students_features/csv"].startswith("get_students_features-csv-")


def test_page_slugs_do_not_depend_on_file_order():
    names = ["a/b", "a-b", "A-B", "a b"]
    assert page_slugs(names) == page_slugs(reversed(names))
    assert len(set(page_slugs(names).values())) == 4


def test_api_must_exist_and_run_on_its_side(mini):
    path = mini / "events" / "seq_goto.yaml"
    path.write_text(path.read_text().replace("api: Logger.log", "api: Logger.lgo")
                    .replace("side: browser", "side: server"))
    (found,) = errors(mini)
    assert found.endswith("unknown api 'Logger.lgo' (did you mean 'Logger.log'?)")
    path.write_text(path.read_text().replace("api: Logger.lgo", "api: Logger.log"))
    (found,) = errors(mini)
    assert found.endswith("Logger.log does not run on the server side (it runs on: browser)")


def test_fields_from_cycle_is_reported(mini):
    path = mini / "events" / "edx.video.played.yaml"
    path.write_text(path.read_text() + "fields_from: edx.video.paused\n")
    found = errors(mini)
    assert any("fields_from goes round in a circle" in f for f in found)


def test_inherited_fields_are_resolved_and_marked(mini):
    paused = build_catalog(mini)[0].event("edx.video.paused")
    origins = {f.field.name: (f.origin_kind, f.origin, f.envelope, f.overrides) for f in paused.fields}
    assert origins == {
        "username": ("group", "envelope", True, False),
        "context.course_id": ("group", "envelope", True, False),
        "code": ("event", "edx.video.played", False, False),
        "currentTime": ("", "", False, True),  # own field replaces the inherited one
    }


def test_routes(mini):
    catalog, _ = build_catalog(mini)
    played = catalog.event("edx.video.played")
    assert played.segment_via == "api"  # the mobile app sends to Segment directly
    paused = catalog.event("edx.video.paused")  # tracking log only, but whitelisted
    assert paused.segment_via == "whitelist"
    assert [(d.tool.id, d.via, d.reached) for d in paused.destinations] == [
        ("google-analytics", "segment", True)]
    ta = catalog.event("add-forum-community-TA")  # tracker.emit, not whitelisted
    assert ta.segment_via == "" and "segment" not in ta.channels
    assert [e.name for e in catalog.events_by_tool["segment"]] == [
        "edx.bi.email.sent", "edx.video.paused", "edx.video.played", "Promotion Viewed"]


@pytest.mark.parametrize("name, slug", [
    ("edx.course.enrollment.activated", "edx.course.enrollment.activated"),
    ("problem_check", "problem_check"),
    ("add-forum-community-TA", "add-forum-community-ta"),
    ("Promotion Viewed", "promotion-viewed"),
    ("..", "event"),
    ("a/../../b", "a-..-..-b"),
])
def test_page_slugs_are_safe(name, slug):
    assert page_slug(name) == slug
    assert "/" not in page_slug(name) and not page_slug(name).startswith(".")


def test_a_second_tool_or_api_of_the_same_name_is_reported_at_its_own_place(tmp_path):
    import shutil

    from conftest import MINI

    from eventcat.pipeline import check
    catalog = tmp_path / "catalog"
    shutil.copytree(MINI, catalog)
    shutil.copy(catalog / "tools/segment.yaml", catalog / "tools/segment2.yaml")
    shutil.copy(catalog / "apis/tracker.emit.yaml", catalog / "apis/tracker.emit2.yaml")
    messages = {(p.path.rsplit("/", 1)[-1], p.message, p.hint) for p in check(catalog).problems
                if p.rule == "duplicate-name"}
    assert messages == {
        ("segment2.yaml", "duplicate tool id 'segment'", f"also defined at {catalog}/tools/segment.yaml:1"),
        ("tracker.emit2.yaml", "duplicate api 'tracker.emit'",
         f"also defined at {catalog}/apis/tracker.emit.yaml:1"),
    }
