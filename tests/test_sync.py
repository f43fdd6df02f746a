"""Stage 5: write only what changed, delete only what we made, never half-write."""

import os

import pytest

from generator.diagnostics import CatalogError
from generator.pipeline import generate
from generator.sync import MANIFEST, sync


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def test_generate_again_with_nothing_changed_writes_no_file(mini, tmp_path):
    out = tmp_path / "out"
    _, first, _ = generate(mini, out)
    assert len(first.written) == 19 and first.unchanged == 0
    before = snapshot(out)
    _, second, _ = generate(mini, out)
    assert second.written == [] and second.deleted == [] and second.unchanged == 19
    assert snapshot(out) == before  # not even the manifest was touched


def test_changing_one_event_rewrites_only_its_page_and_the_listings_that_show_it(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    path = mini / "events" / "promotion-viewed.yaml"
    path.write_text(path.read_text().replace("A learner saw an upgrade promotion.",
                                             "A learner saw a promotion."))
    _, report, _ = generate(mini, out)
    # the event page, the index, the pages of the tools it reaches and of its owning team
    assert sorted(report.written) == [
        "events/index.md", "events/promotion-viewed.md", "teams/mercury.md",
        "tools/google-analytics.md", "tools/segment.md"]


def test_removed_event_page_is_deleted_but_hand_written_files_stay(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    mine = out / "events" / "notes.md"
    mine.write_text("my own notes")
    (mini / "events" / "seq_goto.yaml").unlink()
    _, report, _ = generate(mini, out)
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
