"""Stage 5: write only what changed, delete only what we made, never half-write."""

import os

import pytest

from eventcat.diagnostics import CatalogError
from eventcat.pipeline import generate
from eventcat.sync import MANIFEST, read_manifest_data, sync


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def test_generate_again_with_nothing_changed_writes_no_file(mini, tmp_path):
    out = tmp_path / "out"
    first = generate(mini, out).report
    assert len(first.written) == 33 and first.unchanged == 0
    before = snapshot(out)
    second = generate(mini, out).report
    assert second.written == [] and second.deleted == [] and second.unchanged == 33
    assert snapshot(out) == before  # not even the manifest was touched


def test_changing_one_event_rewrites_only_its_page_and_the_listings_that_show_it(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    path = mini / "events" / "promotion-viewed.yaml"
    path.write_text(path.read_text().replace("A learner saw an upgrade promotion.",
                                             "A learner saw a promotion."))
    report = generate(mini, out).report
    # the event page, the index, the pages of the tools it reaches and of its owning team, and
    # the downloads that hold summaries (the whitelist does not list this event)
    assert sorted(report.written) == [
        "downloads/catalog.json", "downloads/event-schemas.zip", "downloads/events.csv",
        "events/index.md", "events/promotion-viewed.md", "teams/mercury.md",
        "tools/google-analytics.md", "tools/segment.md"]


def test_removed_event_page_is_deleted_but_hand_written_files_stay(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    mine = out / "events" / "notes.md"
    mine.write_text("my own notes")
    (mini / "events" / "seq_goto.yaml").unlink()
    report = generate(mini, out).report
    assert report.deleted == ["events/seq_goto.md"]
    assert not (out / "events" / "seq_goto.md").exists()
    assert mine.read_text() == "my own notes"


def test_a_file_we_did_not_make_is_never_overwritten(mini, tmp_path):
    out = tmp_path / "out"
    (out / "events").mkdir(parents=True)
    theirs = out / "events" / "seq_goto.md"
    theirs.write_text("hand-written")
    with pytest.raises(CatalogError) as caught:
        generate(mini, out)
    assert "refusing to overwrite a file eventcat did not make" in str(caught.value)
    assert theirs.read_text() == "hand-written"
    assert sorted(p.name for p in out.rglob("*")) == ["events", "seq_goto.md"]  # nothing else written


def test_invalid_catalog_writes_nothing(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (mini / "events" / "seq_goto.yaml").write_text("name: [broken\n")
    path = mini / "events" / "promotion-viewed.yaml"
    path.write_text(path.read_text().replace("saw an upgrade", "saw a"))
    with pytest.raises(CatalogError):
        generate(mini, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_manifest_cannot_make_us_delete_outside_the_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / MANIFEST).write_text('{"files": ["../victim.txt", "a.md"]}')
    sync({"a.md": "x"}, out)
    assert victim.read_text() == "keep me"


def test_no_temporary_files_are_left_behind(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    assert os.listdir(out)  # and something was written


def test_unchanged_inputs_skip_the_whole_pipeline_but_not_a_missing_page(mini, tmp_path):
    out = tmp_path / "out"
    first = generate(mini, out)
    assert first.catalog is not None
    again = generate(mini, out)
    assert again.catalog is None  # nothing parsed or rendered
    assert (again.events, again.tools, again.teams) == (6, 4, 2)
    (out / "events" / "seq_goto.md").unlink()  # somebody removed a generated page
    repaired = generate(mini, out)
    assert repaired.catalog is not None and repaired.report.written == ["events/seq_goto.md"]


def test_a_change_of_content_is_seen_even_with_the_same_size(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    path = mini / "events" / "seq_goto.yaml"
    path.write_text(path.read_text().replace("jumped", "leaped"))  # same length
    report = generate(mini, out).report
    assert "events/seq_goto.md" in report.written


def test_warnings_are_reported_again_when_nothing_changed(mini, tmp_path):
    out = tmp_path / "out"
    path = mini / "events" / "seq_goto.yaml"
    path.write_text(path.read_text().replace("replaced_by: edx.video.played\n", ""))
    assert [w.rule for w in generate(mini, out).warnings] == ["deprecated-replacement"]
    again = generate(mini, out)
    assert again.catalog is None and [w.rule for w in again.warnings] == ["deprecated-replacement"]
    with pytest.raises(CatalogError):
        generate(mini, out, strict=True)


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.md")}


@pytest.mark.parametrize("path, old, new", [
    ("tools/google-analytics.yaml", "14 months (vendor default).", "26 months."),  # a destination
    ("tools/tracking-log.yaml", "Data engineers.", "Data engineers and analysts."),  # a hub
    ("teams/learner.yaml", "name: Learner", "name: Learners"),  # the owner's parent team
    ("fields/envelope.yaml", "name: Tracking-log envelope", "name: Envelope"),  # a field group
    ("events/edx.video.paused.yaml", "A learner paused a video.", "Paused."),  # named as related
    ("events/edx.video.played.yaml", "The video's id.", "The id."),  # inherited by fields_from
    ("catalog.yaml", "name_prefix: edx.", "name_prefix: edx.video."),  # settings: the domains
])
def test_pages_reused_after_a_change_match_a_fresh_generation(mini, tmp_path, path, old, new):
    """Event pages whose inputs did not change are not rendered again: whatever changed, the
    result must be exactly what generating from scratch gives."""
    incremental = tmp_path / "incremental"
    generate(mini, incremental)
    target = mini / path
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new))
    result = generate(mini, incremental)
    fresh = tmp_path / "fresh"
    generate(mini, fresh)
    assert _files(incremental) == _files(fresh)
    assert result.report.unchanged > 0 or path == "catalog.yaml"


def test_an_unrelated_change_renders_no_other_event_page(mini, tmp_path, monkeypatch):
    from eventcat import render as render_module
    out = tmp_path / "out"
    generate(mini, out)
    rendered = []
    original = render_module._render_events
    monkeypatch.setattr(render_module, "_render_events",
                        lambda catalog, templates, todo, *rest: rendered.extend(e.name for e in todo)
                        or original(catalog, templates, todo, *rest))
    path = mini / "events" / "edx.bi.email.sent.yaml"
    path.write_text(path.read_text().replace("The platform sent", "The LMS sent"))
    generate(mini, out)
    assert rendered == ["edx.bi.email.sent"]


def test_written_files_get_the_mode_open_would_give(mini, tmp_path):
    """mkstemp makes private files (0600); a web server or CI step must be able to read pages."""
    import os

    from eventcat.sync import write_file
    old = os.umask(0o022)
    try:
        write_file(tmp_path / "a.txt", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~old


def test_a_new_log_report_rerenders_no_event_page(mini, tmp_path):
    """The coverage report and the downloads setting only concern the lists: changing them must
    not make every event page render again (it did, costing seconds at 5,000 events)."""
    log = tmp_path / "x.jsonl"
    log.write_text('{"event_type": "edx.video.played", "event_source": "browser", "event": {}}\n')
    out = tmp_path / "out"
    generate(mini, out)
    again = generate(mini, out, coverage=[log])
    assert again.report.written == ["coverage.md"]
    keys = read_manifest_data(out)["keys"]
    generate(mini, out, coverage=[log], downloads=False)
    assert read_manifest_data(out)["keys"] == keys


def test_downloads_made_in_another_process_are_the_same(monkeypatch):
    from conftest import MINI

    from eventcat import render as render_module
    from eventcat.pipeline import build_catalog
    catalog = build_catalog(MINI)[0]
    serial = render_module.render(catalog)
    monkeypatch.setattr(render_module, "PARALLEL_FROM", 1)
    parallel = render_module.render(catalog)
    assert {k: v for k, v in parallel.items() if k.startswith("downloads")} == \
        {k: v for k, v in serial.items() if k.startswith("downloads")}
    assert parallel == serial
