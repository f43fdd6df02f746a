"""`eventcat logs check --rows PATH`: the saved result of the query `eventcat logs sql` prints
(what a scheduled job or a dbt model keeps, as ClickHouse's JSONEachRow) read back into the same
report the ClickHouse engine gives, for files and for a server table."""

import json
import os

import pytest

from conftest import FIXTURES

from eventcat.cli import main
from eventcat.logs.check import check_logs
from eventcat.pipeline import build_catalog

if os.environ.get("CI") != "true":  # on CI the extra is installed: a skip there would hide a failure
    pytest.importorskip("chdb", reason="the ClickHouse engine's extra is not installed (pip install 'eventcat[clickhouse]')")
from test_logs_clickhouse import hostile_lines

CATALOG = FIXTURES / "logs" / "catalog"


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(CATALOG)[0]


def printed_sql(capsys, *args):
    assert main(["logs", "sql", "--catalog", str(CATALOG), *args]) == 0
    return capsys.readouterr().out


def check(capsys, *args):
    status = main(["logs", "check", "--catalog", str(CATALOG), "--format", "json", *args])
    captured = capsys.readouterr()
    return status, captured


def test_saved_rows_of_files_give_the_engines_report(capsys, catalog, tmp_path):
    import chdb
    log = tmp_path / "day.log"
    log.write_text("\n".join(hostile_lines(catalog)) + "\n", encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(chdb.query(printed_sql(capsys, str(log)), "JSONEachRow").bytes())
    status, result = check(capsys, "--rows", str(rows), str(log))
    assert status == 0, result.err
    python = json.loads(check_logs(catalog, [log]).to_json())
    assert comparable_json(result.out) == comparable_json(json.dumps(python))
    assert json.loads(result.out)["records"] > 0
    # the gates apply as to any report
    status, result = check(capsys, "--rows", str(rows), str(log), "--fail-on", "undocumented=0")
    assert status == 1


def comparable_json(text):
    data = json.loads(text)
    data.pop("made")
    data.pop("catalog")
    return data


def test_saved_rows_of_a_table(capsys, catalog, tmp_path):
    """What a scheduled query over an Aspects-style table keeps; no line numbers, as with --clickhouse."""
    from chdb import session
    lines = [line for line in hostile_lines(catalog) if line.strip() and not line.startswith("#")]
    db = session.Session()
    db.query("CREATE TABLE raw (time DateTime, message String) ENGINE = MergeTree ORDER BY time")
    values = ", ".join("(0, '" + line.replace("\\", "\\\\").replace("'", "\\'") + "')" for line in lines)
    db.query(f"INSERT INTO raw VALUES {values}")
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(db.query(printed_sql(capsys, "--table", "raw"), "JSONEachRow").bytes())
    status, result = check(capsys, "--rows", str(rows), "--table", "raw")
    assert status == 0, result.err
    log = tmp_path / "same.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    python = check_logs(catalog, [log])
    data = json.loads(result.out)
    assert data["records"] == python.records
    assert {(f["kind"], f["event"], f["field"], f["detail"], f["count"]) for f in data["findings"]} == {
        (f.kind, f.event, f.field, f.detail, f.count) for f in python.findings}
    assert all(f["where"] == ["(no line numbers in a table)"] for f in data["findings"])


@pytest.mark.parametrize("content, said", [
    (b'{"section": "group"}\n', "rows.jsonl:1: not a row of the query `eventcat logs sql` prints (no a, b"),
    (b'\n{"x": 1\n', "rows.jsonl:2: not JSON ("),
    (b'[1, 2]\n', "rows.jsonl:1: not a row of the query"),
    (b'\xff\xfe\n', "rows.jsonl:1: not JSON ("),
])
def test_a_file_that_is_not_saved_rows_is_said_at_its_line(capsys, tmp_path, content, said):
    log = tmp_path / "day.log"
    log.write_text("{}\n")
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(content)
    status, result = check(capsys, "--rows", str(rows), str(log))
    assert status == 2 and result.out == "" and result.err.count("\n") == 1
    assert said in result.err and "Traceback" not in result.err


def test_rows_and_a_server_do_not_go_together(capsys, tmp_path):
    status, result = check(capsys, "--rows", str(tmp_path / "r.jsonl"), "--clickhouse", "http://localhost:8123",
                           "--table", "raw")
    assert status == 2 and "--rows reads a saved result of the query: leave --clickhouse out" in result.err


def test_rows_from_the_query_of_another_catalog_are_refused(capsys, catalog, tmp_path):
    """The query groups records by what the catalog checks (here: the values of a field with an
    allowed list); read with a catalog that checks other things, those groups would be wrong."""
    import shutil

    import chdb
    log = tmp_path / "day.log"
    log.write_text("\n".join(hostile_lines(catalog)) + "\n", encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(chdb.query(printed_sql(capsys, str(log)), "JSONEachRow").bytes())
    changed = tmp_path / "catalog"
    shutil.copytree(CATALOG, changed)
    event = changed / "events" / "edx.course.enrollment.activated.yaml"
    event.write_text(event.read_text().replace("allowed: [audit, honor, verified]", "allowed: [audit, honor]"))
    status = main(["logs", "check", "--catalog", str(changed), "--rows", str(rows), str(log)])
    err = capsys.readouterr().err
    assert status == 2 and err == (f"eventcat logs check: {rows}: the rows come from a query printed for another "
                                   "catalog or eventcat version (print it again with `eventcat logs sql` and run "
                                   "it again)\n")
    assert main(["logs", "check", "--catalog", str(CATALOG), "--rows", str(rows), str(log)]) == 0
