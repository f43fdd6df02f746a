"""`eventcat code scan` as a user runs it: output formats, exit codes, gates, saved reports, link
templates, and clear messages for bad usage."""

import json
import os
import re
import subprocess
import sys

from conftest import FIXTURES, ROOT

CODE = FIXTURES / "code"


def eventcat(*args, cwd=CODE / "platform"):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_text_summary_lists_calls_and_findings_with_places():
    result = eventcat("code", "scan", ".", "--catalog", "../catalog")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("eventcat code scan: 9 files (2 javascript files, 7 python files), ")
    assert ("  lms/certificates/views.py:18: tracker.emit edx.certificate.shared (wrapper via "
            "send_tracker_event → publish_event) [certificate_id]") in out
    assert "  xmodule/capa_block.py:8: undocumented problem_graded: runtime.publish: not in the catalog" in out
    assert "  lms/broken.py:1: syntax-error: invalid syntax" in out
    assert "Traceback" not in result.stderr


def test_json_report_and_saved_report(tmp_path):
    target = tmp_path / "reports" / "code.json"
    result = eventcat("code", "scan", ".", "--catalog", "../catalog", "--format", "json",
                      "--repo-url", "https://github.com/openedx/platform/blob/main/{path}#L{line}",
                      "--save-report", target)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "eventcat-code-report"
    assert data["repo_url"] == "https://github.com/openedx/platform/blob/main/{path}#L{line}"
    saved = json.loads(target.read_text())
    assert saved["calls"] == data["calls"] and [p.name for p in target.parent.iterdir()] == ["code.json"]
    [call] = [c for c in data["calls"] if c["line"] == 17 and c["file"] == "lms/enrollment.py"]
    assert call == {"file": "lms/enrollment.py", "line": 17, "column": 9, "api": "tracker.emit",
                    "side": "server", "resolved": "constant", "name": "edx.course.enrollment.activated",
                    "payload_keys": ["course_id", "mode", "user_id"], "payload_complete": True}


def test_fail_on_gates_ci():
    passing = eventcat("code", "scan", ".", "--catalog", "../catalog", "--fail-on", "api=0",
                       "--fail-on", "undocumented=5")
    assert passing.returncode == 0, passing.stderr
    failing = eventcat("code", "scan", ".", "--catalog", "../catalog", "--fail-on", "undocumented=0",
                       "--fail-on", "syntax-error=0", "--fail-on", "coverage<95%")
    assert failing.returncode == 1
    assert failing.stderr.splitlines() == [
        "eventcat code scan: failed: undocumented: 5 found, more than 0 allowed",
        "eventcat code scan: failed: syntax-error: 1 found, more than 0 allowed",
        "eventcat code scan: failed: coverage 88.9% is below 95%",
    ]


def test_bad_usage_exits_2_without_a_traceback(tmp_path):
    missing = eventcat("code", "scan", "nope", "--catalog", "../catalog")
    assert missing.returncode == 2 and missing.stderr == "eventcat code scan: nope: no such file or folder\n"
    gate = eventcat("code", "scan", ".", "--catalog", "../catalog", "--fail-on", "nope=1")
    assert gate.returncode == 2 and "unknown kind 'nope'" in gate.stderr
    for template in ("javascript:alert(1)//{path}", "https://example.org/{path}\"onmouseover=x",
                     "https://example.org/blob/main/"):
        bad = eventcat("code", "scan", ".", "--catalog", "../catalog", "--repo-url", template)
        assert bad.returncode == 2 and "link template" in bad.stderr
    no_catalog = eventcat("code", "scan", ".", "--catalog", tmp_path / "none")
    assert no_catalog.returncode == 2 and "catalog folder not found" in no_catalog.stderr
    for result in (missing, gate, no_catalog):
        assert "Traceback" not in result.stderr


def test_paths_are_relative_to_the_base(tmp_path):
    result = eventcat("code", "scan", "platform/xmodule", "--base", "platform", "--catalog", "catalog",
                      "--format", "json", cwd=CODE)
    data = json.loads(result.stdout)
    assert {c["file"] for c in data["calls"]} == {"xmodule/capa_block.py", "xmodule/js/video.js"}
    assert data["roots"] == ["xmodule"]
    # only the events whose `where:` lies under xmodule/ are expected
    assert data["expected"] == ["edx.video.played", "problem_check"]


def test_a_project_scan_leaves_out_its_build_and_generated_folders(tmp_path):
    """`eventcat code scan .` at a project's root read the built site's bundled JavaScript
    (_build/html/_static) as the project's code; the build and generated folders are not."""
    import shutil
    shutil.copytree(CODE / "catalog", tmp_path / "catalog")
    (tmp_path / "eventcat.toml").write_text("")
    for folder in ("src", "_build/html/_static", "docs/catalog"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "app.js").write_text("analytics.track('edx.bundled.event');\n")
    result = eventcat("code", "scan", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == 1
    assert {call["file"] for call in data["calls"]} == {"src/app.js"}


def test_save_report_never_replaces_a_hand_written_file(tmp_path):
    mine = tmp_path / "notes.json"
    mine.write_text('{"my": "notes"}\n')
    result = eventcat("code", "scan", ".", "--catalog", "../catalog", "--save-report", mine)
    assert result.returncode == 2
    assert "refusing to replace a file eventcat did not write" in result.stderr
    assert "--force" in result.stderr and "Traceback" not in result.stderr
    assert mine.read_text() == '{"my": "notes"}\n'
    ours = tmp_path / "code.json"
    for _ in range(2):  # its own report is replaced without --force
        assert eventcat("code", "scan", ".", "--catalog", "../catalog", "--save-report", ours).returncode == 0
    assert json.loads(ours.read_text())["format"] == "eventcat-code-report"
    forced = eventcat("code", "scan", ".", "--catalog", "../catalog", "--save-report", mine, "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(mine.read_text())["format"] == "eventcat-code-report"


def test_code_where_no_event_is_expected_says_so_instead_of_0_of_0(tmp_path):
    # the shipped catalog's Python events all have a `where:` in edx-platform under other
    # paths; scanning one folder of the repository leaves every one of them out of scope
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "views.py").write_text('from eventtracking import tracker\ntracker.emit("a.b.c", {})\n'
                                                 'def f(kind):\n    tracker.emit(f"edx.video.{kind}", {})\n')
    result = eventcat("code", "scan", "tools", "--catalog", ROOT / "catalog", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = result.stdout.splitlines()[2]
    assert line.startswith("catalog: no catalog event is implemented, in these languages, under the scanned paths")
    assert "0 of 0" not in result.stdout and "100.0%" not in result.stdout
    # the events a computed name may be are counted apart, not as if they were expected
    assert re.search(r"so none was expected; [1-9]\d* catalog events match a computed name \(a pattern\) found$",
                     line), line
