"""Hostile input: each gets a clear error or safely escaped output; nothing hangs, nothing is read
outside the catalog, nothing is written outside the output folder. (Markup in text fields is
covered in test_render.py and, through a real Sphinx build, in test_sphinx_build.py.)"""

import os
import subprocess
import sys

import pytest

from conftest import write

from eventcat.pipeline import check

BASE = """
summary: Something.
kind: research
reviewed_by: Docs team
owner: learner
implementations: [{side: server, api: tracker.emit}]
"""


def only_problem(mini):
    problems = check(mini).problems
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


@pytest.mark.parametrize("name, expected", [
    # a '/' can be on the wire (see test_link.py), but no name needs two dots in a row
    ("../../etc/passwd", "'../../etc/passwd' has two dots in a row"),
    ("..", "'..' has two dots in a row"),
    (" edx.video.played", "is not a valid event name"),
    ("edx.video.played ", "is not a valid event name"),
    ("Played  Video", "is not a valid event name"),
    ("edx.video\\u0000played", "is not a valid event name"),
    ("edx.video\\u0007played", "is not a valid event name"),
    ("edx.video\\tplayed", "is not a valid event name"),
    ("edx.video.played\\n", "is not a valid event name"),
    ("a" * 10_000, "name: text is too long (10,000 characters; the limit is 128)"),
])
def test_dangerous_names_are_refused(mini, name, expected):
    write(mini / "events" / "x.yaml", f'name: "{name}"' + BASE)
    assert expected in only_problem(mini)


def test_nul_byte_in_the_file(mini):
    (mini / "events" / "x.yaml").write_bytes(b"name: edx.a\x00b\n")
    assert "x.yaml:1:1: error not-utf8: file contains a NUL character (is it a binary file?)" in only_problem(mini)


def test_huge_file_is_refused_without_reading_it(mini):
    path = mini / "events" / "huge.yaml"
    with open(path, "w") as handle:
        handle.write("name: edx.huge\n")
        handle.write("# padding\n" * 2_000_000)  # 20 MB
    assert "file is too large (20,000,015 bytes; the limit is 1,000,000)" in only_problem(mini)


def test_billion_laughs_is_refused_at_once(mini):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    write(mini / "events" / "bomb.yaml", "\n".join(lines) + "\n")
    # run in a child with a generous limit: a hang or an exponential blow-up would trip it
    code = ("import sys; from eventcat.pipeline import check; "
            f"print('\\n'.join(map(str, check({str(mini)!r}).problems)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "bomb.yaml:2:10: error yaml-alias: YAML aliases are not supported" in result.stdout
    assert "bomb.yaml: error yaml-alias: 94 more YAML aliases" in result.stdout


def test_deep_nesting_is_refused(mini):
    write(mini / "events" / "deep.yaml", "name: edx.deep\nexample: " + "[" * 500 + "]" * 500 + "\n")
    assert "error too-deep: data is nested more than 20 levels deep" in "\n".join(
        str(p) for p in check(mini).problems)
    write(mini / "events" / "deep.yaml", "name: edx.deep\nexample: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "exceeded maximum nesting depth" in "\n".join(str(p) for p in check(mini).problems)


def test_links_to_files_outside_the_catalog_are_not_followed(mini, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: edx.secret.read" + BASE)
    os.symlink(secret, mini / "events" / "link.yaml")
    os.symlink(tmp_path, mini / "events" / "linked-folder")
    problems = [str(p) for p in check(mini).problems]
    assert problems == [f"{mini / 'events' / 'link.yaml'}: error not-a-file: not a regular file "
                        "(definitions must be plain files, not links)"]


def test_yaml_tags_cannot_run_code(mini):
    write(mini / "events" / "x.yaml", "name: !!python/object/apply:os.system ['touch /tmp/eventcat-pwned']" + BASE)
    problems = [str(p) for p in check(mini).problems]
    assert len(problems) == 1
    assert problems[0].endswith("x.yaml:1:7: error yaml-tag: YAML tag '!!python/object/apply:os.system' "
                                "is not supported (write a plain value)")
    assert not os.path.exists("/tmp/eventcat-pwned")
