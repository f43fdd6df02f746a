"""Logs never crash the checker, `logs infer` or the coverage page, whatever their bytes: every
attack input is made here, in the test, and each must come out as a counted malformed line (or a
clean message), never a traceback, with memory bounded and the output one line per entry."""

import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

from eventcat.diagnostics import CatalogError
from eventcat.logs.check import check_logs
from eventcat.logs.coverage import load_report
from eventcat.logs.infer import collect
from eventcat.logs.read import TOO_LONG, read_lines
from eventcat.logs.text import to_text
from eventcat.pipeline import build_catalog

LOGS = FIXTURES / "logs"
GOOD = b'{"event_type": "edx.course.enrollment.activated", "event_source": "server", "event": {}}'


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(LOGS / "catalog")[0]


def eventcat(*args, cwd=LOGS):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def deep(depth: int, open_: bytes = b'{"a":', close: bytes = b"}") -> bytes:
    return open_ * depth + b"1" + close * depth


HOSTILE_LINES = {
    "deep object": deep(100_000),
    "deep array": deep(100_000, b"[", b"]"),
    "deep payload in a record": b'{"event_type": "x.y", "event": ' + deep(5_000) + b"}",
    "deep JSON text in a browser payload": b'{"event_type": "x.y", "event_source": "browser", '
                                            b'"event": "' + b"[" * 50_000 + b'"}',
    "deep just past orjson's limit": deep(1_100),
    "invalid UTF-8": b'{"event_type": "x.\xff\xfe"}',
    "lone surrogate": b'{"event_type": "x.\\ud800y", "event_source": "\\udfff"}',
    "NaN": b'{"event_type": "x.y", "event": {"n": NaN}}',
    "Infinity": b'{"event_type": "x.y", "event": {"n": -Infinity}}',
    "a float past a double": b'{"event_type": "x.y", "event": {"n": 1e999}}',
    "a huge integer": b'{"event_type": "x.y", "event": {"n": ' + b"9" * 5_000 + b"}}",
    "a 64-bit-plus integer": b'{"event_type": "x.y", "event": {"n": 123456789012345678901234567890}}',
    "NUL and ESC in a name": b'{"event_type": "x.\\u0000\\u001b[2Jy"}',
    "CRLF": GOOD + b"\r",
    "only a bracket": b"[",
    "a log line with a broken object": b"2025-01-01 INFO x - {",
}


@pytest.mark.parametrize("name", list(HOSTILE_LINES))
def test_every_hostile_line_is_counted_not_raised(tmp_path, catalog, name):
    log = tmp_path / "hostile.jsonl"
    log.write_bytes(GOOD + b"\n" + HOSTILE_LINES[name] + b"\n" + GOOD + b"\n")
    report = check_logs(catalog, [log])
    # both good records around the hostile one are read: the hostile line ends nothing
    assert report.events["edx.course.enrollment.activated"].count == (3 if name == "CRLF" else 2)
    assert report.records + report.malformed == 3
    text = to_text(report)
    json.loads(report.to_json())  # the saved report is valid JSON ...
    report.to_json().encode("utf-8")  # ... and valid UTF-8
    text.encode("utf-8")
    assert all(ch >= " " for line in text.splitlines() for ch in line), "a control character"
    assert collect(catalog, [log]) is not None  # logs infer reads it too


def test_what_cannot_be_a_record_is_malformed_with_its_reason(tmp_path, catalog):
    cases = {"deep object": "nested too deep", "invalid UTF-8": "not UTF-8 text",
             "NaN": "NaN is not a JSON number", "Infinity": "-Infinity is not a JSON number",
             "a float past a double": "a number too large for a double",
             "a huge integer": "not valid JSON"}
    log = tmp_path / "bad.jsonl"
    log.write_bytes(b"\n".join(HOSTILE_LINES[name] for name in cases) + b"\n")
    report = check_logs(catalog, [log])
    reasons = [m["reason"] for m in report.malformed_examples]
    assert report.malformed == len(cases) and report.records == 0
    for reason, expected in zip(reasons, cases.values(), strict=True):
        assert reason.startswith(expected), reasons


def test_control_characters_and_surrogates_from_logs_are_escaped_in_text_and_json(tmp_path, catalog):
    log = tmp_path / "esc.jsonl"
    log.write_bytes(HOSTILE_LINES["NUL and ESC in a name"] + b"\n" + HOSTILE_LINES["lone surrogate"]
                    + b"\n" + b'{"event_type": "x.a\\nnames.jsonl:1: forged\\u2028line"}\n')
    report = check_logs(catalog, [log])
    text = to_text(report)
    assert "\x1b" not in text and "\x00" not in text and "\u2028" not in text
    assert "x.\\x00\\x1b[2Jy" in text and "x.\\ud800y" in text
    assert not any(line.startswith("names.jsonl:1") for line in text.splitlines())
    assert "x.a\\nnames.jsonl:1: forged\\u2028line" in text
    saved = json.loads(report.to_json())
    assert "x.\\ud800y" in saved["undocumented"]


def test_a_file_name_cannot_forge_a_diagnostic_line(tmp_path, catalog):
    name = "a.jsonl\nproblems.jsonl:1: error forged: \x1b[31mred"
    log = tmp_path / name
    log.write_bytes(b"{bad\n")
    report = check_logs(catalog, [log])
    text = to_text(report)
    assert "\x1b" not in text
    assert all(not line.startswith("problems.jsonl:1") for line in text.splitlines())
    assert "a.jsonl\\nproblems.jsonl:1" in text


def test_a_file_name_that_is_not_utf8_is_printed_and_saved(tmp_path):
    log = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.jsonl"))
    log.write_bytes(GOOD + b"\n")
    saved = tmp_path / "report.json"
    result = eventcat("logs", "check", "--catalog", "catalog", log, "--save-report", saved)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    data = json.loads(saved.read_bytes().decode("utf-8"))
    assert data["files"][0]["path"].endswith("caf\\udce9.jsonl")
    assert b"caf\\udce9.jsonl" in result.stdout


def test_a_line_past_the_maximum_is_malformed_and_never_held(tmp_path, catalog):
    log = tmp_path / "long.jsonl"
    log.write_bytes(GOOD + b"\n" + b'{"a": "' + b"x" * 5000 + b'"}\n' + GOOD)  # no final newline
    lines = list(read_lines([log], [], max_line_bytes=1000))
    assert [number for _, number, _ in lines] == [1, 2, 3]
    assert lines[1][2] is TOO_LONG and lines[2][2] == GOOD
    report = check_logs(catalog, [log], max_line_bytes=1000)
    assert report.malformed == 1 and report.records == 2
    assert report.malformed_examples[0]["reason"] == "line longer than 1,000 bytes (--max-line-bytes)"
    # the boundary: a line of exactly the maximum is read
    exact = tmp_path / "exact.jsonl"
    exact.write_bytes(GOOD + b"\n")
    assert check_logs(catalog, [exact], max_line_bytes=len(GOOD)).records == 1
    assert check_logs(catalog, [exact], max_line_bytes=len(GOOD) - 1).malformed == 1
    cli = eventcat("logs", "check", "--catalog", "catalog", "--max-line-bytes", "1000", log)
    assert cli.returncode == 0 and b"1 malformed line" in cli.stdout


def _bomb(path: Path, size: int, newline_every: int = 0) -> None:
    """A gzip file expanding to `size` bytes of 'a' (no newline unless asked), made in pieces."""
    piece = b"a" * (1 << 20)
    if newline_every:
        piece = (b"a" * (newline_every - 1) + b"\n") * ((1 << 20) // newline_every)
    with gzip.open(path, "wb", compresslevel=9) as out:
        for _ in range(size // len(piece)):
            out.write(piece)


def test_a_gzip_bomb_of_one_endless_line_keeps_memory_bounded(tmp_path):
    bomb = tmp_path / "bomb.log.gz"
    _bomb(bomb, 1 << 30)  # 1 GiB of one line, about 1 MB on disk
    assert bomb.stat().st_size < 2_000_000
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the peak from /proc (Linux)")
    # VmHWM, this process's own peak: ru_maxrss survives exec, so after subprocess's vfork it
    # would report the test session's own size (measured: 204 MB for a 53 MB run)
    probe = ("import sys\n"
             "from eventcat.cli import main\n"
             "code = main(sys.argv[1:])\n"
             "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
             "print('peak-kb', hwm.split()[1], file=sys.stderr)\n"
             "sys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", probe, "logs", "check", "--catalog", "catalog",
                             "--no-progress", str(bomb)], cwd=LOGS, capture_output=True, text=True,
                            timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert "1 malformed line" in result.stdout and "line longer than" in result.stdout
    peak_mb = int(result.stderr.split("peak-kb")[1].split()[0]) / 1024
    print(f"peak RSS of logs check on a 1 GiB one-line gzip bomb: {peak_mb:.0f} MB")
    assert peak_mb < 200


def test_truncated_and_corrupt_gzip_and_empty_files(tmp_path, catalog):
    whole = gzip.compress(GOOD + b"\n" * 2 + GOOD * 0 + (GOOD + b"\n") * 2000)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(whole[:20] + bytes(64) + whole[84:])
    header_only = tmp_path / "header.gz"
    header_only.write_bytes(b"\x1f\x8b")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    report = check_logs(catalog, [cut, corrupt, header_only, empty])
    assert [bool(f.truncated) for f in report.files] == [True, True, True, False]
    assert report.files[3].lines == 0
    to_text(report).encode("utf-8")
    cli = eventcat("logs", "check", "--catalog", "catalog", cut, corrupt, header_only, empty)
    assert cli.returncode == 0 and b"Traceback" not in cli.stderr


def test_a_directory_or_a_missing_file_as_file_is_a_message(tmp_path):
    for target in (tmp_path, tmp_path / "missing.jsonl"):
        for action in (("check",), ("infer", "--out", tmp_path / "out")):
            result = eventcat("logs", *action, "--catalog", "catalog", target)
            assert result.returncode == 2 and b"Traceback" not in result.stderr
            assert result.stderr.count(b"\n") == 1, result.stderr


def _saved(catalog, tmp_path) -> dict:
    log = tmp_path / "ok.jsonl"
    log.write_bytes(GOOD + b"\n")
    return json.loads(check_logs(catalog, [log]).to_json())


def _corruptions(good: dict) -> dict:
    def edit(change):
        data = json.loads(json.dumps(good))
        change(data)
        return json.dumps(data).encode()
    return {
        "deep": b'{"format": "eventcat-log-report", "version": 1, "files": ' + deep(100_000, b"[", b"]") + b"}",
        "not UTF-8": json.dumps(good).encode()[:-1] + b', "x": "\xff"}',
        "NaN count": edit(lambda d: d.update(records=float("nan"))).replace(b"NaN", b"NaN"),
        "negative count": edit(lambda d: d.update(malformed=-1)),
        "string count": edit(lambda d: d.update(records="12")),
        "unknown finding kind": edit(lambda d: d.update(findings=[{
            "kind": "rm -rf", "event": "e", "field": "f", "part": "payload", "detail": "",
            "count": 1, "where": []}])),
        "finding with extra keys": edit(lambda d: d.update(findings=[{"kind": "pii", "x": 1}])),
        "files is an object": edit(lambda d: d.update(files={"a": 1})),
        "events is a list": edit(lambda d: d.update(events=[1, 2])),
        "seen is a string": edit(lambda d: d.update(events={"e": "x"})),
        "missing key": edit(lambda d: d.pop("expected")),
        "truncated": json.dumps(good).encode()[:200],
        "version 2": edit(lambda d: d.update(version=2)),
    }


def test_a_corrupt_or_hand_crafted_saved_report_is_refused_with_a_message(tmp_path, catalog):
    good = _saved(catalog, tmp_path)
    for name, data in _corruptions(good).items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(data)
        with pytest.raises(CatalogError) as caught:
            load_report(catalog, [path])
            pytest.fail(f"{name}: read as a report")
        message = str(caught.value)
        assert message.count("\n") == 0 and "bad-coverage" in message, (name, message)


def test_a_hand_crafted_report_cannot_carry_control_characters_to_a_page(tmp_path, catalog):
    good = _saved(catalog, tmp_path)
    good["undocumented"] = {"x.\x1b[2J\u2028<script>": {"count": 1, "first": "\x00", "last": "",
                                                         "sides": {"\r": 1}, "where": ["\n"]}}
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(good), encoding="utf-8")
    report = load_report(catalog, [path])
    seen_texts = [*report.undocumented, *(s.first for s in report.undocumented.values()),
                  *(k for s in report.undocumented.values() for k in s.sides)]
    assert all(ch >= " " and ch not in "\u2028\x7f" for text in seen_texts for ch in text)


def test_a_huge_file_given_as_a_report_is_not_read_into_memory(tmp_path, catalog, monkeypatch):
    from eventcat.logs import coverage
    monkeypatch.setattr(coverage, "MAX_REPORT_BYTES", 1000)
    good = _saved(catalog, tmp_path)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(good, indent=2) + " " * 2000, encoding="utf-8")
    with pytest.raises(CatalogError, match="larger than a saved report can be"):
        load_report(catalog, [path])


def test_zlib_error_mid_stream_is_a_truncation_not_a_crash(tmp_path, catalog):
    raw = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = raw.compress((GOOD + b"\n") * 10_000) + raw.flush()
    broken = bytearray(data)
    for at in range(200, len(broken), 97):
        broken[at] ^= 0xFF
    path = tmp_path / "flipped.gz"
    path.write_bytes(bytes(broken))
    report = check_logs(catalog, [path])
    assert report.files[0].truncated
