"""One configuration for every command: the project root found by walking up, settings checked
with file:line:col messages, generate and build writing the same pages, nothing written outside
the project, and the serve port checked before anything is built."""

import filecmp
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINI, home_docs, write

from eventcat.config import Project, Settings, find_root, load_project, project_for
from eventcat.diagnostics import CatalogError


def eventcat(*args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def problems(start: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_project(start)
    return [str(d) for d in caught.value.diagnostics]


def test_the_root_is_found_by_walking_up_from_the_current_folder(tmp_path):
    write(tmp_path / "eventcat.toml", 'catalog = "plan"\nhistory = 5\n')
    deep = tmp_path / "plan" / "events" / "video"
    deep.mkdir(parents=True)
    project = load_project(deep)
    assert project.root == tmp_path.resolve() and project.source == tmp_path / "eventcat.toml"
    assert project.catalog == (tmp_path / "plan").resolve() and project.settings.history == 5


def test_pyproject_counts_only_with_a_tool_eventcat_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.eventcat]\ndocs = "site"\n')
    inner = tmp_path / "sub"
    write(inner / "pyproject.toml", '[project]\nname = "other"\n')  # not ours: keep walking
    assert find_root(inner) == (tmp_path.resolve(), tmp_path.resolve() / "pyproject.toml")
    assert load_project(inner).docs == (tmp_path / "site").resolve()


def test_without_settings_the_start_folder_is_the_root_with_defaults(tmp_path):
    project = load_project(tmp_path)
    assert project.root == tmp_path.resolve() and project.source is None
    assert project.settings == Settings()


def test_a_catalog_outside_any_project_is_rooted_at_its_parent(tmp_path):
    catalog = tmp_path / "elsewhere" / "tracking"
    catalog.mkdir(parents=True)
    project = project_for(catalog)
    assert project.root == catalog.parent.resolve() and project.catalog == catalog.resolve()
    assert project.generated == (catalog.parent / "docs" / "catalog").resolve()


@pytest.mark.parametrize("text, expected", [
    ('[tool.eventcat]\nhistroy = 5\n',
     "pyproject.toml:2:1: error unknown-setting: [tool.eventcat]: unknown setting 'histroy' "
     "(did you mean 'history'?)"),
    ('[tool.eventcat]\ncatalog = "c"\nhistory = "many"\n',
     "pyproject.toml:3:11: error bad-setting: [tool.eventcat]: history: input should be a valid "
     "integer (see the settings reference page)"),
    ('[tool.eventcat.serve]\nport = 99999\n',
     "pyproject.toml:2:8: error bad-setting: [tool.eventcat]: serve.port: input should be less "
     "than or equal to 65535 (see the settings reference page)"),
    ('[tool.eventcat]\njobs = "many"\n',
     'pyproject.toml:2:8: error bad-setting: [tool.eventcat]: jobs: should be a whole number of processes '
     '(1 or more) or "auto" (see the settings reference page)'),
    ('[tool.eventcat]\njobs = 0\n',
     'pyproject.toml:2:8: error bad-setting: [tool.eventcat]: jobs: should be a whole number of processes '
     '(1 or more) or "auto" (see the settings reference page)'),
    ('[tool.eventcat]\nrules = {prefer-server = "off"}\n',
     "pyproject.toml:2:1: error unknown-setting: [tool.eventcat]: unknown setting 'rules' (lint "
     "rules are facts about the catalog: set them under rules: in catalog.yaml)"),
    ('[tool.eventcat.serve]\n  colour = 1\n',
     "pyproject.toml:2:3: error unknown-setting: [tool.eventcat]: unknown setting 'serve.colour' "
     "(expected one of: port)"),
    ('[tool.eventcat]\ncatalog = "c\n',
     "pyproject.toml:2:13: error bad-settings: not valid TOML: Illegal character '\\n' "
     "(see https://toml.io for the syntax)"),
])
def test_bad_settings_are_reported_at_their_place(tmp_path, monkeypatch, text, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", text)
    assert problems(tmp_path) == [expected]


@pytest.mark.parametrize("name, text, expected", [
    ("eventcat.toml", 'catalog = "catalog"\n[serve]\nport = 8000\nhistory = 5\n',
     "eventcat.toml:4:1: error unknown-setting: unknown setting 'serve.history' "
     "('history' is a top-level setting: move it above the [serve] line)"),
    ("pyproject.toml", '[tool.eventcat.serve]\njobs = 2\n',
     "pyproject.toml:2:1: error unknown-setting: [tool.eventcat]: unknown setting 'serve.jobs' "
     "('jobs' is a top-level setting: move it above the [tool.eventcat.serve] line)"),
])
def test_a_setting_appended_below_serve_says_where_it_belongs(tmp_path, monkeypatch, name, text, expected):
    # appending a line to the file that `eventcat init` writes puts it inside [serve]
    monkeypatch.chdir(tmp_path)
    write(tmp_path / name, text)
    assert problems(tmp_path) == [expected]


@pytest.mark.parametrize("jobs", ['"auto"', "1", "3"])
def test_jobs_takes_a_count_or_auto(tmp_path, jobs):
    write(tmp_path / "eventcat.toml", f"jobs = {jobs}\n")
    assert load_project(tmp_path).settings.jobs == (jobs.strip('"') if jobs.startswith('"') else int(jobs))


def test_settings_in_two_files_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "eventcat.toml", 'history = 3\n')
    write(tmp_path / "pyproject.toml", '[tool.eventcat]\nhistory = 4\n')
    assert problems(tmp_path) == [
        "pyproject.toml:1:1: error two-settings-files: settings in both eventcat.toml and "
        "[tool.eventcat] of pyproject.toml (keep them in one of the two)"]


def test_bad_settings_stop_a_command_without_a_traceback(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    write(tmp_path / "eventcat.toml", 'histroy = 5\n')
    result = eventcat("check", cwd=tmp_path / "catalog")
    assert result.returncode == 2
    # at the key, and the file is named once
    assert result.stderr.startswith("../eventcat.toml:1:1: error unknown-setting: unknown setting 'histroy' ")
    assert "Traceback" not in result.stderr


def _project(tmp_path: Path) -> Path:
    """A project with the mini catalog, the shipped home pages, a coverage log and settings."""
    shutil.copytree(MINI, tmp_path / "catalog")
    home_docs(tmp_path / "docs")
    log = tmp_path / "logs" / "tracking.log"
    write(log, '{"event_type": "edx.video.played", "event_source": "server", "time": '
               '"2024-05-01T10:00:00Z", "event": {"code": "abc"}}\n')
    write(tmp_path / "eventcat.toml", 'coverage = ["logs/tracking.log"]\nhistory = 0\n')
    return tmp_path


def _pages(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".eventcat-manifest.json"}


def test_generate_then_build_write_identical_pages(tmp_path):
    root = _project(tmp_path)
    generated = root / "docs" / "catalog"
    assert eventcat("generate", cwd=root).returncode == 0
    first = _pages(generated)
    assert b"edx.video.played" in first["coverage.md"]  # the coverage setting reached generate
    built = eventcat("build", "--strict", cwd=root / "docs")  # from a subfolder: same project
    assert built.returncode == 0, built.stdout + built.stderr
    assert "0 pages written" in built.stdout
    assert _pages(generated) == first
    # and a bare sphinx-build, whose extension finds the same project from the source folder
    shutil.rmtree(generated)
    bare = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-C", "-D",
                           "extensions=eventcat.sphinx_ext", str(root / "docs"),
                           str(tmp_path / "bare")], capture_output=True, text=True, timeout=300)
    assert bare.returncode == 0, bare.stderr
    assert _pages(generated) == first


def test_build_runs_without_conf_py_and_conf_py_only_overrides(tmp_path):
    root = _project(tmp_path)
    built = eventcat("build", "--strict", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    page = (root / "_build" / "html" / "index.html").read_text()
    assert "pydata-sphinx-theme" in page and "Mini catalog" in page
    write(root / "conf.py", 'extensions = ["eventcat.sphinx_ext"]\nproject = "Overridden"\n'
                            'html_theme = "alabaster"\n')
    built = eventcat("build", "--strict", "--clean", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    page = (root / "_build" / "html" / "index.html").read_text()
    assert "Overridden" in page and "alabaster" in page and "pydata-sphinx-theme" not in page


def test_old_conf_py_settings_say_where_they_went(tmp_path):
    root = _project(tmp_path)
    write(root / "conf.py", 'extensions = ["eventcat.sphinx_ext"]\neventcat_coverage = "x.log"\n')
    built = eventcat("build", cwd=root)
    assert built.returncode != 0
    assert ("eventcat_coverage is no longer read; set `coverage` under [tool.eventcat]"
            in built.stderr)


def test_build_with_a_catalog_elsewhere_writes_nothing_in_the_current_folder(tmp_path):
    root = _project(tmp_path / "project")
    here = tmp_path / "somewhere"
    here.mkdir()
    built = eventcat("build", "--strict", "--catalog", root / "catalog", cwd=here)
    assert built.returncode == 0, built.stdout + built.stderr
    assert list(here.iterdir()) == []
    assert (root / "_build" / "html" / "catalog" / "events" / "edx.video.played.html").is_file()


def test_build_of_a_bare_catalog_writes_nothing_and_says_what_is_missing(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    here = tmp_path / "other"
    here.mkdir()
    built = eventcat("build", "--catalog", tmp_path / "catalog", cwd=here)
    assert built.returncode == 1
    assert "error no-docs: no index.md in the Sphinx source folder" in built.stderr
    assert list(here.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "catalog", "other"]


def test_serve_says_which_port_is_busy_before_building(tmp_path):
    root = _project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = eventcat("serve", "--port", port, cwd=root, timeout=60)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is busy" in result.stderr
    assert "Serving on" not in result.stdout + result.stderr
    assert not (root / "docs" / "catalog").exists() and not (root / "_build").exists()


def test_template_bytecode_lives_in_the_users_cache_folder(tmp_path):
    code = ("from pathlib import Path; from eventcat.render import environment, DEFAULT_TEMPLATES;"
            "env = environment(DEFAULT_TEMPLATES); print(env.bytecode_cache.directory)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin"})
    assert result.stdout.strip() == str(tmp_path / "cache" / "eventcat" / "jinja"), result.stderr


def test_schema_and_new_write_inside_the_project(tmp_path):
    root = _project(tmp_path)
    (root / "docs").rename(root / "site")  # a setting moves a folder; commands follow it
    write(root / "eventcat.toml", 'docs = "site"\nschemas = "editor/schemas"\n')
    assert eventcat("schema", cwd=root / "catalog").returncode == 0
    assert (root / "editor" / "schemas" / "event.schema.json").is_file()
    made = eventcat("new", "team", "falcon", cwd=root / "site")
    assert made.returncode == 0, made.stderr
    text = (root / "catalog" / "teams" / "falcon.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../editor/schemas/team.schema.json\n")
    assert filecmp.cmp(root / "catalog" / "teams" / text.split("$schema=")[1].split("\n")[0],
                       root / "editor" / "schemas" / "team.schema.json")
    assert Project(root, Settings()).settings.schemas == "schemas"
