"""Found reviewing the logs commands from an installed wheel, as a newcomer follows the guides:
each test is a defect that was there, with the input that showed it."""

import gzip
import json
import os

import pytest

from conftest import FIXTURES

from eventcat.cli import main

if os.environ.get("CI") != "true":  # on CI the extra is installed: a skip there would hide a failure
    pytest.importorskip("chdb", reason="the ClickHouse engine's extra is not installed (pip install 'eventcat[clickhouse]')")

CATALOG = FIXTURES / "logs" / "catalog"
RECORD = b'{"event_type": "x.y", "event_source": "server", "time": "2025-03-01T00:00:00Z", "event": {}}\n'


def run(capsys, *args):
    status = main(["logs", "check", "--catalog", str(CATALOG), "--engine", "clickhouse", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_local_brace_pattern_that_matches_no_file_is_an_error(capsys, tmp_path):
    """'day-{1,2}.log' with no such files gave an empty report and exit 0 (a typo in a CI job's
    path passed its --fail-on gates); 'day-*.log' already said 'no file matches'."""
    pattern = str(tmp_path / "day-{1,2}.log")
    status, out, err = run(capsys, pattern)
    assert (status, out) == (2, "")
    assert err == f"eventcat logs check: {pattern}: no file matches\n"
    status, _, err = run(capsys, str(tmp_path / "day-{01..09}.log.gz"))
    assert status == 2 and err.endswith(": no file matches\n")


def test_a_local_brace_pattern_that_matches_is_read(capsys, tmp_path):
    (tmp_path / "day-02.log").write_bytes(RECORD)
    (tmp_path / "day-10.log.gz").write_bytes(gzip.compress(RECORD * 2))
    for pattern in ("day-{01..03}.log", "day-{02,05}.log", "day-{02.log,10.log.gz}"):
        status, out, err = run(capsys, "--format", "json", str(tmp_path / pattern))
        assert (status, err) == (0, ""), pattern
        assert '"records": ' + ("3" if "10" in pattern else "1") in out, pattern


def test_a_star_in_a_web_url_is_one_line_of_ours(capsys):
    """'http://host/*.gz' gave ClickHouse's 'Code: 344. DB::Exception: Wildcard expansion for `url`
    from HTTP index pages is experimental...' (the guide: only S3 URLs can hold *)."""
    url = "http://127.0.0.1:9/tracking/*.log.gz"
    status, out, err = run(capsys, url)
    assert (status, out) == (2, "")
    assert err == (f"eventcat logs check: {url}: only an S3 URL can hold * (a web server lists no files): "
                   "name the files, with {a,b} or {1..31} if you like\n")
    assert main(["logs", "sql", "--catalog", str(CATALOG), url]) == 2
    assert capsys.readouterr().err.startswith(f"eventcat logs sql: {url}: only an S3 URL can hold *")
    status, _, err = run(capsys, "https://reader:s3cret@logs.example.org/*.log")
    assert status == 2 and err.startswith("eventcat logs check: https://reader:***@logs.example.org/*.log: only")


def test_an_s3_endpoint_that_refuses_is_one_line_and_soon():
    """ClickHouse retries S3 500 times (s3_retry_attempts): '--s3-endpoint http://127.0.0.1:PORT'
    with nothing listening ran for more than 6 minutes, then said 'HTTP 184 error' (the first
    three digits of 'HTTP response code: 18446744073709551615', which means none)."""
    import socket
    import subprocess
    import sys
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # the timeout catches the hang, not a speed
    done = subprocess.run([sys.executable, "-m", "eventcat", "logs", "check", "--catalog", str(CATALOG),
                           "--engine", "clickhouse", "--s3-endpoint", f"http://127.0.0.1:{port}",
                           "s3://tracking/2025/day.log.gz"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "eventcat logs check: s3://tracking/2025/day.log.gz: cannot connect (Connection refused)\n"


@pytest.mark.parametrize("url", ["notaurl", "ftp://reader:s3cret@ch.example.org:21", "clickhouse.internal:8123",
                                 "http://", "tcp://127.0.0.1:9000"])
def test_a_clickhouse_url_that_is_not_http_is_said_so(capsys, url):
    """'--clickhouse notaurl' said 'notaurl: cannot connect (Connection refused)' and an ftp://
    URL 'cannot connect (Name or service not known)': as if a server were down, where the URL
    itself cannot work (clickhouse-connect speaks HTTP only)."""
    status = main(["logs", "check", "--catalog", str(CATALOG), "--clickhouse", url, "--table", "db.t"])
    err = capsys.readouterr().err
    shown = url.replace("s3cret", "***")
    assert status == 2
    assert err == (f"eventcat logs check: '{shown}': a ClickHouse server is http[s]://[USER:PASSWORD@]HOST[:PORT]"
                   "[/DATABASE], like http://localhost:8123\n")


def test_the_help_of_side_says_what_the_guide_says(capsys):
    """--help said 'side: an event_source the catalog does not list for the event' only; a Segment
    message of an event not sent through Segment is a 'side' finding too (checking-logs.md)."""
    with pytest.raises(SystemExit):
        main(["logs", "check", "--help"])
    out = capsys.readouterr().out
    side = out[out.index("\n  side "):].split("\n  pii ")[0]
    assert "Segment message" in side


def test_a_place_in_a_web_servers_file_names_the_server(capsys):
    """A place read with url() was the URL's path alone ('/day.log:1'): the same file name on two
    servers (or a mirror) gave one place, and the reader could not tell which server to look at."""
    from test_logs_remote import http_server
    with http_server({"/logs/day.log": b"not json\n" + RECORD}) as (base, _):
        mirror = base.replace("127.0.0.1", "reader:s3cret@localhost")
        status, out, err = run(capsys, f"{base}/logs/day.log", f"{mirror}/logs/day.log")
    assert (status, err) == (0, "")
    shown = mirror.replace("s3cret", "***")
    assert f"  {base}/logs/day.log:1: no JSON object on the line\n" in out
    assert f"  {shown}/logs/day.log:1: no JSON object on the line\n" in out


def test_a_bracket_glob_is_expanded_and_a_file_named_with_a_bracket_is_that_file(capsys, tmp_path):
    """'day-[12].log', quoted as the guide says, was 'no such file' (only *, ? and { were taken
    for a pattern); a file whose name holds '[' or '*' is read as that file, by both engines."""
    for name in ("day-1.log", "day-2.log", "day-3.log"):
        (tmp_path / name).write_bytes(RECORD)
    status, out, err = run(capsys, "--format", "json", str(tmp_path / "day-[12].log"))
    assert (status, err) == (0, "") and '"records": 2,' in out
    odd = tmp_path / "odd[1]*.log"
    odd.write_bytes(RECORD * 3)
    for engine in ("python", "clickhouse"):
        status = main(["logs", "check", "--catalog", str(CATALOG), "--engine", engine, "--format", "json", str(odd)])
        captured = capsys.readouterr()
        assert (status, captured.err) == (0, ""), engine
        assert '"records": 3,' in captured.out


def test_a_servers_refusal_is_one_line_naming_the_server_and_what_to_check(capsys):
    """A server's errors came as clickhouse-connect's 'Received ClickHouse exception, code: 47,
    server response: Code: 47. DB::Exception: Unknown expression or function identifier `nope`.
    Maybe you meant: ['lone']. In scope SELECT ... (for url ...)': the query's insides (and a
    suggestion naming an alias of ours) rather than which option to check."""
    pytest.importorskip("clickhouse_connect")
    from clickhouse_http import ClickHouseOverChdb
    with ClickHouseOverChdb() as server:
        server.db.query("CREATE DATABASE openedx")
        server.db.query("CREATE TABLE openedx.raw (message String) ENGINE = Memory")
        shown = server.url.replace(server.password.replace(" ", "%20"), "***")
        said = {}
        for name, args in {"password": (server.url.replace("s3cret", "wrong"), "--table", "openedx.raw"),
                           "table": (server.url, "--table", "openedx.nope"),
                           "database": (server.url, "--table", "nodb.raw"),
                           "column": (server.url, "--table", "openedx.raw", "--column", "nope")}.items():
            status = main(["logs", "check", "--catalog", str(CATALOG), "--clickhouse", *args])
            captured = capsys.readouterr()
            assert (status, captured.out) == (2, ""), name
            said[name] = captured.err
    wrong = shown.replace("s3cret", "wrong")
    assert said["password"].startswith(f"eventcat logs check: {wrong}: ")
    assert said["password"].endswith(" (AUTHENTICATION_FAILED: check the user and password in the URL)\n")
    assert said["table"] == (f"eventcat logs check: {shown}: Unknown table expression identifier 'openedx.nope' "
                             "(UNKNOWN_TABLE: check --table)\n")
    assert said["database"] == (f"eventcat logs check: {shown}: Database nodb does not exist "
                                "(UNKNOWN_DATABASE: check --table)\n")
    assert said["column"] == (f"eventcat logs check: {shown}: Unknown expression or function identifier `nope` "
                              "(UNKNOWN_IDENTIFIER: check --column, the column that holds each record)\n")


def test_the_guide_says_what_the_rows_of_logs_sql_are(capsys, tmp_path):
    """The guide said each row of the printed query's result was 'one fact of the report: a
    section (event, undocumented, implicit, finding, malformed, ...)' and suggested saving the
    rows from cron; the rows are grouped records that only eventcat turns into a report, and no
    section of those names but 'malformed' comes out."""
    import chdb

    from conftest import ROOT
    log = tmp_path / "day.log"
    log.write_bytes(b"# a comment\n\nnot json\n" + RECORD +
                    b'{"event_type": "x.y", "event_source": "server", "event": {"email": "a@example.org"}}\n')
    assert main(["logs", "sql", "--catalog", str(CATALOG), str(log)]) == 0
    rows = chdb.query(capsys.readouterr().out, "JSONCompactEachRow").bytes().decode().splitlines()
    sections = {row.split('"')[1] for row in rows if row.strip()}
    assert {"group", "blank", "comment", "malformed"} <= sections <= {"group", "whole", "blank", "comment",
                                                                       "malformed", "pii?"}
    guide = " ".join((ROOT / "docs" / "guides" / "checking-months-of-logs.md").read_text().split())
    said = guide[guide.index("eventcat logs sql --table DATABASE.TABLE"):guide.index("## A bucket of daily files")]
    assert all(f"`{section}`" in said for section in ("group", "blank", "comment", "malformed", "pii?"))
    assert "one fact of the report" not in guide and "facts.jsonl" not in guide
    help_text = " ".join(main_help("sql").split())
    assert "one fact of the report" not in help_text and "grouped records" in help_text


def main_help(action):
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["logs", action, "--help"])
    return out.getvalue()


def test_logs_sql_with_cluster_refuses_local_files(capsys, tmp_path):
    """'logs sql --cluster analytics day.log' printed a query that reads day.log with file(), on
    whichever node runs it, the cluster left out without a word ('logs check' refuses the same)."""
    log = tmp_path / "day.log"
    log.write_bytes(RECORD)
    assert main(["logs", "sql", "--catalog", str(CATALOG), "--cluster", "analytics", str(log)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"eventcat logs sql: --cluster reads s3 URLs, not local files: {log} is read by "
                            "ClickHouse on this machine (leave --cluster out)\n")


@pytest.mark.parametrize("engine", ["python", "clickhouse"])
def test_a_url_with_a_user_and_an_ip_host_is_not_a_personal_ip_address(capsys, tmp_path, engine):
    """'https://user:pass@10.0.0.1/x' was reported 'looks like ip-address', where the guide says
    the host of a URL is a server's address and is not reported ('http://10.0.0.1/' was not)."""
    from eventcat.logs.pii import pii_kind
    urls = ["https://user:pass@10.0.0.1/x", "http://reader@[2001:db8::1]:8080/", "http://10.0.0.1/"]
    assert [pii_kind(url) for url in urls] == [None, None, None]
    # an address that is not a URL's host still is one
    assert pii_kind("from 10.0.0.1 via https://h/") == pii_kind("user@10.0.0.1:22") == "ip-address"
    log = tmp_path / "day.log"
    good = json.loads((FIXTURES / "logs" / "good.jsonl").read_text().splitlines()[0])
    assert good["event_type"] == "edx.course.enrollment.activated"
    lines = []
    for url in [*urls, "10.0.0.1"]:  # a documented event, the URL in a key it does not declare
        good["event"]["link"] = url
        lines.append(json.dumps(good) + "\n")
    log.write_text("".join(lines))
    status = main(["logs", "check", "--catalog", str(CATALOG), "--engine", engine, "--format", "json", str(log)])
    found = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["kind"] == "pii"]
    assert status == 0 and [(f["field"], f["count"]) for f in found] == [("link", 1)]  # the bare address only
