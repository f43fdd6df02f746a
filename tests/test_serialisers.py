"""Machine-readable outputs are written by real serialisers, and text from a catalog or a log can
never start a new key, line or entry in them: YAML (logs infer drafts, the Segment whitelist, `new`
scaffolds), CSV, JSON without NaN. Named outputs never replace a file eventcat did not write.
Terminal output escapes control characters, so a file name cannot forge a diagnostic line."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import FIXTURES, MINI, ROOT, write

from eventcat import export
from eventcat.diagnostics import Diagnostic, printable
from eventcat.logs.infer import collect, write_drafts
from eventcat.pipeline import build_catalog, check
from eventcat.yamltext import comment, scalar

# every character that could end a line, a comment or a scalar, or drive a terminal
BREAKERS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x00", "\x1b[2J", "\x0b", "\x0c", "\x7f",
            "\u202e", "\ud800", "#", ": ", "- ", "'", '"', "\\", "{", "}", "[", "]", "&a", "*a", "!!python/x",
            "---", "...", "%YAML"]
HOSTILE = "a" + "".join(BREAKERS) + "\nevil: true\n- entry"


def eventcat(*args, cwd):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("text", [*BREAKERS, HOSTILE, "", " lead", "trail ", "yes", "null", "1e3",
                                  "0x10", "~", "@x", "`x`", "é€😀", "a" * 5000])
def test_a_value_and_a_comment_stay_on_their_lines_whatever_they_hold(text):
    document = f"k: {scalar(text)}\n" + comment(text) + comment(text, "  ") + "j: 1\n"
    assert document.count("\n") == 4
    expected = text.replace("\ud800", "\ufffd")  # no YAML reader takes a lone surrogate back
    assert yaml.load(document, Loader=yaml.CSafeLoader) == {"k": expected, "j": 1}


def test_values_that_are_not_text_keep_their_type_and_nan_is_refused():
    for value in (0, -1, 10**40, 1.5, True, False, None, [1, "a\nb"], {"k": "v\r"}):
        assert yaml.safe_load(f"k: {scalar(value)}") == {"k": value}
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError):
            scalar(bad)


def test_a_logs_infer_draft_holds_only_the_keys_it_means(tmp_path):
    catalog = build_catalog(FIXTURES / "logs" / "catalog")[0]
    log = tmp_path / "hostile.jsonl"
    record = {"event_type": "edx.hostile.drafted", "event_source": "server" + HOSTILE,
              "time": "2025-01-01T00:00:00",
              "event": {"note": HOSTILE, "count": 10**30, "text": "x\u2028owner: evil"}}
    browser = dict(record, event_source="\x1b]0;title\x07browser\nkind: internal", time="2025-01-02T00:00:00")
    log.write_text(json.dumps(record) + "\n" + json.dumps(browser) + "\n")
    drafted = write_drafts(catalog, collect(catalog, [log]), tmp_path / "out")
    [path] = drafted.written
    text = path.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\u2028" not in text and "\r" not in text and "\x85" not in text
    data = yaml.safe_load(text)
    assert data["name"] == "edx.hostile.drafted" and data["owner"] == "TODO: a team id"
    assert data["kind"] == "research" and "evil" not in data
    fields = {f["name"]: f for f in data["fields"]}
    assert set(fields) == {"note", "count", "text"}
    assert fields["note"]["example"] == HOSTILE.replace("\ud800", "\ufffd") and fields["count"]["example"] == 10**30
    for line in text.splitlines():  # every line is a comment, a key, an item or a block line
        assert line == "" or line.lstrip()[:1] in ("#", "-") or ":" in line or line.startswith("  "), line
    # and the draft is a catalog file eventcat reads, with only the TODOs to fill in
    shutil_catalog = tmp_path / "cat"
    import shutil
    shutil.copytree(FIXTURES / "logs" / "catalog", shutil_catalog)
    target = shutil_catalog / path.relative_to(tmp_path / "out")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, target)
    rules = {p.rule for p in check(shutil_catalog).problems if p.path.endswith(path.name)}
    assert rules <= {"todo-placeholder", "unknown-reference"}, rules


def test_the_segment_whitelist_lists_exactly_the_names_whatever_the_summaries_hold(mini):
    page = mini / "events" / "edx.video.played.yaml"
    text = page.read_text()
    import re
    summary = f"summary: {scalar('Played' + HOSTILE.replace(chr(0), ''))}"
    text = re.sub(r"^summary: .*$", lambda _: summary, text, count=1, flags=re.M)
    page.write_text(text)
    catalog = build_catalog(mini)[0]
    out = export.segment_whitelist_yaml(catalog)
    data = yaml.safe_load(out)
    assert list(data) == [export.WHITELIST_SETTING]
    assert data[export.WHITELIST_SETTING] == [name for name, _ in export.whitelist_names(catalog)]
    assert "\u2028" not in out and "\x1b" not in out


def test_csv_cells_stay_cells(mini):
    page = mini / "events" / "edx.video.played.yaml"
    import re
    summary = f"summary: {scalar('=HYPERLINK(1)' + HOSTILE.replace(chr(0), ''))}"
    page.write_text(re.sub(r"^summary: .*$", lambda _: summary, page.read_text(), count=1, flags=re.M))
    catalog = build_catalog(mini)[0]
    text = export.events_csv(catalog)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(catalog.events) + 1
    assert all(len(row) == len(rows[0]) for row in rows)
    summary = next(row for row in rows if row[0] == "edx.video.played")[rows[0].index("summary")]
    assert summary.startswith("'=") and "\n" not in summary and "\r" not in summary


@pytest.mark.parametrize("value, where", [(".nan", "example"), (".inf", "example"), ("-.inf", "example"),
                                          ("1.0e+999", "example"), ("[1, .nan]", "allowed")])
def test_check_refuses_nan_and_infinity_with_file_line_column(mini, value, where):
    write(mini / "events" / "x.yaml", f"""
        name: edx.x.y
        summary: S.
        kind: research
        reviewed_by: Docs
        owner: learner
        implementations: [{{side: server, api: tracker.emit}}]
        fields:
          - name: n
            type: number
            description: N.
            pii: none
            {where}: {value}
        """)
    problems = [str(p) for p in check(mini).problems if "not-finite" in p.rule]
    assert len(problems) == 1, [str(p) for p in check(mini).problems]
    assert problems[0].startswith(f"{mini / 'events' / 'x.yaml'}:12:")
    assert "is not a finite number" in problems[0]


# --- named outputs never clobber ------------------------------------------------------------------


def test_save_report_refuses_to_replace_a_file_eventcat_did_not_write(tmp_path):
    logs = FIXTURES / "logs"
    mine = tmp_path / "notes.json"
    mine.write_text('{"my": "notes"}\n')
    refused = eventcat("logs", "check", "--catalog", "catalog", "good.jsonl", "--save-report", mine, cwd=logs)
    assert refused.returncode == 2 and "refusing to replace a file eventcat did not write" in refused.stderr
    assert "--force" in refused.stderr and refused.stdout == ""  # refused before the logs are read
    assert mine.read_text() == '{"my": "notes"}\n'
    forced = eventcat("logs", "check", "--catalog", "catalog", "good.jsonl", "--save-report", mine,
                      "--force", cwd=logs)
    assert forced.returncode == 0 and json.loads(mine.read_text())["format"] == "eventcat-log-report"
    again = eventcat("logs", "check", "--catalog", "catalog", "good.jsonl", "--save-report", mine, cwd=logs)
    assert again.returncode == 0  # its own report is replaced without asking


@pytest.mark.parametrize("fmt, name", [("json", "catalog.json"), ("segment-whitelist", "wl.yaml"),
                                       ("processing-record", "record.csv"), ("csv", "events.csv"),
                                       ("jsonschema", "edx.video.played.schema.json")])
def test_export_refuses_to_replace_a_file_eventcat_did_not_write(tmp_path, fmt, name):
    folder_format = fmt in ("csv", "jsonschema")
    out = tmp_path / "out"
    out.mkdir()
    target = out / name
    target.write_text("hand-written\n")
    where = out if folder_format else target
    refused = eventcat("export", fmt, "--catalog", MINI, "--out", where, cwd=tmp_path)
    assert refused.returncode == 2 and "refusing to replace a file eventcat did not write" in refused.stderr
    assert target.read_text() == "hand-written\n"
    assert sorted(p.name for p in out.iterdir()) == [name]  # nothing else was written either
    assert eventcat("export", fmt, "--catalog", MINI, "--out", where, "--force", cwd=tmp_path).returncode == 0
    assert target.read_text() != "hand-written\n"
    assert eventcat("export", fmt, "--catalog", MINI, "--out", where, cwd=tmp_path).returncode == 0


def test_schema_refuses_to_replace_a_hand_written_schema_and_writes_nothing(tmp_path):
    out = tmp_path / "schemas"
    out.mkdir()
    (out / "tool.schema.json").write_text('{"title": "my own tool schema"}\n')
    refused = eventcat("schema", "--catalog", MINI, "--out", out, cwd=tmp_path)
    assert refused.returncode == 2 and "tool.schema.json" in refused.stderr
    assert "nothing was written" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["tool.schema.json"]  # no other schema either
    assert eventcat("schema", "--catalog", MINI, "--out", out, "--force", cwd=tmp_path).returncode == 0
    assert "my own" not in (out / "tool.schema.json").read_text()
    again = eventcat("schema", "--catalog", MINI, "--out", out, cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # its own schemas are replaced without asking


def test_schema_replaces_the_unmarked_schemas_an_earlier_eventcat_wrote(tmp_path):
    from eventcat.schema import SCHEMA_COMMENT, all_schemas
    out = tmp_path / "schemas"
    out.mkdir()
    for name, text in all_schemas().items():  # as 0.1 wrote them: no $comment line
        old = {k: v for k, v in json.loads(text).items() if k != "$comment"}
        (out / name).write_text(json.dumps(old, indent=2) + "\n")
    done = eventcat("schema", "--catalog", MINI, "--out", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert all(SCHEMA_COMMENT in p.read_text() for p in out.iterdir())


# --- terminal-safe output ---------------------------------------------------------------------------


def test_a_file_name_cannot_forge_a_diagnostic_line(mini):
    name = "x.yaml\nother.yaml:1:1: error forged: \x1b[32mall good\x1b[0m.yaml"
    (mini / "events" / name).write_text("name: [broken\n")
    result = eventcat("check", "--catalog", mini, cwd=mini.parent)
    assert result.returncode != 0 and "\x1b" not in result.stdout + result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert not any(line.startswith("other.yaml") for line in lines)
    assert any("x.yaml\\nother.yaml:1:1: error forged: \\x1b[32mall good" in line for line in lines)


def test_diagnostics_escape_every_part():
    shown = str(Diagnostic("a\nb", 1, 2, "rule", "m\x1b[2J\u2028", "h\r"))
    assert shown == "a\\nb:1:2: error rule: m\\x1b[2J\\u2028 (h\\r)"
    assert printable("plain é € 😀") == "plain é € 😀"


def test_diff_markdown_keeps_names_in_their_code_spans_and_text_inert():
    from eventcat.diff import diff, to_markdown
    base = {"aliases": [], "kind": "research", "status": "active", "replaced_by": None,
            "owner": "t", "summary": "s", "sides": ["server"], "destinations": []}
    field = {"type": "string", "required": False, "pii": "none", "allowed": []}
    hostile_name = "edx.`<img src=x onerror=alert(1)>`` @team\nx"
    old = {hostile_name: {**base, "fields": {"f": field}}}
    new = {hostile_name: {**base, "fields": {"f": {**field, "allowed": ["[a](javascript:x)", "\x1b[2J", "@org/team"]}}}}
    text = to_markdown(diff(old, new), "v1 <b>", "v2\n# heading")
    from markdown_it import MarkdownIt
    html = MarkdownIt("commonmark").render(text)
    assert 'href="javascript' not in html and "<img" not in html and "<b>" not in html
    assert "\x1b" not in text and text.count("\n# ") == 0  # one heading only: ours
    assert "<code>edx.`&lt;img src=x onerror=alert(1)&gt;`` @team x</code>" in html
    assert "\\@org/team" in text


def test_csv_cells_hold_no_unicode_line_break_either(mini):
    import re
    page = mini / "events" / "edx.video.played.yaml"
    summary = f"summary: {scalar('one' + chr(0x2028) + 'two' + chr(0x85) + 'three' + chr(0x1c) + chr(0x1b) + '[2J')}"
    page.write_text(re.sub(r"^summary: .*$", lambda _: summary, page.read_text(), count=1, flags=re.M))
    catalog = build_catalog(mini)[0]
    text = export.events_csv(catalog)
    assert len(text.splitlines()) == len(catalog.events) + 1
    assert "\x1b" not in text and "one two three \\x1b[2J" in text


@pytest.mark.parametrize("operation, failing", [
    ("write_file", "replace"), ("write_file", "write"), ("write_output", "write"),
    ("generate", "replace"), ("generate", "write"), ("infer", "link"), ("infer", "write")])
def test_no_temporary_file_is_left_after_a_failure(tmp_path, monkeypatch, operation, failing):
    """Whatever call fails (the rename, the link, the write itself on a full disk), the
    temporary file is gone and the target is as it was."""
    import errno

    from eventcat import sync
    from eventcat.logs import infer
    from eventcat.pipeline import generate
    catalog = build_catalog(FIXTURES / "logs" / "catalog")[0]
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"event_type": "edx.new.thing", "event": {"a": 1}}) + "\n")
    samples = collect(catalog, [log])
    out = tmp_path / "out"
    out.mkdir()

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    if failing == "write":
        real = os.fdopen

        def fdopen(fd, *args, **kwargs):
            handle = real(fd, *args, **kwargs)
            handle.write = fail
            return handle
        monkeypatch.setattr(os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError):
        if operation == "write_file":
            sync.write_file(out / "a.json", b"{}")
        elif operation == "write_output":
            sync.write_output(out / "a.json", b"{}", lambda head: True)
        elif operation == "generate":
            generate(MINI, out / "site", history=0)
        else:
            infer.write_drafts(catalog, samples, out)
    assert [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")] == []
    assert not (out / "a.json").exists()
