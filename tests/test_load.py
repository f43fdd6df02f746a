"""Stage 1: reading files, with positions, and refusing what YAML would silently accept."""

import pytest

from conftest import write

from eventcat.diagnostics import CatalogError
from eventcat.load import load_catalog, load_file


def problems(path, section="events"):
    with pytest.raises(CatalogError) as caught:
        load_file(path, section)
    return [str(d) for d in caught.value.diagnostics]


def test_positions_are_recorded_for_keys_and_values(tmp_path):
    path = write(tmp_path / "e.yaml", """
        name: a.b
        fields:
          - name: x
            type: string
        """)
    document = load_file(path, "events")
    assert document.data["fields"][0]["type"] == "string"
    assert document.position(("fields", 0, "type")) == (4, 11)
    assert document.position(("fields", 0, "type"), key=True) == (4, 5)
    # a missing key falls back to the nearest mapping that exists
    assert document.position(("fields", 0, "required")) == (3, 5)


def test_duplicate_key_is_an_error_not_a_silent_overwrite(tmp_path):
    path = write(tmp_path / "e.yaml", "name: a\nsummary: one\nsummary: two\n")
    assert problems(path) == [
        f"{path}:3:1: error duplicate-key: duplicate key 'summary' (first given at line 2; YAML would keep only the last)"
    ]


def test_yaml_syntax_error_points_at_the_problem(tmp_path):
    path = write(tmp_path / "e.yaml", "name: a\nsummary: [unclosed\nkind: research\n")
    (message,) = problems(path)
    assert message == (f"{path}:2:10: error yaml-syntax: YAML syntax error: the list opened here "
                       "is not closed with ']' (the parser gave up at line 3: did not find "
                       "expected ',' or ']')")


def test_a_tab_in_the_indentation_says_yaml_wants_spaces(tmp_path):
    path = write(tmp_path / "e.yaml", "name: a\nimplementations:\n- side: server\n\tapi: tracker.emit\n")
    (message,) = problems(path)
    assert message.startswith(f"{path}:4:1: error yaml-syntax: ")
    assert "tab" in message and message.endswith("(YAML indents with spaces only: replace the tab with spaces)")


def test_a_tab_at_the_start_of_a_line_says_yaml_wants_spaces(tmp_path):
    # libyaml does not name the tab here ("found character that cannot start any token")
    path = write(tmp_path / "e.yaml", "name: a\nfields:\n\t- name: x\n")
    (message,) = problems(path)
    assert message.startswith(f"{path}:3:1: error yaml-syntax: ")
    assert message.endswith("(YAML indents with spaces only: replace the tab with spaces)")


def test_a_tab_inside_a_value_gets_no_tab_hint(tmp_path):
    path = write(tmp_path / "e.yaml", "name: a\nsummary: [one,\tx\nkind: research\n")
    (message,) = problems(path)
    assert "replace the tab" not in message


def test_empty_file(tmp_path):
    path = write(tmp_path / "e.yaml", "# only a comment\n")
    assert problems(path) == [f"{path}: error empty-file: file is empty (write a mapping of keys, such as `name: ...`)"]


def test_file_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path / "e.yaml", "- a\n- b\n")
    assert problems(path) == [f"{path}:1:1: error not-a-mapping: the file must hold a mapping of keys to values (found a list instead)"]


def test_not_utf8(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_bytes(b"name: a\nsummary: caf\xe9\n")
    assert problems(path) == [f"{path}:2:13: error not-utf8: file is not valid UTF-8 (save it as UTF-8)"]


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]" for i in range(1, 10)]
    path = write(tmp_path / "e.yaml", "\n".join(lines) + "\n")
    found = problems(path)
    assert found[0] == f"{path}: error yaml-alias: 85 more YAML aliases"
    assert found[1] == (f"{path}:2:10: error yaml-alias: YAML aliases are not supported "
                        "(write the value out, or share fields with field_groups)")
    assert len(found) == 6


def test_too_large_file_is_not_read(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_bytes(b"name: a\n" + b"#" * 2_000_000 + b"\n")
    (message,) = problems(path)
    assert "file is too large (2,000,009 bytes; the limit is 1,000,000)" in message


def test_every_bad_file_is_reported_not_just_the_first(tmp_path):
    write(tmp_path / "events" / "a.yaml", "name: [\n")
    write(tmp_path / "events" / "b.yaml", "")
    documents, unreadable, problems = load_catalog(tmp_path)
    assert documents == [] and len(unreadable) == 2 and len(problems) == 2


def test_missing_catalog_folder(tmp_path):
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "nope")
    assert "catalog folder not found" in str(caught.value)
