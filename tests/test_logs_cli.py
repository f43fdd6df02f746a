"""`eventcat logs check` and `eventcat logs infer` as a user runs them: output formats, exit codes,
thresholds, saved reports, clear messages for bad usage, the progress bar only on a terminal."""

import gzip
import json
import os
import subprocess
import sys

from conftest import FIXTURES, ROOT

LOGS = FIXTURES / "logs"
CATALOG = LOGS / "catalog"


def eventcat(*args, cwd=LOGS, **kwargs):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)


def test_text_summary_names_each_problem_with_its_place():
    result = eventcat("logs", "check", "--catalog", "catalog", "problems.jsonl", "names.jsonl")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "eventcat logs check: 2 files, 17 records, 0 malformed lines, 1 without an event name" in out
    assert ("problems.jsonl:2: type-mismatch edx.course.enrollment.activated: field 'user_id' "
            "(payload): expected integer, got string (1 record)") in out
    assert "names.jsonl:1: edx.bookmark.added (3 records, server" in out
    assert "/courses/{id}/courseware/… (2 records)" in out
    assert "jane.doe" not in out


def test_json_output_is_the_report():
    result = eventcat("logs", "check", "--catalog", "catalog", "--format", "json", "problems.jsonl")
    data = json.loads(result.stdout)
    assert data["format"] == "eventcat-log-report" and data["counts"]["side"] == 2
    assert data["coverage"] == 50.0


def test_fail_on_gates_ci():
    passing = eventcat("logs", "check", "--catalog", "catalog", "good.jsonl",
                       "--fail-on", "undocumented=0", "--fail-on", "type-mismatch=0")
    assert passing.returncode == 0, passing.stderr
    failing = eventcat("logs", "check", "--catalog", "catalog", "names.jsonl", "malformed.jsonl",
                       "--fail-on", "undocumented=3", "--fail-on", "malformed=0",
                       "--fail-on", "coverage<80%", "--fail-on", "pii=0")
    assert failing.returncode == 1
    assert failing.stderr.splitlines() == [
        "eventcat logs check: failed: undocumented: 4 found, more than 3 allowed",
        "eventcat logs check: failed: malformed: 5 found, more than 0 allowed",
        "eventcat logs check: failed: coverage 40.0% is below 80%",  # names.jsonl holds a Segment message
    ]


def test_bad_usage_exits_2_without_a_traceback(tmp_path):
    missing = eventcat("logs", "check", "--catalog", "catalog", "good.jsonl", "nope.log")
    assert missing.returncode == 2
    assert missing.stderr == "eventcat logs check: nope.log: no such file\n"
    folder = eventcat("logs", "check", "--catalog", "catalog", "catalog")
    assert folder.returncode == 2 and "catalog: not a file" in folder.stderr
    gate = eventcat("logs", "check", "--catalog", "catalog", "good.jsonl", "--fail-on", "pii")
    assert gate.returncode == 2 and "'pii': write KIND=N, like undocumented=0" in gate.stderr
    no_catalog = eventcat("logs", "check", "--catalog", tmp_path / "none", "good.jsonl")
    assert no_catalog.returncode == 2 and "catalog folder not found" in no_catalog.stderr
    for result in (missing, folder, gate, no_catalog):
        assert "Traceback" not in result.stderr


def test_save_report_writes_the_whole_report(tmp_path):
    target = tmp_path / "reports" / "coverage.json"
    result = eventcat("logs", "check", "--catalog", "catalog", "problems.jsonl", "--save-report", target)
    assert result.returncode == 0 and f"report saved to {target}" in result.stdout
    data = json.loads(target.read_text())
    assert data["format"] == "eventcat-log-report" and data["made"].endswith("+00:00")
    assert [p.name for p in target.parent.iterdir()] == ["coverage.json"]  # no temporary left


def test_a_report_that_cannot_be_saved_is_one_line_and_exit_2(tmp_path):
    """logs check and code scan end the same way (cli/common.finish_report): a report path under a
    file is said in one line, nothing is printed as if the check had passed."""
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("x")
    result = eventcat("logs", "check", "--catalog", "catalog", "problems.jsonl",
                      "--save-report", in_the_way / "coverage.json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"eventcat logs check: {in_the_way / 'coverage.json'}: cannot write the report")
    assert result.stdout == ""


def test_gzip_through_the_cli(tmp_path):
    packed = tmp_path / "tracking.log.1"
    packed.write_bytes(gzip.compress((LOGS / "good.jsonl").read_bytes()))
    result = eventcat("logs", "check", "--catalog", CATALOG, packed, "--format", "json")
    data = json.loads(result.stdout)
    assert data["files"][0]["gzip"] is True and data["records"] == 4


def test_progress_bar_only_on_a_terminal(tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text((LOGS / "good.jsonl").read_text() * 5000)
    quiet = eventcat("logs", "check", "--catalog", CATALOG, big)
    assert "\r" not in quiet.stderr
    primary, secondary = os.openpty()
    try:
        on_tty = subprocess.run([sys.executable, "-m", "eventcat", "logs", "check", "--catalog",
                                 str(CATALOG), str(big)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=secondary, timeout=120)
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(primary)
    assert on_tty.returncode == 0
    assert b"\r[" in shown and b"100.0%" in shown
    off = subprocess.run([sys.executable, "-m", "eventcat", "logs", "check", "--no-progress",
                          "--catalog", str(CATALOG), str(big)], cwd=ROOT, capture_output=True)
    assert b"\r" not in off.stderr


def test_infer_writes_drafts_and_says_what_to_do(tmp_path):
    result = eventcat("logs", "infer", "--catalog", "catalog", "names.jsonl", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / 'events' / 'bookmark' / 'edx.bookmark.added.yaml'}" in result.stdout
    assert "2 drafts written. Fill in every TODO" in result.stdout
    again = eventcat("logs", "infer", "--catalog", "catalog", "names.jsonl", "--out", tmp_path)
    assert "skipped edx.bookmark.added" in again.stderr and "0 drafts written" in again.stdout


def test_drafts_left_in_the_catalog_do_not_stop_the_next_check(tmp_path):
    """`logs infer --out catalog` leaves files with TODOs; the logs commands still run, leave the
    broken files out and say so, and a second infer skips the drafts that are there."""
    import shutil
    shutil.copytree(LOGS / "catalog", tmp_path / "catalog")
    log = LOGS / "names.jsonl"
    first = eventcat("logs", "infer", log, "--catalog", tmp_path / "catalog", "--out", tmp_path / "catalog")
    assert first.returncode == 0, first.stderr
    drafts = sorted((tmp_path / "catalog" / "events").rglob("*.yaml"))
    written = first.stdout.count("eventcat logs infer: wrote ")
    assert written == 2
    check = eventcat("logs", "check", log, "--catalog", tmp_path / "catalog")
    assert check.returncode == 0, check.stderr
    # a draft's owner is a TODO, so it cannot join the catalog yet: its event stays undocumented
    assert (f"{written} files of {tmp_path / 'catalog'} have errors and are left out (see "
            "eventcat check); the events in them count as undocumented") in check.stderr
    again = eventcat("logs", "infer", log, "--catalog", tmp_path / "catalog", "--out", tmp_path / "catalog")
    assert again.returncode == 0 and "exists already; left as it is" in again.stderr
    assert sorted((tmp_path / "catalog" / "events").rglob("*.yaml")) == drafts


def test_a_report_path_that_cannot_be_a_file_is_refused_before_the_logs_are_read(tmp_path, monkeypatch, capsys):
    """A folder at --save-report's path (or a file where a folder of it should be) was found only
    after the check: months of logs read, then exit 2. As a foreign file is, it is refused first."""
    import eventcat.logs.parallel
    from eventcat.cli import main

    def never(*args, **kwargs):
        raise AssertionError("the logs were read")
    monkeypatch.setattr(eventcat.logs.parallel, "check_files", never)
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("x")
    for target in (tmp_path, in_the_way / "coverage.json"):
        status = main(["logs", "check", "--catalog", str(CATALOG), str(LOGS / "good.jsonl"), "--save-report", str(target)])
        captured = capsys.readouterr()
        assert (status, captured.out) == (2, "")
        assert captured.err.startswith(f"eventcat logs check: {target}: cannot write the report: ")
        assert captured.err.count("\n") == 1
    assert in_the_way.read_text() == "x"


def test_control_characters_in_arguments_are_not_sent_to_the_terminal(capsys, tmp_path):
    """A missing log named with an escape sequence, and a --fail-on or --jobs value holding one,
    were echoed raw in the error line: the terminal ran them (here, resetting it)."""
    import pytest

    from eventcat.cli import main
    evil = "\x1bc\x1b]0;title\x07"  # reset the terminal, set its title
    assert main(["logs", "check", "--catalog", str(CATALOG), str(tmp_path / f"day{evil}.log")]) == 2
    err = capsys.readouterr().err
    assert err == f"eventcat logs check: {tmp_path}/day\\x1bc\\x1b]0;title\\x07.log: no such file\n"
    for args in (["--fail-on", f"x{evil}=1"], ["--jobs", evil], ["--max-line-bytes", evil], [f"--x{evil}"]):
        with pytest.raises(SystemExit) as exit:
            main(["logs", "check", "--catalog", str(CATALOG), str(LOGS / "good.jsonl"), *args])
        err = capsys.readouterr().err
        assert exit.value.code == 2 and "\\x1bc" in err, args
        assert not any(c in err for c in "\x1b\x07"), args


def test_one_draft_is_one_draft(tmp_path):
    """'eventcat logs infer: 1 drafts written.'"""
    log = tmp_path / "one.jsonl"
    log.write_text('{"event_type": "edx.new.thing", "event_source": "server", "event": {"n": 1}}\n')
    result = eventcat("logs", "infer", "--catalog", CATALOG, log, "--out", tmp_path / "drafts")
    assert result.returncode == 0, result.stderr
    assert "eventcat logs infer: 1 draft written. Fill in every TODO" in result.stdout
