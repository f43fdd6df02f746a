"""The command line as a person uses it: messages, exit codes, nothing written on failure."""

import subprocess
import sys

from conftest import ROOT


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_generate_reports_what_it_wrote(mini, tmp_path):
    first = run("generate", "--catalog", mini, "--docs", tmp_path / "docs", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "6 events, 4 tools, 2 teams" in first.stdout and "33 pages written, 0 unchanged" in first.stdout
    again = run("generate", "--catalog", mini, "--docs", tmp_path / "docs", cwd=tmp_path)
    assert "0 pages written, 33 unchanged, 0 removed" in again.stdout


def test_generate_counts_one_of_a_kind_in_the_singular(tmp_path):
    # the project `eventcat init` makes has one event, one tool and one team
    assert run("init", "p", cwd=tmp_path).returncode == 0
    made = run("generate", cwd=tmp_path / "p")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("eventcat: 1 event, 1 tool, 1 team → "), made.stdout


def test_generate_lists_every_problem_with_its_position_and_writes_nothing(mini, tmp_path):
    (mini / "events" / "bad.yaml").write_text("name: x\nname: y\n")
    path = mini / "teams" / "mercury.yaml"
    path.write_text(path.read_text().replace("tools: [google-analytics]", "tools: [google-analytic]"))
    result = run("generate", "--catalog", "catalog", "--docs", "docs", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "catalog/events/bad.yaml:2:1: error duplicate-key: duplicate key 'name' (first given at line 1; YAML would keep only the last)",
        "catalog/teams/mercury.yaml:5:9: error unknown-reference: unknown tool 'google-analytic' (did you mean 'google-analytics'?)",
        "eventcat: 2 errors, 0 warnings in catalog; nothing was written",
    ]
    assert not (tmp_path / "docs").exists()


def test_missing_catalog_is_a_clear_error(tmp_path):
    result = run("generate", "--catalog", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("nowhere: error no-catalog: catalog folder not found")
    assert "Traceback" not in result.stderr


def test_help_lists_the_commands(tmp_path):
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "generate" in result.stdout and "build" in result.stdout


def test_console_script_is_installed():
    import shutil
    script = shutil.which("eventcat", path=str(ROOT / ".venv" / "bin")) or shutil.which("eventcat")
    if script is None:
        import pytest
        pytest.skip("eventcat is not installed (run the README's set-up)")
    result = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert result.stdout.startswith("eventcat ")


def test_a_reader_that_stops_early_gets_no_traceback():
    """`eventcat check | head -c1`: the command ends quietly, as Unix tools do. The pipe's read end
    is closed before the command starts, so its first write fails every time."""
    import os
    import subprocess
    import sys

    from conftest import MINI
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([sys.executable, "-m", "eventcat", "check", "--catalog", str(MINI)],
                                stdout=write_end, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(write_end)
    assert b"Traceback" not in result.stderr and b"BrokenPipe" not in result.stderr
