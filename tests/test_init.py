"""eventcat init: a project any organisation can start from, which builds strictly as it is."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

from eventcat.schema import all_schemas


def eventcat(*args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def _schema_target(path: Path) -> Path:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema="), path
    return (path.parent / first.split("$schema=", 1)[1]).resolve()


def test_a_new_project_checks_builds_strictly_and_takes_a_new_event(tmp_path):
    made = eventcat("init", "plan", "--title", "Acme tracking plan", "--org", "Acme",
                    cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "plan"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        ".github/workflows/docs.yml", ".gitignore", ".pre-commit-config.yaml",
        "catalog/apis/analytics.track.yaml", "catalog/catalog.yaml",
        "catalog/events/account/account.signed_up.yaml",
        "catalog/teams/analytics.yaml", "catalog/tools/product-analytics.yaml", "docs/index.md",
        "eventcat.toml", *sorted(f"schemas/{n}" for n in all_schemas())]
    for path in root.joinpath("catalog").rglob("*.yaml"):  # every $schema line resolves inside
        target = _schema_target(path)
        assert target.is_file() and root.resolve() in target.parents
    checked = eventcat("check", "--strict", cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 event, 1 tool, 1 team; 0 errors, 0 warnings" in checked.stdout
    built = eventcat("build", "--strict", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    home = (root / "_build" / "html" / "index.html").read_text()
    assert "Acme tracking plan" in home
    assert (root / "_build/html/catalog/events/account.signed_up.html").is_file()
    assert not (root / "conf.py").exists()
    new = eventcat("new", "event", "account.logged_in", "--owner", "analytics", cwd=root / "docs")
    assert new.returncode == 0, new.stderr
    target = _schema_target(root / "catalog/events/account/account.logged_in.yaml")
    assert target == (root / "schemas" / "event.schema.json").resolve()


def test_the_workflow_installs_eventcat_not_the_project(tmp_path):
    assert eventcat("init", tmp_path / "p", cwd=tmp_path).returncode == 0
    workflow = yaml.safe_load((tmp_path / "p/.github/workflows/docs.yml").read_text())
    steps = workflow["jobs"]["site"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert 'python -m pip install "$EVENTCAT"' in runs
    assert workflow["env"]["EVENTCAT"].startswith("eventcat==")
    assert not any("-e ." in r or "pytest" in r for r in runs)
    assert "eventcat check --strict --format github" in runs and "eventcat build --strict" in runs
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    assert uses["actions/cache"]["with"]["path"] == "_build/doctrees"
    assert uses["actions/upload-artifact"]["with"]["path"] == "_build/html"
    hooks = yaml.safe_load((tmp_path / "p/.pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"][0]["entry"] == "eventcat check"
    ignored = (tmp_path / "p/.gitignore").read_text().split()
    assert "/_build/" in ignored and "/docs/catalog/" in ignored


@pytest.mark.parametrize("spec", [
    "eventcat @ git+https://example.org/acme/eventcat@0123abcd",
    'eventcat==0.1.0; python_version >= "3.11" # and a "quote" \\ backslash',
])
def test_init_install_names_what_ci_and_pre_commit_install(tmp_path, spec):
    """The workflow pinned eventcat==VERSION, which no package index serves: a new project's first
    CI run failed, or installed whatever someone published under that name. --install chooses,
    and whatever the spec holds it stays one value."""
    made = eventcat("init", tmp_path / "p", "--install", spec, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    workflow = yaml.safe_load((tmp_path / "p/.github/workflows/docs.yml").read_text())
    assert workflow["env"]["EVENTCAT"] == spec
    hooks = yaml.safe_load((tmp_path / "p/.pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"][0]["additional_dependencies"] == [spec]


def test_init_install_refuses_a_spec_of_more_than_one_line(tmp_path):
    made = eventcat("init", tmp_path / "p", "--install", "eventcat\n  evil: true", cwd=tmp_path)
    assert made.returncode == 2 and "one line" in made.stderr and "Traceback" not in made.stderr
    assert not (tmp_path / "p").exists()


def test_the_default_install_spec_follows_how_eventcat_was_installed(monkeypatch):
    import importlib.metadata

    from eventcat import starter

    class Installed:
        def __init__(self, direct_url):
            self.direct_url = direct_url

        def read_text(self, name):
            return self.direct_url if name == "direct_url.json" else None

    def installed_as(direct_url):
        monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Installed(direct_url))
        return starter.install_spec()

    git = json.dumps({"url": "https://example.org/acme/eventcat.git",
                      "vcs_info": {"vcs": "git", "commit_id": "0123abcd"}})
    assert installed_as(git) == ("eventcat @ git+https://example.org/acme/eventcat.git@0123abcd", True)
    assert installed_as(None) == (f"eventcat=={starter.__version__}", True)  # from an index
    wheel = json.dumps({"url": "file:///tmp/dist/eventcat-0.1.0-py3-none-any.whl", "archive_info": {}})
    assert installed_as(wheel) == (f"eventcat=={starter.__version__}", False)  # init says so


@pytest.mark.parametrize("title, org", [
    ("Acme: \"quoted\" 'single' # not a comment", "Acme & Co\nsecond line"),
    ("- a list?\n  no: a mapping?", "!!python/object:os.system"),
    ("{{ jinja }} {include}`x` <script>alert(1)</script>", "*anchor &alias"),
])
def test_title_and_organisation_are_data(tmp_path, title, org):
    made = eventcat("init", tmp_path / "p", "--title", title, "--org", org, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    settings = yaml.safe_load((tmp_path / "p/catalog/catalog.yaml").read_text())
    assert settings["title"] == title and settings["organization"] == org
    heading = (tmp_path / "p/docs/index.md").read_text().splitlines()[0]
    # every markup character is escaped: a backslash before it, or an HTML entity
    bare = re.sub(r"&#?\w+;", "", heading[2:])  # HTML entities are escapes too
    assert heading.startswith("# ") and not re.search(r"(?<!\\)[{}`<>*!:#-]", bare)
    assert eventcat("check", cwd=tmp_path / "p").returncode == 0


def test_a_folder_that_is_not_empty_is_refused_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    refused = eventcat("init", cwd=tmp_path)
    assert refused.returncode == 2 and "is not empty (notes.txt)" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    (tmp_path / ".gitignore").write_text("mine too\n")
    forced = eventcat("init", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "kept .gitignore (already there)" in forced.stdout
    assert (tmp_path / ".gitignore").read_text() == "mine too\n"
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "catalog" / "catalog.yaml").is_file()


def test_a_bad_title_writes_nothing(tmp_path):
    refused = eventcat("init", tmp_path / "p", "--title", "x" * 301, cwd=tmp_path)
    assert refused.returncode == 2 and "--title: string should have at most 300 characters" in (
        refused.stderr)
    assert not (tmp_path / "p").exists()


def test_the_edx_example_is_the_shipped_catalog(tmp_path):
    made = eventcat("init", tmp_path / "p", "--example", "edx", "--title", "Our edX guide",
                    cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    shipped = sorted(p.relative_to(ROOT / "catalog").as_posix()
                     for p in (ROOT / "catalog").rglob("*.yaml"))
    copied = sorted(p.relative_to(tmp_path / "p/catalog").as_posix()
                    for p in (tmp_path / "p/catalog").rglob("*.yaml"))
    assert copied == shipped
    assert yaml.safe_load((tmp_path / "p/catalog/catalog.yaml").read_text())["title"] == (
        "Our edX guide")
    checked = eventcat("check", "--format", "json", cwd=tmp_path / "p")
    assert json.loads(checked.stdout)["ok"], checked.stdout


def test_every_file_of_the_edx_example_names_its_editor_schema(tmp_path):
    made = eventcat("init", tmp_path / "p", "--example", "edx", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    catalog = tmp_path / "p/catalog"
    kinds = {"events": "event", "fields": "field-group", "tools": "tool", "teams": "team", "apis": "api"}
    files = sorted(catalog.rglob("*.yaml"))
    assert len(files) > 300
    for path in files:
        section = path.relative_to(catalog).parts[0]
        kind = "catalog" if path.name == "catalog.yaml" else kinds[section]
        target = _schema_target(path)
        assert target == (tmp_path / f"p/schemas/{kind}.schema.json").resolve(), path
        assert target.is_file()
    # the lines are comments: the copy still checks clean
    checked = eventcat("check", "--format", "json", cwd=tmp_path / "p")
    assert json.loads(checked.stdout)["ok"], checked.stdout
