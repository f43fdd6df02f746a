"""Operating-system errors are messages: a read-only or full output folder, a folder where a file
is expected, a symbolic link out of the output folder. One line naming the path and what to do,
a non-zero exit, no traceback, no Sphinx crash report, no temporary file left behind."""

import errno
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import FIXTURES, MINI, ROOT, home_docs

from eventcat.cli import main
from eventcat.sync import TEMP_PREFIX, TEMP_SUFFIX


def eventcat(*args, cwd):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def temporary_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX) and p.name.endswith(TEMP_SUFFIX)]


def assert_one_line(result, *expected: str) -> None:
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr and "Exception occurred" not in result.stderr
    assert "full traceback has been saved" not in result.stderr
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in errors[0], errors[0]


@contextmanager
def mounted(folder: Path, options: str):
    """A tmpfs at `folder` (root only); skips the test where mounting is not possible."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(tmp_path):
    docs = tmp_path / "docs"
    with mounted(docs, "size=48k"):
        result = eventcat("generate", "--catalog", MINI, "--docs", docs, "--history", "0", cwd=tmp_path)
        assert_one_line(result, "the disk is full", str(docs / "catalog"))
        assert temporary_files(docs) == []


def test_a_read_only_output_folder_is_one_line(tmp_path):
    docs = tmp_path / "docs"
    with mounted(docs, "size=8m"):
        subprocess.run(["mount", "-o", "remount,ro", str(docs)], check=True)
        result = eventcat("generate", "--catalog", MINI, "--docs", docs, "--history", "0", cwd=tmp_path)
        assert_one_line(result, str(docs / "catalog"), "read-only")


def test_a_read_only_build_folder_is_one_line_not_a_sphinx_crash_report(tmp_path):
    docs = home_docs(tmp_path / "docs")
    out = tmp_path / "_build"
    with mounted(out, "size=8m"):
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        result = eventcat("build", "--catalog", MINI, "--docs", docs, "--conf", ROOT, "--out", out,
                          "--history", "0", cwd=tmp_path)
        assert_one_line(result, "eventcat build: ", str(out), "read-only")


def test_no_permission_is_one_line_in_process(tmp_path, monkeypatch, capsys):
    """The same without root: every temporary file eventcat makes is refused."""
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", kwargs.get("dir"))
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    docs = tmp_path / "docs"
    code = main(["generate", "--catalog", str(MINI), "--docs", str(docs), "--history", "0"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert "permission denied (choose a folder you can write to" in err and str(docs / "catalog") in err


def test_a_folder_where_a_file_is_expected(tmp_path):
    log = FIXTURES / "logs"
    report = tmp_path / "report.json"
    report.mkdir()
    result = eventcat("logs", "check", "--catalog", "catalog", "good.jsonl", "--save-report", report,
                      "--force", cwd=log)
    assert_one_line(result, str(report), "a folder is where a file is expected")
    assert temporary_files(tmp_path) == []
    exported = tmp_path / "whitelist.yaml"
    exported.mkdir()
    result = eventcat("export", "segment-whitelist", "--catalog", MINI, "--out", exported, cwd=tmp_path)
    assert_one_line(result, str(exported))


def test_a_file_where_the_output_folder_should_be(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "catalog").write_text("a file, not a folder")
    result = eventcat("generate", "--catalog", MINI, "--docs", docs, "--history", "0", cwd=tmp_path)
    assert_one_line(result, str(docs / "catalog"))
    assert (docs / "catalog").read_text() == "a file, not a folder"


def test_a_symlinked_output_sub_folder_is_refused_and_nothing_is_written_through_it(tmp_path):
    docs = tmp_path / "docs"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert eventcat("generate", "--catalog", MINI, "--docs", docs, "--history", "0",
                    cwd=tmp_path).returncode == 0
    events = docs / "catalog" / "events"
    for page in events.iterdir():
        page.unlink()
    events.rmdir()
    events.symlink_to(elsewhere, target_is_directory=True)
    result = eventcat("generate", "--catalog", MINI, "--docs", docs, "--history", "0", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "unsafe-output" in result.stderr and "remove the link" in result.stderr
    assert list(elsewhere.iterdir()) == []
