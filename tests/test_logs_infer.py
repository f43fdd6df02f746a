"""Drafting definitions from logs: inferred types and required flags, masked examples, the side,
never overwriting; and a draft whose TODOs are filled in passes `eventcat check`."""

import shutil

import yaml

from conftest import FIXTURES

from eventcat.load import is_placeholder
from eventcat.logs.infer import collect, field_type, write_drafts
from eventcat.pipeline import build_catalog, check

LOGS = FIXTURES / "logs"


def _draft(tmp_path):
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(LOGS / "catalog", catalog_dir)
    catalog = build_catalog(catalog_dir)[0]
    samples = collect(catalog, [LOGS / "names.jsonl", LOGS / "good.jsonl"])
    return catalog_dir, catalog, samples


def test_only_undocumented_named_events_are_drafted(tmp_path):
    _, _, samples = _draft(tmp_path)
    assert set(samples) == {"edx.bookmark.added", "edx.ui.lms.sequence.next_selected"}


def test_fields_types_required_and_masked_examples(tmp_path):
    catalog_dir, catalog, samples = _draft(tmp_path)
    result = write_drafts(catalog, samples, catalog_dir)
    path = catalog_dir / "events" / "bookmark" / "edx.bookmark.added.yaml"
    assert path in result.written
    text = path.read_text()
    data = yaml.safe_load(text)
    fields = {f["name"]: f for f in data["fields"]}
    assert fields["bookmark_id"]["required"] is True and fields["bookmark_id"]["type"] == "string"
    assert fields["position"] == {**fields["position"], "type": "number", "required": False}  # 3 and 4.5
    assert fields["owner_email"]["example"] == "<email>"
    assert "someone@example.org" not in text
    assert "values looked like email" in fields["owner_email"]["pii"]
    assert data["implementations"] == [{"side": "server", "api": "tracker.emit",
                                        "where": "TODO: repository and path of the emitting code"}]
    assert data["field_groups"] == ["tracking-log-envelope"] and data["kind"] == "research"
    assert "from 3 record(s) between 2025-01-15T10:00:00+00:00 and 2025-03-01T10:00:00+00:00" in text
    assert "in 2 of 3 record(s); values seen: integer, number" in text


def test_types_inferred_from_what_was_seen():
    from collections import Counter
    assert field_type(Counter({"integer": 3})) == "integer"
    assert field_type(Counter({"integer": 1, "number": 1})) == "number"
    assert field_type(Counter({"datetime": 2})) == "datetime"
    assert field_type(Counter({"datetime": 2, "string": 1})) == "string"
    assert field_type(Counter()) == "string"


def _fill(value, key):
    """What an author would write in place of each TODO."""
    return {"owner": "learner", "pii": "none", "summary": "Something happened.",
            "reviewed_by": "Docs team"}.get(key, "Written by the author.")


def _filled(node, key=None):
    if isinstance(node, dict):
        return {k: _filled(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_filled(v, key) for v in node]
    return _fill(node, key) if is_placeholder(node) else node


def test_a_filled_in_draft_passes_check(tmp_path):
    catalog_dir, catalog, samples = _draft(tmp_path)
    written = write_drafts(catalog, samples, catalog_dir).written
    assert len(written) == 2
    before = check(catalog_dir)
    assert {p.rule for p in before.problems} == {"todo-placeholder"} and before.failed()
    for path in written:
        path.write_text(yaml.safe_dump(_filled(yaml.safe_load(path.read_text())), sort_keys=False))
    after = check(catalog_dir)
    assert not after.failed(strict=True), [str(p) for p in after.problems]
    assert {"edx.bookmark.added", "edx.ui.lms.sequence.next_selected"} <= set(after.catalog.lookup)


def test_an_existing_file_is_never_replaced(tmp_path):
    catalog_dir, catalog, samples = _draft(tmp_path)
    target = catalog_dir / "events" / "bookmark" / "edx.bookmark.added.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("# mine\n")
    result = write_drafts(catalog, samples, catalog_dir)
    assert target.read_text() == "# mine\n"
    assert result.skipped == [("edx.bookmark.added", f"{target} exists already; left as it is")]
    assert not list(target.parent.glob(".draft-*"))  # no temporary file left behind


def test_a_segment_track_message_is_drafted_with_a_track_api(tmp_path):
    """A Segment `track` message of an undocumented event was drafted with `api: segment.identify`
    (the first Segment API of the side, by file name), a call that carries no event name."""
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(LOGS / "catalog", catalog_dir)
    catalog = build_catalog(catalog_dir)[0]
    log = tmp_path / "segment.jsonl"
    log.write_text('{"type": "track", "event": "edx.new.thing", "messageId": "m1", "userId": "4", '
                   '"properties": {"n": 1}, "timestamp": "2025-03-01T00:00:00Z"}\n')
    write_drafts(catalog, collect(catalog, [log]), catalog_dir)
    data = yaml.safe_load((catalog_dir / "events" / "new" / "edx.new.thing.yaml").read_text())
    assert [(i["side"], i["api"]) for i in data["implementations"]] == [("server", "segment.track")]


def test_the_draft_takes_the_envelope_the_catalogs_events_use(tmp_path):
    """With two envelope groups around `event`, a server record was drafted with the first by
    file name (the edX example: 'mobile-context' for a server record), so the filled-in draft
    expected a mobile app's context; the group the catalog's events of that side use is taken."""
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(LOGS / "catalog", catalog_dir)
    (catalog_dir / "fields" / "a-mobile-context.yaml").write_text(
        "id: a-mobile-context\nname: Mobile context\nenvelope: true\npayload_key: event\nfields:\n"
        "  - {name: context.application.name, type: string, pii: none, description: App.}\n")
    catalog = build_catalog(catalog_dir)[0]
    assert next(g.id for g in catalog.groups.values() if g.envelope and g.payload_key == "event") == "a-mobile-context"
    log = tmp_path / "day.log"
    log.write_text('{"event_type": "edx.new.thing", "event_source": "server", "time": "2025-03-01T00:00:00Z", '
                   '"event": {"n": 1}}\n')
    write_drafts(catalog, collect(catalog, [log]), catalog_dir)
    data = yaml.safe_load((catalog_dir / "events" / "new" / "edx.new.thing.yaml").read_text())
    assert data["field_groups"] == ["tracking-log-envelope"]
