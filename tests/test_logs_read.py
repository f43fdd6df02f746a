"""Reading tracking logs: JSON Lines, the LMS log-line form, gzip by magic bytes, line numbers,
blank lines and files cut short; and telling the record shapes apart."""

import gzip
import itertools
import shutil

from conftest import FIXTURES

from eventcat.logs.read import FileStats, is_gzip, json_part, read_lines
from eventcat.logs.records import PROCESSED, SEGMENT, TRACKING, normalise

LOGS = FIXTURES / "logs"


def test_lines_keep_their_numbers_and_blank_lines_are_skipped(tmp_path):
    log = tmp_path / "t.jsonl"
    log.write_bytes(b'{"a": 1}\n\n   \n{"b": 2}\r\n')
    stats = []
    lines = list(read_lines([log], stats))
    assert lines == [(0, 1, b'{"a": 1}'), (0, 4, b'{"b": 2}')]
    assert (stats[0].lines, stats[0].blank, stats[0].gzip) == (4, 2, False)


def test_gzip_is_told_by_magic_bytes_not_by_suffix(tmp_path):
    plain = (LOGS / "good.jsonl").read_bytes()
    disguised = tmp_path / "tracking.log"  # gzip content, no .gz suffix
    disguised.write_bytes(gzip.compress(plain))
    named = tmp_path / "plain.gz"  # plain content with a .gz suffix
    named.write_bytes(plain)
    assert is_gzip(disguised) and not is_gzip(named)
    stats = []
    from_gzip = [line for _, _, line in read_lines([disguised, named], stats)]
    assert from_gzip[:4] == plain.splitlines() and from_gzip[4:] == plain.splitlines()
    assert [s.gzip for s in stats] == [True, False]


def test_a_gzip_file_cut_short_keeps_what_was_read_and_says_so(tmp_path):
    data = gzip.compress(b"".join(b'{"n": %d}\n' % i for i in range(5000)))
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(data[: len(data) // 2])
    after = tmp_path / "after.jsonl"
    shutil.copy(LOGS / "good.jsonl", after)
    stats: list[FileStats] = []
    lines = list(read_lines([cut, after], stats))
    assert stats[0].truncated.startswith("reading stopped after line")
    assert 0 < sum(1 for i, _, _ in lines if i == 0) < 5000
    assert sum(1 for i, _, _ in lines if i == 1) == 4  # the next file is read all the same


def test_progress_reports_bytes_up_to_the_total(tmp_path):
    log = tmp_path / "big.jsonl"
    log.write_bytes(b'{"n": 1}\n' * 40_000)
    calls = []
    list(read_lines([log], [], lambda done, total: calls.append((done, total))))
    assert calls[-1] == (log.stat().st_size, log.stat().st_size)
    assert len(calls) > 1 and all(a[0] <= b[0] for a, b in itertools.pairwise(calls))


def test_log_line_form_yields_the_json_after_the_dash():
    line = b'2025-01-02 10:00:00,001 INFO 42 [tracking] logger.py:41 - {"a": " - {x}"}'
    assert json_part(line) == b'{"a": " - {x}"}'
    assert json_part(b'{"a": 1}') == b'{"a": 1}'
    assert json_part(b"no record here") is None


def test_the_three_record_shapes():
    tracking = normalise({"event_type": "seq_next", "name": "edx.ui.lms.sequence.next_selected",
                          "event_source": "browser", "time": "t", "event": '{"a": 1}'})
    assert tracking.shape == TRACKING and tracking.names == ("edx.ui.lms.sequence.next_selected", "seq_next")
    assert tracking.payload == {"a": 1} and tracking.side == "browser" and not tracking.implicit
    old = normalise({"event_type": "play_video", "event_source": "browser", "event": ""})
    assert old.names == ("play_video",) and old.payload == {}
    implicit = normalise({"event_type": "/jsi18n/", "event_source": "server", "event": "{}"})
    assert implicit.implicit
    processed = normalise({"name": "x.y", "timestamp": "t", "context": {"event_source": "server"},
                           "data": {"k": 1}})
    assert (processed.shape, processed.names, processed.side, processed.payload) == (
        PROCESSED, ("x.y",), "server", {"k": 1})
    segment = normalise({"type": "track", "event": "Played Video", "messageId": "m",
                         "context": {"library": {"name": "analytics-ios"}}, "properties": {"c": 1}})
    assert (segment.shape, segment.names, segment.side, segment.payload) == (
        SEGMENT, ("Played Video",), "mobile", {"c": 1})
    stub = normalise({"username": "u", "time": "t"})
    assert stub.shape == TRACKING and stub.names == ()
    not_json = normalise({"event_type": "problem_check", "event": '"input_a=1"'})
    assert not_json.payload == '"input_a=1"'
