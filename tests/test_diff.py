"""The catalog diff, without git: catalogs built from folders, compared field by field."""

import json

from conftest import MINI, write
from history_repo import STOPPED, edit

from eventcat.diff import CatalogDiff, diff, snapshot, to_markdown
from eventcat.pipeline import build_catalog


def changes_of(result, name):
    [entry] = [e for e in result.events if e.name == name]
    return [(c.what, c.field, c.old, c.new, c.breaking) for c in entry.changes]


def test_the_same_catalog_has_no_changes():
    catalog = build_catalog(MINI)[0]
    result = diff(snapshot(catalog), snapshot(catalog))
    assert result.events == () and not result.breaking
    assert result.counts() == {"added": 0, "removed": 0, "renamed": 0, "changed": 0, "breaking": 0}


def test_each_kind_of_event_change_between_two_folders(mini):
    old = build_catalog(MINI)[0]
    write(mini / "events" / "edx.video.stopped.yaml", STOPPED)
    edit(mini / "events" / "edx.video.paused.yaml", "name: edx.video.paused", "name: edx.video.pause_toggled")
    edit(mini / "events" / "edx.video.paused.yaml", "aliases: [pause_video]", "aliases: [pause_video, edx.video.paused]")
    (mini / "events" / "edx.bi.email.sent.yaml").unlink()
    edit(mini / "events" / "seq_goto.yaml", "owner: learner", "owner: mercury")
    result = diff(snapshot(old), snapshot(build_catalog(mini)[0]))
    assert [(e.name, e.change, e.old_name, e.breaking) for e in result.events] == [
        ("edx.bi.email.sent", "removed", "", True),
        ("edx.video.pause_toggled", "renamed", "edx.video.paused", False),
        ("edx.video.stopped", "added", "", False),
        ("seq_goto", "changed", "", False),
    ]
    assert changes_of(result, "seq_goto") == [("owner-changed", "", "learner", "mercury", False)]
    assert result.old_count == 6 and result.new_count == 6


def test_field_changes_follow_resolved_fields(mini):
    """A change to a field group, or to an event other events take fields from, shows on every
    event that carries the field."""
    old = build_catalog(MINI)[0]
    edit(mini / "fields" / "envelope.yaml", "    type: string\n    required: true",
         "    type: object\n    required: true")
    edit(mini / "fields" / "envelope.yaml", "example: learner1", "example: {name: learner1}")
    edit(mini / "events" / "edx.video.played.yaml", "  - name: currentTime\n    type: number\n",
         "  - name: currentTime\n    type: number\n    required: true\n")
    result = diff(snapshot(old), snapshot(build_catalog(mini)[0]))
    assert changes_of(result, "edx.video.played") == [  # by field name
        ("made-required", "currentTime", None, None, True),
        ("type-changed", "username", "string", "object", True)]
    # paused takes played's fields but overrides currentTime (already required): only the group
    assert changes_of(result, "edx.video.paused") == [("type-changed", "username", "string", "object", True)]
    assert {e.name for e in result.events} == {"edx.video.played", "edx.video.paused"}


def fields(**facts):
    base = {"aliases": [], "kind": "research", "status": "active", "replaced_by": None,
            "owner": "t", "summary": "s", "sides": ["server"], "destinations": []}
    return {"e": {**base, "fields": facts}}


def field(type="string", required=False, pii="none", allowed=()):
    return {"type": type, "required": required, "pii": pii, "allowed": list(allowed)}


def test_allowed_values_narrowed_is_breaking_widened_is_not():
    cases = {
        ((), ("a", "b")): ("allowed-narrowed", True),  # a list put on a free field
        (("a", "b"), ("a",)): ("allowed-narrowed", True),
        (("a",), ("a", "b")): ("allowed-widened", False),
        (("a", "b"), ()): ("allowed-widened", False),  # no list: anything goes
        (("a", "b"), ("a", "c")): ("allowed-changed", True),  # b gone
    }
    for (before, after), (what, breaking) in cases.items():
        result = diff(fields(x=field(allowed=before)), fields(x=field(allowed=after)))
        assert changes_of(result, "e") == [(what, "x", list(before), list(after), breaking)], (before, after)


def test_required_optional_pii_added_removed():
    old = fields(a=field(required=True), b=field(), c=field(pii=None), d=field())
    new = fields(a=field(), b=field(required=True), c=field(pii="contact"), e=field(required=True))
    assert changes_of(diff(old, new), "e") == [
        ("made-optional", "a", None, None, False),
        ("made-required", "b", None, None, True),
        ("pii-changed", "c", None, "contact", False),
        ("field-removed", "d", "string", None, True),
        ("field-added", "e", None, True, False),
    ]


def test_event_level_changes():
    old = fields()
    new = {"e": {**old["e"], "status": "deprecated", "replaced_by": "f", "sides": ["browser", "server"],
                 "destinations": ["ga"], "kind": "internal", "summary": "t"}}
    result = diff(old, new)
    assert [c[0] for c in changes_of(result, "e")] == [
        "kind-changed", "status-changed", "replaced_by-changed", "summary-changed", "sides-changed",
        "destinations-changed"]
    assert not result.breaking
    details = [c.detail for c in result.events[0].changes]
    assert "status changed from active to deprecated" in details
    assert "destinations added: ga" in details


def test_json_round_trips_and_has_stable_keys(mini):
    old = build_catalog(MINI)[0]
    (mini / "events" / "edx.bi.email.sent.yaml").unlink()
    result = diff(snapshot(old), snapshot(build_catalog(mini)[0]))
    data = json.loads(json.dumps(result.to_json()))
    assert set(data) == {"counts", "old_events", "new_events", "events"}
    assert data["events"] == [{"name": "edx.bi.email.sent", "change": "removed", "old_name": None,
                               "breaking": True, "changes": []}]
    assert CatalogDiff.from_json(data) == result


def test_identical_changes_are_grouped_and_breaking_comes_first():
    old = {n: fields(x=field())["e"] for n in ("a", "b", "c")}
    new = {"a": fields(x=field(type="integer"))["e"], "b": fields(x=field(type="integer"))["e"],
           "c": fields(x=field(), y=field())["e"]}
    groups = diff(old, new).grouped()
    assert [(g.names, g.breaking) for g in groups] == [(("a", "b"), True), (("c",), False)]


def test_markdown_is_readable_and_user_text_inert():
    old = fields(x=field())
    new = fields(x=field(allowed=["<b>bold</b>", "*star*", "`tick`"]))
    text = to_markdown(diff(old, new), "old", "new")
    assert text.splitlines()[:3] == ["# Catalog changes: old → new", "",
                                     "1 events → 1 events: 1 changed; **1 with breaking changes**."]
    assert "## Breaking changes" in text and "## Other changes" not in text
    assert r"- `x`: now limited to \<b\>bold\</b\>, \*star\*, \`tick\` **(breaking)**" in text
    assert "<b>" not in text


def test_only_breaking_keeps_breaking_changes():
    result = diff(fields(a=field(), b=field()), fields(a=field(type="integer"), b=field(pii="contact")))
    assert [c.what for c in result.only_breaking().events[0].changes] == ["type-changed"]
    assert diff(fields(b=field()), fields(b=field(pii="contact"))).only_breaking().events == ()


def test_snapshot_holds_resolved_fields():
    catalog = build_catalog(MINI)[0]
    facts = snapshot(catalog)
    assert facts["edx.video.played"]["fields"]["code"] == {"type": "string", "required": True,
                                                          "pii": "none", "allowed": [], "group": ""}
    assert facts["edx.video.played"]["fields"]["context.course_id"]["group"] == "envelope"
    assert facts["edx.video.paused"]["aliases"] == ["pause_video"]
    assert set(facts["edx.video.paused"]["fields"]) == {"username", "context.course_id", "code",
                                                        "currentTime"}  # group + fields_from + own
