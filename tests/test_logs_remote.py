"""The ClickHouse engine on logs that are not on this machine, for real: an HTTP server and an
S3-compatible server (moto) run inside the test, serve generated daily logs, plain and gzip, and
chDB reads them through ClickHouse's url() and s3() table functions. Each report is compared
whole with the Python engine's over the same files read locally; only the folders in places
differ (a URL's path or a bucket key where Python names the local file)."""

import gzip
import json
import os
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import ClassVar

import pytest

from conftest import FIXTURES

from eventcat.cli import main
from eventcat.logs.check import check_logs
from eventcat.logs.synth import records
from eventcat.pipeline import build_catalog

if os.environ.get("CI") != "true":  # on CI the extras are installed: a skip there would hide a failure
    pytest.importorskip("chdb", reason="the ClickHouse engine's extra is not installed (pip install 'eventcat[clickhouse]')")
from test_logs_clickhouse import comparable, hostile_lines

from eventcat.logs.clickhouse import assemble, check_clickhouse, local_or_remote, query_for, run_chdb
from eventcat.logs.remote import S3Access, table_function

LOGS = FIXTURES / "logs"
CATALOG = LOGS / "catalog"
KEY, SECRET = "AKIDEVENTCATTEST", "eventcat-test-secret"


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(CATALOG)[0]


def same_apart_from_folders(report, files=True):
    """The report as JSON, each place named by the file's base name and its line."""
    data = comparable(_Saved(report) if isinstance(report, str) else report)
    data.pop("catalog")

    def base(where):
        path, _, line = where.rpartition(":")
        return f"{PurePosixPath(path).name}:{line}"
    for section in ("events", "undocumented", "implicit", "calls"):
        for seen in data[section].values():
            seen["where"] = [base(w) for w in seen["where"]]
    for finding in data["findings"]:
        finding["where"] = [base(w) for w in finding["where"]]
    data["unnamed_where"] = [base(w) for w in data["unnamed_where"]]
    for example in data["malformed_examples"]:
        example["where"] = base(example["where"])
    if files:
        for summary in data["files"]:
            summary["path"] = PurePosixPath(summary["path"]).name
    else:  # one glob, many files: ClickHouse sums them up under the glob
        data["files"] = sum(f["lines"] for f in data["files"])
    return data


class _Saved:
    """A report printed by `logs check --format json`, for comparable()."""

    def __init__(self, text):
        self.text = text

    def to_json(self):
        return self.text


def daily_logs(catalog, folder, days=3):
    """A few days of logs: generated records of every kind, hostile lines, gzip and plain."""
    lines = hostile_lines(catalog)
    made = {}
    for day in range(days):
        text = "\n".join(lines[day::days]) + "\n"
        name = f"2026-01-{day + 1:02d}.log"
        if day % 2 == 0:
            made[name + ".gz"] = gzip.compress(text.encode("utf-8"))
        else:
            made[name] = text.encode("utf-8")
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return made


# --- an HTTP server ------------------------------------------------------------------------------

class _Files(BaseHTTPRequestHandler):
    """GET and HEAD of files held in memory, with byte ranges when `ranges` is on (as object
    stores and most web servers do), and a HEAD that fails when `head` is off (some signed-URL
    services refuse it). Every request is written down."""
    files: ClassVar[dict[str, bytes]] = {}
    requests: ClassVar[list[tuple[str, str, str | None]]] = []
    ranges = True
    head = True

    def log_message(self, *args):  # quiet
        pass

    def do_HEAD(self):
        self.requests.append(("HEAD", self.path, None))
        if not self.head:
            self.send_error(405)
            return
        self._send(body=False)

    def do_GET(self):
        self.requests.append(("GET", self.path, self.headers.get("Range")))
        self._send(body=True)

    def _send(self, body):
        data = self.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        wanted = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range") or "") if self.ranges else None
        if wanted:
            start = int(wanted[1])
            end = int(wanted[2]) if wanted[2] else len(data) - 1
            part = data[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{start + len(part) - 1}/{len(data)}")
        else:
            part = data
            self.send_response(200)
        if self.ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(part)))
        self.end_headers()
        if body:
            self.wfile.write(part)


@contextmanager
def http_server(files, ranges=True, head=True):
    handler = type("Handler", (_Files,), {"files": files, "requests": [], "ranges": ranges, "head": head})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def test_http_urls_plain_and_gzip_give_the_python_report(catalog, tmp_path):
    made = daily_logs(catalog, tmp_path)
    local = [tmp_path / name for name in made]
    with http_server({f"/logs/{name}": data for name, data in made.items()}) as (base, requests):
        urls = [f"{base}/logs/{name}" for name in made]
        sql = check_clickhouse(catalog, urls)
    python = check_logs(catalog, local)
    assert same_apart_from_folders(sql) == same_apart_from_folders(python)
    assert [f.gzip for f in sql.files] == [True, False, True] and python.counts()["malformed"]
    # ClickHouse asks for the size first, then reads each file once
    assert {(method, path) for method, path, _ in requests} == {
        (method, f"/logs/{name}") for name in made for method in ("HEAD", "GET")}


@pytest.fixture(scope="module")
def large_log(catalog, tmp_path_factory):
    """A plain log of two of ClickHouse's download buffers (10 MiB) and more, so that it reads it
    in ranges when the server allows; its Python report, made once."""
    lines = [json.dumps(r) for r in records(catalog, 2000, seed=7)] + hostile_lines(catalog)[-12:]
    text = "\n".join(lines) + "\n"
    data = (text * (21 * 2**20 // len(text) + 1)).encode("utf-8")
    path = tmp_path_factory.mktemp("large") / "2026-01-31.log"
    path.write_bytes(data)
    return path, check_logs(catalog, [path])


@pytest.mark.parametrize("ranges, head", [(True, True), (False, True), (True, False)],
                         ids=["ranges", "no-ranges", "no-head"])
def test_http_a_large_file_in_ranges_or_whole(catalog, large_log, ranges, head):
    """Lines cut across ranges are put together again: the report is the same however the
    server lets ClickHouse read (ranges in parallel, one stream, no HEAD at all)."""
    path, python = large_log
    with http_server({f"/{path.name}": path.read_bytes()}, ranges, head) as (base, requests):
        sql = check_clickhouse(catalog, [f"{base}/{path.name}"])
    assert same_apart_from_folders(sql) == same_apart_from_folders(python)
    in_ranges = [r for method, _, r in requests if method == "GET" and r]
    assert (len(in_ranges) >= 2) == (ranges and head)


def test_http_errors_are_one_line(capsys, catalog, tmp_path):
    made = daily_logs(catalog, tmp_path, days=2)
    with http_server({f"/{name}": data for name, data in made.items()}) as (base, _):
        status = main(["logs", "check", "--catalog", str(CATALOG), "--engine", "clickhouse", f"{base}/missing.log"])
        err = capsys.readouterr().err
        assert status == 2 and err.startswith("eventcat logs check: ") and err.count("\n") == 1
        assert "404" in err and "Traceback" not in err
        # an alternation of a plain and a gzip file is read with one compression (ClickHouse tells
        # it by the pattern's suffix): the gzip bytes are malformed lines, not a crash
        names = ",".join(made)
        status = main(["logs", "check", "--catalog", str(CATALOG), "--engine", "clickhouse",
                       "--format", "json", f"{base}/{{{names}}}"])
        out = capsys.readouterr().out
    assert status == 0 and json.loads(out)["malformed"] > 0


def test_a_host_that_refuses_is_reported_at_once_and_named():
    """ClickHouse's own retries took 2 min 13 s to give up on a refused connection; the message
    named no address."""
    import socket
    import subprocess
    import sys
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/day.log"
    # the timeout catches a hang, not a speed: the retries alone took 133 s
    done = subprocess.run([sys.executable, "-m", "eventcat", "logs", "check", "--catalog", str(CATALOG),
                           "--engine", "clickhouse", url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    # in the words used for a server that cannot be reached, not ClickHouse's "Code: 1000. DB::Exception"
    assert done.stderr == f"eventcat logs check: {url}: cannot connect (Connection refused)\n"


def test_a_host_with_no_address_is_one_line_of_ours(capsys):
    """ClickHouse's DNS_ERROR, with its 'While executing URL' trail, was shown as it came."""
    url = "http://reader:s3cret@no-such-host.invalid/day.log"
    assert main(["logs", "check", "--catalog", str(CATALOG), "--engine", "clickhouse", url]) == 2
    err = capsys.readouterr().err
    # (the resolver's answer depends on the machine: no address, or none reachable)
    assert err.startswith("eventcat logs check: http://reader:***@no-such-host.invalid/day.log: cannot connect (")
    assert err.count("\n") == 1 and "DB::Exception" not in err and "s3cret" not in err


def test_a_refused_url_is_shown_without_its_password_and_on_one_line():
    import socket
    import subprocess
    import sys
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://reader:s3cret@127.0.0.1:{port}/day\x1b[2J.log"
    done = subprocess.run([sys.executable, "-m", "eventcat", "logs", "check", "--catalog", str(CATALOG),
                           "--engine", "clickhouse", url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "s3cret" not in done.stderr and "reader:***@127.0.0.1" in done.stderr
    assert "\x1b" not in done.stderr and "\\x1b" in done.stderr and done.stderr.count("\n") == 1


# --- an S3-compatible server ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3_server():
    if os.environ.get("CI") != "true":
        pytest.importorskip("moto", reason="the test extra is not installed (pip install -e '.[test]')")
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, catalog, tmp_path, monkeypatch):
    """A bucket of daily logs under 2026/MM/, one 2025 file that the glob must leave out, and the
    keys in the environment, where the AWS tools (and ClickHouse) look for them."""
    import boto3
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    name = f"tracking-{os.getpid()}-{len(client.list_buckets()['Buckets'])}"
    client.create_bucket(Bucket=name)
    made = daily_logs(catalog, tmp_path, days=4)
    local = []
    for index, (file, data) in enumerate(made.items()):
        if file.endswith(".gz"):
            client.put_object(Bucket=name, Key=f"2026/0{1 + index // 2}/{file}", Body=data)
            local.append(tmp_path / file)
        else:
            client.put_object(Bucket=name, Key=f"2025/12/{file}", Body=data)
    return name, sorted(local)


def check_json(capsys, *args):
    status = main(["logs", "check", "--catalog", str(CATALOG), "--engine", "clickhouse", "--format", "json", *args])
    captured = capsys.readouterr()
    return status, captured


def test_s3_bucket_glob_with_an_endpoint_option(capsys, catalog, s3_server, bucket):
    name, local = bucket
    status, result = check_json(capsys, "--s3-endpoint", s3_server, f"s3://{name}/2026/*/*.log.gz")
    assert status == 0, result.err
    python = check_logs(catalog, local)
    sql = json.loads(result.out)
    python_data = same_apart_from_folders(python, files=False)
    assert same_apart_from_folders(result.out, files=False) == python_data
    assert sql["records"] == python.records > 0 and sql["files"][0]["path"] == f"s3://{name}/2026/*/*.log.gz"
    # places name the object that ClickHouse read: BUCKET/KEY:line
    places = [w for f in sql["findings"] for w in f["where"]]
    assert places and all(re.match(rf"^{name}/2026/0[12]/2026-01-0[13]\.log\.gz:\d+$", w) for w in places)


def test_s3_endpoint_from_the_aws_variable_and_no_keys(capsys, catalog, s3_server, bucket, monkeypatch):
    name, local = bucket
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    status, result = check_json(capsys, f"s3://{name}/2026/01/*.gz")
    assert status == 0, result.err
    assert json.loads(result.out)["records"] == check_logs(catalog, local[:1]).records
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    status, result = check_json(capsys, f"s3://{name}/2026/01/*.gz")  # the bucket is private
    assert status == 2 and result.out == "" and result.err.count("\n") == 1
    assert result.err.startswith("eventcat logs check: ") and "Traceback" not in result.err
    status, result = check_json(capsys, "--s3-endpoint", "localhost:9000", f"s3://{name}/x.gz")
    assert status == 2 and result.err == ("eventcat logs check: 'localhost:9000': an S3 endpoint is "
                                          "http[s]://HOST[:PORT], like http://localhost:9000\n")


def test_an_s3_pattern_that_matches_nothing_is_an_error(capsys, s3_server, bucket):
    """It gave an empty report and exit 0, a clean check of nothing, where a local pattern that
    matches nothing is an error."""
    name, _ = bucket
    status, result = check_json(capsys, "--s3-endpoint", s3_server, f"s3://{name}/2027/*/*.log.gz")
    assert status == 2 and result.out == ""
    assert result.err == f"eventcat logs check: s3://{name}/2027/*/*.log.gz: no file matches\n"


def test_s3_keys_in_a_named_collection_never_in_the_sql(capsys, catalog, s3_server, bucket, monkeypatch):
    """On a server the keys live in a named collection; the query names it and gives the URL. Run here in a chDB session that holds such a collection, with no keys in the
    environment, so the collection is what lets the query in."""
    from chdb import session
    name, local = bucket
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    db = session.Session()
    db.query(f"CREATE NAMED COLLECTION tracking_logs AS access_key_id = '{KEY}' NOT OVERRIDABLE, "
             f"secret_access_key = '{SECRET}' NOT OVERRIDABLE")  # the keys only, as the guide has it
    access = S3Access(endpoint=s3_server, collection="tracking_logs")
    source = local_or_remote([f"s3://{name}/2026/*/*.log.gz"], access=access)
    sql = query_for(catalog, source)
    assert KEY not in sql and SECRET not in sql and "s3(tracking_logs, url = " in sql
    report = assemble(run_chdb(sql, db), catalog, source)
    assert same_apart_from_folders(report, files=False) == same_apart_from_folders(check_logs(catalog, local), files=False)
    # what `logs sql` prints for a cluster: s3Cluster with the same arguments after the cluster
    assert main(["logs", "sql", "--catalog", str(CATALOG), "--cluster", "analytics", "--s3-collection",
                 "tracking_logs", "--s3-endpoint", s3_server, f"s3://{name}/2026/*/*.log.gz"]) == 0
    printed = capsys.readouterr().out
    assert (f"s3Cluster('analytics', tracking_logs, url = '{s3_server}/{name}/2026/*/*.log.gz', "
            "format = 'LineAsString', structure = 'line String')") in printed
    assert main(["logs", "check", "--catalog", str(CATALOG), "--engine", "clickhouse", "--s3-collection",
                 "tracking_logs", f"s3://{name}/x.gz"]) == 2
    assert "--clickhouse URL" in capsys.readouterr().err


def test_which_function_reads_which_url():
    assert table_function("s3://b/k/*.gz") == "s3('s3://b/k/*.gz', 'LineAsString', 'line String')"
    assert table_function("gs://b/k.gz").startswith("s3('gs://b/k.gz'")
    assert table_function("https://b.s3.eu-west-1.amazonaws.com/k/*.gz").startswith("s3(")
    assert table_function("https://s3.amazonaws.com/b/k/*.gz").startswith("s3(")
    assert table_function("https://logs.example.org/{a,b}.log").startswith("url(")
    assert table_function("https://logs.example.org/a.log", cluster="c").startswith("url(")
    local = S3Access(endpoint="http://127.0.0.1:9000/")
    assert table_function("s3://b/2026/*.gz", local) == "s3('http://127.0.0.1:9000/b/2026/*.gz', 'LineAsString', 'line String')"
    assert table_function("http://127.0.0.1:9000/b/*.gz", local).startswith("s3(")
    assert table_function("s3://b/k.gz", cluster="it's").startswith("s3Cluster('it\\'s', 's3://b/k.gz'")
    for bad in ("x; DROP", "1a"):
        with pytest.raises(ValueError, match="named collection"):
            S3Access(collection=bad)
