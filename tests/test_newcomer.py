"""Mistakes a newcomer makes on day one: commands run outside any project must say what to do
and write nothing; a diff must never quietly compare a catalog with itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINI

INIT_HINT = "give --catalog DIR, set `catalog` in eventcat.toml, or start a project with `eventcat init`"


def eventcat(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_schema_outside_any_project_writes_nothing_and_says_how_to_start(tmp_path: Path) -> None:
    result = eventcat("schema", cwd=tmp_path)
    assert result.returncode == 1
    assert "error no-catalog" in result.stderr and INIT_HINT in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_schema_with_out_works_anywhere(tmp_path: Path) -> None:
    result = eventcat("schema", "--out", tmp_path / "editor", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "editor" / "event.schema.json").is_file()


@pytest.mark.parametrize("command", [("check",), ("new", "team", "growth"), ("export", "json"),
                                     ("build",), ("logs", "check", "x.log")])
def test_every_command_outside_a_project_gives_the_same_way_out(tmp_path: Path,
                                                                command: tuple[str, ...]) -> None:
    (tmp_path / "x.log").write_text("{}\n", encoding="utf-8")
    result = eventcat(*command, cwd=tmp_path)
    assert result.returncode != 0
    assert f"catalog: error no-catalog: catalog folder not found ({INIT_HINT})" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.log"]


def test_diff_with_one_folder_outside_a_project_refuses_to_compare_it_with_itself(
        tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "old")
    here = tmp_path / "elsewhere"
    here.mkdir()
    result = eventcat("diff", tmp_path / "old", "--fail-on-breaking", cwd=here)
    assert result.returncode == 2
    assert "no NEW to compare" in result.stderr and result.stdout == ""
    # with NEW given, the same folder still diffs
    both = eventcat("diff", tmp_path / "old", tmp_path / "old", cwd=here)
    assert both.returncode == 0 and "no event changed" in both.stdout


def test_diff_with_a_mistyped_folder_outside_git_names_the_folder(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "catalog")
    result = eventcat("diff", "catalog-old", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("eventcat diff: catalog-old: not a catalog folder, nor a revision: "
                             "catalog is not inside a git repository\n"), result.stderr


def test_readme_table_rows_are_closed_so_no_prose_lands_in_a_cell() -> None:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    rows = [line for line in readme.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert rows and [row for row in rows if not row.rstrip().endswith("|")] == []


def test_init_example_without_title_gives_the_home_page_the_examples_title(tmp_path: Path) -> None:
    result = eventcat("init", "--example", "edx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    heading = (tmp_path / "docs" / "index.md").read_text(encoding="utf-8").splitlines()[0]
    shipped = (tmp_path / "catalog" / "catalog.yaml").read_text(encoding="utf-8")
    title = heading.removeprefix("# ")
    assert heading.startswith("# ") and title.strip()
    assert f"title: {title}" in shipped


@pytest.mark.parametrize("port", ["99999", "0", "eight"])
def test_serve_with_an_impossible_port_is_a_usage_error(tmp_path: Path, port: str) -> None:
    assert eventcat("init", cwd=tmp_path).returncode == 0
    result = eventcat("serve", "--port", port, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"argument --port: '{port}' is not a port (a number from 1 to 65535)" in result.stderr
    assert not (tmp_path / "_build").exists()


def test_busy_port_hint_names_the_table_of_the_settings_file_in_use(tmp_path: Path) -> None:
    import socket
    assert eventcat("init", cwd=tmp_path).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = eventcat("serve", "--port", port, cwd=tmp_path)
    assert result.returncode == 1
    assert "set `port` under [serve] in eventcat.toml)" in result.stderr


def test_a_new_team_in_an_init_project_names_no_open_edx_team(tmp_path: Path) -> None:
    assert eventcat("init", cwd=tmp_path).returncode == 0
    assert eventcat("new", "team", "growth", cwd=tmp_path).returncode == 0
    text = (tmp_path / "catalog" / "teams" / "growth.yaml").read_text(encoding="utf-8")
    assert "learner" not in text and "edx" not in text.lower()
