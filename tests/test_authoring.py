"""The author's path: eventcat new, eventcat check and its formats, and the editor schemas."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import MINI, ROOT, home_docs

from eventcat.load import load_file
from eventcat.schema import SECTION_SCHEMA, all_schemas
from eventcat.validate import validate

SCHEMA_DIR = ROOT / "schemas"  # the repository's own, for its editors


def eventcat(*args, cwd):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_newcomer_path_end_to_end(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    made = eventcat("new", "event", "edx.bi.example.clicked", "--owner", "mercury", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    path = tmp_path / "catalog" / "events" / "example" / "edx.bi.example.clicked.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    schema = (path.parent / text.split("$schema=")[1].split("\n")[0]).resolve()
    # inside the project (here the folder around the catalog), written by `new` as it was missing
    assert schema == (tmp_path / "schemas" / "event.schema.json").resolve()
    assert schema.read_text() == all_schemas()["event.schema.json"]

    checked = eventcat("check", cwd=tmp_path)
    assert checked.returncode == 1
    todo = [line for line in checked.stderr.splitlines() if "todo-placeholder" in line]
    assert [line.split(": error")[0].rsplit(":", 2)[1:] for line in todo] == [
        ["8", "10"], ["10", "14"], ["24", "12"], ["32", "11"], ["35", "18"], ["37", "14"]]
    assert len(checked.stderr.splitlines()) == len(todo) + 1  # nothing else, then the summary

    text = (text.replace('"TODO: one line saying what happened"', "A learner clicked the example.")
            .replace("TODO: when is it emitted, and what question does it answer?", "When clicked.")
            .replace('"TODO: repository and path of the emitting code"', "lms/example.py")
            .replace("TODO_field", "button").replace('"TODO: what the value means"', "Which one.")
            .replace('"TODO: a typical value"', "b1"))
    path.write_text(text)
    assert eventcat("check", cwd=tmp_path).returncode == 0
    home_docs(tmp_path / "docs")
    built = eventcat("build", "--strict", "--conf", ROOT, cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "_build/html/catalog/events/edx.bi.example.clicked.html").is_file()


@pytest.mark.parametrize("args, message", [
    (["edx.example.clicked", "--kind", "internal"], "internal event names start with 'edx.bi.' (try 'edx.bi.example.clicked', or another --kind)"),
    (["edx.bi.example.clicked", "--kind", "research"], "'edx.bi.' marks internal events, but --kind is research"),
    (["ExampleClicked"], "is not in the catalog's naming style (dotted)"),
    (["../../etc/passwd"], "'../../etc/passwd' is not a valid event name"),
    (["edx.video.played"], "an event with this name already exists"),
    (["play_video", "--legacy"], "an event with this name already exists"),
    (["edx.bi.example.clicked", "--owner", "mercuri"], "unknown team 'mercuri' (did you mean 'mercury'?)"),
])
def test_new_event_refuses_with_a_reason(tmp_path, args, message):
    shutil.copytree(MINI, tmp_path / "catalog")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = eventcat("new", "event", *args, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr and "nothing was written" in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_new_never_overwrites(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    assert eventcat("new", "tool", "sailthru", cwd=tmp_path).returncode == 1
    assert "a team with this id already exists (see catalog/teams/mercury.yaml)" in eventcat(
        "new", "team", "mercury", cwd=tmp_path).stderr
    assert (tmp_path / "catalog/teams/mercury.yaml").read_text() == (MINI / "teams/mercury.yaml").read_text()
    mine = tmp_path / "catalog/teams/growth.yaml"  # a file by that name, holding another team
    mine.write_text("id: growth-team\nname: Growth\n")
    assert "the file already exists" in eventcat("new", "team", "growth", cwd=tmp_path).stderr
    assert mine.read_text() == "id: growth-team\nname: Growth\n"


def test_new_tool_and_team_point_at_what_is_left(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    assert eventcat("new", "tool", "amplitude", cwd=tmp_path).returncode == 0
    assert eventcat("new", "team", "growth", cwd=tmp_path).returncode == 0
    result = eventcat("check", "--format", "json", cwd=tmp_path)
    problems = json.loads(result.stdout)["problems"]
    assert {p["rule"] for p in problems} == {"todo-placeholder"}
    assert {(Path(p["path"]).name, p["message"].split(" is still")[0]) for p in problems} == {
        ("amplitude.yaml", "name"), ("amplitude.yaml", "category"), ("amplitude.yaml", "receives.0"),
        ("amplitude.yaml", "storage.limits"), ("amplitude.yaml", "storage.access"),
        ("amplitude.yaml", "storage.retention"), ("amplitude.yaml", "storage.region"),
        ("growth.yaml", "name"), ("growth.yaml", "description")}


def test_check_formats(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    path = tmp_path / "catalog" / "events" / "seq_goto.yaml"
    path.write_text(path.read_text().replace("owner: learner", "owner: lerner"))
    text = eventcat("check", cwd=tmp_path)
    assert text.returncode == 1
    assert text.stderr.splitlines()[0] == (
        "catalog/events/seq_goto.yaml:8:8: error unknown-reference: unknown team 'lerner' "
        "(did you mean 'learner'?)")
    as_json = json.loads(eventcat("check", "--format", "json", cwd=tmp_path).stdout)
    assert as_json == {"ok": False, "problems": [{
        "path": "catalog/events/seq_goto.yaml", "line": 8, "column": 8, "severity": "error",
        "rule": "unknown-reference", "message": "unknown team 'lerner'",
        "hint": "did you mean 'learner'?"}]}
    github = eventcat("check", "--format", "github", cwd=tmp_path)
    assert github.stdout == ("::error file=catalog/events/seq_goto.yaml,line=8,col=8,"
                             "title=unknown-reference::unknown team 'lerner' (did you mean 'learner'?)\n")


def test_warnings_pass_unless_strict(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    path = tmp_path / "catalog" / "events" / "seq_goto.yaml"
    path.write_text(path.read_text().replace("replaced_by: edx.video.played\n", ""))
    assert eventcat("check", cwd=tmp_path).returncode == 0
    assert eventcat("check", "--strict", cwd=tmp_path).returncode == 1


def test_committed_schemas_are_up_to_date():
    for name, text in all_schemas().items():
        assert (SCHEMA_DIR / name).read_text() == text, f"run `eventcat schema` to update {name}"


def _schema_says_valid(document) -> bool:
    schema = json.loads((SCHEMA_DIR / f"{SECTION_SCHEMA[document.section]}.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema).is_valid(document.data)


def _fixture_files():
    files = [(p, p.parent.name if p.name != "catalog.yaml" else "config")
             for p in (ROOT / "tests").rglob("*.yaml") if "expected" not in p.parts]
    files += [(p, p.relative_to(ROOT / "catalog").parts[0] if p.name != "catalog.yaml" else "config")
              for p in (ROOT / "catalog").rglob("*.yaml")]
    return [(p, s) for p, s in files if s in SECTION_SCHEMA]


def test_schema_and_validator_agree_on_every_fixture():
    checked = 0
    for path, section in _fixture_files():
        try:
            document = load_file(path, section)
        except Exception:
            continue  # not YAML the loader accepts: neither schema nor model sees it
        valid, _, problems = validate([document])
        if [p.message.split(":")[0] for p in problems] == ["kind"]:
            continue  # the catalog's kinds live in catalog.yaml, which a per-file schema cannot see
        assert bool(valid) == _schema_says_valid(document), path
        checked += 1
    assert checked >= 80
