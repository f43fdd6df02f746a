"""`eventcat logs check --clickhouse URL --table NAME` end to end, through the real
clickhouse-connect client, against ClickHouse's HTTP interface answered by chDB
(clickhouse_http.py): the log-in from the URL, the exact SQL `eventcat logs sql` prints, the
settings the client sends and the decoding of Native results (arrays of tuples, nullable times,
64-bit counts) all run, on an Aspects-style table of raw records. A real server is tested by
test_logs_clickhouse.py when EVENTCAT_CLICKHOUSE_URL is set."""

import json
import os

import pytest

from conftest import FIXTURES

from eventcat.cli import main
from eventcat.logs.check import check_logs
from eventcat.pipeline import build_catalog

if os.environ.get("CI") != "true":  # on CI the extra is installed: a skip there would hide a failure
    pytest.importorskip("chdb", reason="the ClickHouse engine's extra is not installed (pip install 'eventcat[clickhouse]')")
    pytest.importorskip("clickhouse_connect", reason="the ClickHouse engine's extra is not installed")
from clickhouse_http import ClickHouseOverChdb
from test_logs_clickhouse import comparable, hostile_lines
from test_logs_remote import http_server

CATALOG = FIXTURES / "logs" / "catalog"


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(CATALOG)[0]


@pytest.fixture(scope="module")
def lines(catalog):
    return [line for line in hostile_lines(catalog) if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def server(lines):
    """Aspects' raw tracking-log table (openedx._tracking: time DateTime, message String, as its
    migration makes it) holding the records, and a table of whole LMS log lines."""
    with ClickHouseOverChdb() as server:
        server.db.query("CREATE DATABASE openedx")
        server.db.query("CREATE TABLE openedx._tracking (`time` DateTime, `message` String) "
                        "ENGINE MergeTree ORDER BY time")
        rows = "\n".join(json.dumps({"time": 1735812000 + i, "message": line}) for i, line in enumerate(lines))
        server.db.query(f"INSERT INTO openedx._tracking FORMAT JSONEachRow\n{rows}")
        server.db.query("CREATE TABLE openedx.lms_lines (`line` String) ENGINE MergeTree ORDER BY tuple()")
        rows = "\n".join(json.dumps({"line": line}) for line in lms_lines(lines))
        server.db.query(f"INSERT INTO openedx.lms_lines FORMAT JSONEachRow\n{rows}")
        yield server


def lms_lines(lines):
    return [f"2025-01-02 10:00:00,{i % 1000:03d} INFO 7 [tracking] logger.py:1 - {line}" for i, line in enumerate(lines)]


def run(capsys, *args):
    status = main(["logs", "check", "--catalog", str(CATALOG), "--format", "json", *args])
    captured = capsys.readouterr()
    return status, captured


def test_an_aspects_table_through_clickhouse_connect(capsys, tmp_path, catalog, lines, server):
    log = tmp_path / "records.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    python = check_logs(catalog, [log])
    server.queries.clear()
    status, result = run(capsys, "--clickhouse", f"{server.url}/openedx", "--table", "openedx._tracking",
                         "--column", "message")
    assert status == 0, result.err
    sql = json.loads(result.out)
    assert sql["records"] == python.records > 300 and sql["malformed"] == python.malformed > 0
    assert same(result.out) == same(python)
    assert sql["findings"][0]["where"] == ["(no line numbers in a table)"]
    # the server ran the very query `eventcat logs sql` prints, with the client's own settings only
    assert main(["logs", "sql", "--catalog", str(CATALOG), "--table", "openedx._tracking", "--column", "message"]) == 0
    printed = capsys.readouterr().out
    ran = [(q, s) for q, s in server.queries if "openedx._tracking" in q]
    assert len(ran) == 1 and ran[0][0].rstrip("\n ") == printed.rstrip("\n")
    assert not {k for k in ran[0][1] if k.startswith("param_")}


def test_whole_lms_log_lines_in_a_column(capsys, catalog, lines, server, tmp_path):
    log = tmp_path / "tracking.log"
    log.write_text("\n".join(lms_lines(lines)) + "\n", encoding="utf-8")
    status, result = run(capsys, "--clickhouse", server.url, "--table", "openedx.lms_lines", "--column", "line")
    assert status == 0, result.err
    assert same(result.out) == same(check_logs(catalog, [log]))


def test_the_server_reads_urls_itself(capsys, catalog, lines, server, tmp_path):
    """--clickhouse with URLs: the server's url() reads them; places name the file it read."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    (tmp_path / "day.log").write_bytes(data)
    with http_server({"/day.log": data}) as (base, requests):
        status, result = run(capsys, "--clickhouse", server.url, f"{base}/day.log")
    assert status == 0, result.err
    python = check_logs(catalog, [tmp_path / "day.log"])
    report = json.loads(result.out)
    assert report["records"] == python.records and report["counts"] == python.counts()
    # (the URL, not its path alone: the same name on two servers is two places)
    assert requests and all(w.startswith(f"{base}/day.log:") for f in report["findings"] for w in f["where"])


def test_server_errors_are_one_line(capsys, server):
    wrong = server.url.replace("s3cret", "wrong")
    for args, said in [((wrong, "--table", "openedx._tracking"), "Authentication failed"),
                       ((server.url, "--table", "openedx.nope"), "UNKNOWN_TABLE"),
                       ((server.url, "--table", "openedx._tracking", "--column", "nope"), "nope")]:
        status, result = run(capsys, "--clickhouse", *args)
        assert status == 2 and result.out == "", result.err
        assert result.err.startswith("eventcat logs check: ") and result.err.count("\n") == 1
        assert said in result.err and "Traceback" not in result.err


class _Printed:
    """What `logs check --format json` printed, for comparable()."""

    def __init__(self, text):
        self.text = text

    def to_json(self):
        return self.text


def same(report):
    """The report with no places (a table has no line numbers), whichever catalog path named it."""
    data = comparable(_Printed(report) if isinstance(report, str) else report, places=False)
    data.pop("catalog")
    return data
