"""The ClickHouse engine gives the Python engine's report: both engines on every fixture log and on
generated hostile-ish logs, compared whole. chDB gives file:line places, so places are compared too,
and malformed lines' reasons. The server path (a table of raw records, no line
numbers) runs against EVENTCAT_CLICKHOUSE_URL when it is set, and in a chDB session otherwise."""

import gzip
import json
import os
import random

import pytest

from conftest import FIXTURES

from eventcat.cli import main
from eventcat.logs.check import check_logs
from eventcat.logs.synth import records
from eventcat.pipeline import build_catalog

if os.environ.get("CI") != "true":  # on CI the extra is installed (make setup): a skip would hide a failure
    pytest.importorskip("chdb")
from eventcat.logs.clickhouse import (
    NO_PLACE,
    assemble,
    check_clickhouse,
    local_or_remote,
    query_for,
    run_chdb,
    table_source,
)

LOGS = FIXTURES / "logs"
FIXTURE_LOGS = sorted(p for p in LOGS.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(LOGS / "catalog")[0]


def comparable(report, places=True):
    data = json.loads(report.to_json())
    data.pop("made")
    for example in data["malformed_examples"]:
        if not places:
            example["where"] = NO_PLACE
    if not places:
        for section in ("events", "undocumented", "implicit", "calls"):
            for seen in data[section].values():
                seen["where"] = []
        for finding in data["findings"]:
            finding["where"] = []
        data["unnamed_where"] = []
        data["malformed_examples"] = sorted({json.dumps(m) for m in data["malformed_examples"]})
        for f in data["files"]:
            f.update(path="", lines=0, blank=0, comments=0, gzip=False)
    return data


def hostile_lines(catalog):
    """Records of every kind, then the awkward ones: wrong types everywhere, names past the shown
    length, unicode, nesting, null and empty values, IP URLs and personal data, LMS log lines."""
    rng = random.Random(11)
    out = []
    for index, record in enumerate(records(catalog, 300, seed=4)):
        roll = rng.random()
        if roll < 0.1:
            record["name"] = record["event_type"] = "edx.undoc." + "ü" * (index % 150)
        elif roll < 0.15:
            record.pop("name", None)
            record["event_type"] = f"/courses/course-v1:X+{index}/jump_to/{'a' * 45}?x=1"
        elif roll < 0.2 and isinstance(record.get("event"), dict):
            record["event"] = {k: [v] for k, v in record["event"].items()}  # every field an array
        elif roll < 0.25:
            record["context"] = {"course_id": None, "user_id": "", "deep": {"a": {"b": {"c": 1}}}}
        elif roll < 0.3:
            record["event_source"] = rng.choice(["", "it's", 'say "x"', "robot"])
        elif roll < 0.35:
            record["time"] = rng.choice([None, 12, "", "2025-13-45T00:00:00", "2025-03-03 08:00:00"])
        out.append(json.dumps(record, ensure_ascii=rng.random() < 0.5))
    out += [
        '{"username": "u", "event_type": "edx.course.enrollment.activated", "event_source": "server", '
        '"time": "2025-01-02T10:00:00+00:00", "page": "http://10.0.0.1/x", "event": {"course_id": "c", '
        '"user_id": 1.5, "mode": "verified", "note": "mail me: a.b@example.org", "origin": "web", '
        '"extra": {"nested": "x"}, "is_active": 1}}',
        '{"type": "track", "event": "Promotion Viewed", "messageId": "m", "timestamp": "2025-02-06T10:00:00Z", '
        '"properties": "not an object"}',
        '{"type": "page", "anonymousId": "a", "timestamp": "2025-02-06T10:00:00Z", "properties": {}}',
        '{"name": "edx.course.enrollment.activated", "timestamp": "2025-01-05T10:00:00+00:00", '
        '"context": {"event_source": "server"}, "data": "{\\"course_id\\": 5}"}',
        '2025-01-02 10:00:00,001 INFO 1 [tracking] x.py:1 - {"event_type": "problem_check", '
        '"event_source": "browser", "event": "\\"input_1=2\\"", "time": "2025-01-02T10:00:00+00:00"}',
        '{"event_type": "problem_check", "event_source": "server", "event": "", "username": "u"}',
        '{"event_type": "problem_check", "event_source": "server", "event": null}',
        '{"event_type": "edx.video.played", "event_source": "browser", "event": "{\\"code\\": {}}", '
        '"context": [], "time": "2025-01-02T10:00:00Z"}',
        # control characters from the log are shown escaped, by both engines
        '{"event_type": "edx.evil\\u001b[2J\\n", "event_source": "it\'s\\u0007", "time": "2025-01-02T10:00:00Z"}',
        '{"event_type": "problem_check", "event_source": "x\\u001by", "username": "u", "event": {"problem_id": "p", '
        '"odd\\u2028key": 1}}',
        "#", "   ", '{"a": 1,}', "[]", "null", '"s"', "12", "true", "{}", "x - {bad",
    ]
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, catalog):
    folder = tmp_path_factory.mktemp("hostile")
    lines = hostile_lines(catalog)
    plain = folder / "hostile.log"
    plain.write_text("\r\n".join(lines[:40]) + "\n" + "\n".join(lines[40:]), encoding="utf-8")
    packed = folder / "hostile-gzip-without-suffix"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    return [plain, packed]


@pytest.mark.parametrize("log", FIXTURE_LOGS, ids=lambda p: p.name)
def test_each_fixture_log_gives_the_same_report(catalog, log):
    python = check_logs(catalog, [log])
    sql = check_clickhouse(catalog, [str(log)])
    assert comparable(sql) == comparable(python)
    assert sql.records == python.records


def test_all_fixture_logs_and_hostile_ones_together(catalog, hostile):
    files = [*FIXTURE_LOGS, *hostile]
    python = check_logs(catalog, files)
    sql = check_clickhouse(catalog, [str(f) for f in files])
    assert comparable(sql) == comparable(python)
    # what the comparison is about is really in it
    counts = python.counts()
    assert all(counts[kind] for kind in ("undocumented", "malformed", "unnamed", "missing-required",
                                          "unknown-field", "type-mismatch", "not-allowed", "side", "pii"))
    assert python.implicit and python.calls and python.files[-1].gzip


def test_text_json_and_gates_through_the_cli(capsys, hostile):
    def run(*args):
        status = main(["logs", "check", "--catalog", str(LOGS / "catalog"), *args, *map(str, hostile)])
        return status, capsys.readouterr()
    _, python = run("--format", "json", "--engine", "python")
    _, sql = run("--format", "json", "--engine", "clickhouse")
    assert json.loads(sql.out)["counts"] == json.loads(python.out)["counts"]
    status, text = run("--engine", "clickhouse", "--fail-on", "undocumented=0")
    assert status == 1 and "failed: undocumented" in text.err
    assert text.out.startswith("eventcat logs check: 2 files")


def test_the_server_sql_over_a_table_of_raw_records(catalog, hostile):
    """An Aspects-style table: the raw record in a String column. On a real server when
    EVENTCAT_CLICKHOUSE_URL is set; else the same SQL in a chDB session's table."""
    lines = hostile[0].read_text(encoding="utf-8").split("\n")
    lines = [line.rstrip("\r") for line in lines if line.strip()]
    python = check_logs(catalog, [hostile[0]])
    url = os.environ.get("EVENTCAT_CLICKHOUSE_URL")
    if url:
        import clickhouse_connect
        client = clickhouse_connect.get_client(dsn=url)
        client.command("DROP TABLE IF EXISTS eventcat_test_raw")
        client.command("CREATE TABLE eventcat_test_raw (time DateTime, message String) ENGINE = MergeTree ORDER BY time")
        client.insert("eventcat_test_raw", [[0, line] for line in lines], column_names=["time", "message"])
        sql = check_clickhouse(catalog, [], server=url, table="eventcat_test_raw", column="message")
        client.command("DROP TABLE eventcat_test_raw")
    else:
        from chdb import session
        db = session.Session()
        db.query("CREATE TABLE raw (time DateTime, message String) ENGINE = MergeTree ORDER BY time")
        values = ", ".join("(0, '" + line.replace("\\", "\\\\").replace("'", "\\'") + "')" for line in lines)
        db.query(f"INSERT INTO raw VALUES {values}")
        source = table_source("raw", "message")
        sql = assemble(run_chdb(query_for(catalog, source), db), catalog, source)
    assert comparable(sql, places=False) == comparable(python, places=False)
    assert sql.findings[0].where == [NO_PLACE]


def test_logs_sql_prints_the_query(capsys):
    assert main(["logs", "sql", "--catalog", str(LOGS / "catalog"), "--table", "openedx.tracking_raw"]) == 0
    out = capsys.readouterr().out
    assert "FROM openedx.tracking_raw" in out and "GROUP BY section" in out
    assert main(["logs", "sql", "--table", "x; DROP TABLE y", "--catalog", str(LOGS / "catalog")]) == 2
    assert "a table is NAME" in capsys.readouterr().err


def test_globs_and_errors(capsys, tmp_path, catalog):
    for name in ("a.log", "b.log"):
        (tmp_path / name).write_text((LOGS / "good.jsonl").read_text())
    report = check_clickhouse(catalog, [str(tmp_path / "*.log")])
    assert report.records == 8
    assert main(["logs", "check", "--catalog", str(LOGS / "catalog"), str(tmp_path / "*.log")]) == 2
    assert "need --engine clickhouse" in capsys.readouterr().err
    assert main(["logs", "check", "--catalog", str(LOGS / "catalog"), "--engine", "clickhouse",
                 str(tmp_path / "none-*.zz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eventcat logs check: ") and "Traceback" not in err
    assert local_or_remote(["s3://bucket/logs/2025-*/tracking.log.gz"]).select.count("s3(") == 1


def test_an_integral_float_is_told_from_an_integer(catalog, tmp_path):
    """ClickHouse's JSON reader gives `1.0` back as `1`; the engine finds such numbers in the text
    with their keys, so 1.0 and 1 never share a structure and the Python checker tells them apart."""
    log = tmp_path / "float.log"
    record = ('{"event_type": "edx.course.enrollment.activated", "event_source": "server", "username": "u", '
              '"time": "2025-01-02T10:00:00+00:00", "event": {"course_id": "c", "user_id": USER, "mode": "audit"}}\n')
    log.write_text(record.replace("USER", "1.0") + record.replace("USER", "1") + record.replace("USER", "1e0"))
    python = check_logs(catalog, [log])
    assert {(f.detail, f.count) for f in python.findings if f.field == "user_id"} == {("expected integer, got number", 2)}
    assert comparable(check_clickhouse(catalog, [str(log)])) == comparable(python)


def test_an_integral_float_beside_a_nested_array_and_a_huge_integer(catalog, tmp_path):
    """Numbers are told apart by their form in the text, whatever else the line holds: '[[[' used to
    send a record down a path where 1.0 read as an integer. An integer past 64 bits, which
    ClickHouse reads as a string, sends the record to the Python checker whole."""
    log = tmp_path / "float.log"
    record = ('{"event_type": "edx.course.enrollment.activated", "event_source": "server", "username": "u", '
              '"time": "2025-01-02T10:00:00+00:00", "context": {"user_id": 1}, '
              '"event": {"course_id": "c", "user_id": USER, "mode": "audit", "tags": TAGS}}\n')
    lines = [record.replace("TAGS", tags).replace("USER", user)
             for tags in ("[[1]]", "[[[1]]]", "[1.0]") for user in ("1", "1.0", "2e0", "12345678901234567890123", "-0")]
    log.write_text("".join(lines) + lines[3])
    python = check_logs(catalog, [log])
    assert {(f.detail, f.count) for f in python.findings if f.field == "user_id"} == {
        ("expected integer, got number", 10)}
    assert comparable(check_clickhouse(catalog, [str(log)])) == comparable(python)


def test_null_where_the_catalog_refuses_it(tmp_path):
    """`nullable: false` makes a null a finding: the ClickHouse engine's structure tells null apart,
    so its report is the Python engine's."""
    from test_logs_check import NULLS, nullable_catalog
    strict = nullable_catalog(tmp_path)
    log = tmp_path / "nulls.log"
    log.write_text(NULLS + NULLS.replace('"course_id": null', '"course_id": "c"') + NULLS)
    python = check_logs(strict, [log])
    assert [(f.field, f.count) for f in python.findings] == [("course_id", 2)]
    assert comparable(check_clickhouse(strict, [str(log)])) == comparable(python)


def test_numbers_in_text_cannot_stand_in_for_a_numbers_form(catalog, tmp_path):
    """Two records of one structure: in the first, user_id is 1 and a string holds ': 1.5,'; in the
    second, user_id is 1.0 and a string holds ': 2,'. Read as the numbers of the line in order,
    both are (float, integer) and would share a group; each number is taken with its key."""
    log = tmp_path / "lookalike.log"
    record = ('{"event_type": "edx.course.enrollment.activated", "event_source": "server", "username": "u", '
              '"time": "2025-01-02T10:00:00+00:00", "context": {"user_id": 1}, '
              '"event": {"course_id": "c", "a": "A", "user_id": USER, "b": "B", "mode": "audit"}}\n')
    first = record.replace("USER", "1").replace('"A"', '"ratio: 1.5, then"').replace('"B"', '"x"')
    second = record.replace("USER", "1.0").replace('"A"', '"x"').replace('"B"', '"count: 2, then"')
    log.write_text(first + second)
    python = check_logs(catalog, [log])
    assert [(f.field, f.count) for f in python.findings if f.kind == "type-mismatch"] == [("user_id", 1)]
    assert comparable(check_clickhouse(catalog, [str(log)])) == comparable(python)


def test_personal_data_written_in_other_digits(catalog, tmp_path):
    """pii.py's \\d is Python's, any Unicode digit; the per-value filter in SQL took ASCII digits
    only, so a phone or card number in Arabic-Indic digits was found by the Python engine alone."""
    log = tmp_path / "digits.log"
    log.write_text('{"event_type": "edx.course.enrollment.activated", "event_source": "server", "username": "u", '
                   '"time": "2025-01-02T10:00:00+00:00", "context": {"user_id": 1}, "event": {"course_id": "c", '
                   '"user_id": 1, "mode": "audit", "note": "call \u0665\u0665\u0665 \u0661\u0662\u0663 '
                   '\u0664\u0665\u0666\u0667", "extra": "card \u0664\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 '
                   '\u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661"}}\n', encoding="utf-8")
    python = check_logs(catalog, [log])
    assert {(f.field, f.detail) for f in python.findings if f.kind == "pii"} == {
        ("note", "looks like phone"), ("extra", "looks like card-number")}
    assert comparable(check_clickhouse(catalog, [str(log)])) == comparable(python)


# --- records grouped by structure ----------------------------------------------------------------

def twin_lines(seed, count):
    """Records of one event that share their structure and differ in values: personal data or not,
    allowed values or not, datetimes that parse or not, empty strings, numbers ClickHouse rewrites,
    escaped keys; and some that differ in structure (unknown keys, wrong types, other sides)."""
    rng = random.Random(seed)
    pick = rng.choice
    out = []
    for index in range(count):
        event = {
            "course_id": pick(["course-v1:X+Y+2025", "mail me a.b@example.org", "203.0.113.9", "http://10.0.0.1/x",
                               "4111 1111 1111 1111", "4111 1111 1111 1112", "call +1 555 123 4567", "",
                               "block@00000000000000000000000000000000", "2001:db8::1", "a:b", "é@ü.de"]),
            "user_id": pick([5, 5, 7, "5", 5.0, 5.5, -0, 12345678901234567890123, None]),
            "mode": pick(["audit", "audit", "honor", "bogus", "AUDIT", 5, None, ""]),
            "enrolled_at": pick(["2025-01-02T10:00:00", "2025-13-45T00:00:00", "yesterday", "", "2025-01-02",
                                 "2025-01-02 10:00:00+01:00"]),
            "origin": pick([{"campaign": "x"}, {"campaign": 1}, {"campaign": "x", "extra": "a.b@example.org"}, {},
                            "str", {"campaign": "x", "depth": {"a": 1.0}}]),
            "note": pick(["", "x", None, "phone 555-123-4567", "see \u00e9"]),
        }
        if rng.random() < 0.1:
            event[pick(["extra", "k\u00e9y", "spare"])] = pick([1, 1.0, "x", "a@b.org", [1.0], {}])
        if rng.random() < 0.05:
            del event["mode"]
        record = {"event_type": "edx.course.enrollment.activated",
                  "event_source": pick(["server", "server", "browser", "robot"]),
                  "username": pick(["u", "a.b@example.org"]),
                  "time": pick(["2025-01-02T10:00:00+00:00", "2025-03-04T05:06:07Z", f"2025-02-{1 + index % 28:02d}",
                                "not a time", None]),
                  "context": {"course_id": pick(["c", "x@y.org"]), "user_id": pick([1, 2])},
                  "event": json.dumps(event) if record_is_browser(rng) else event}
        text = json.dumps(record, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.03:  # a key written twice, and an escaped pair of surrogates
            text = text.replace('"username"', pick(['"mode": "audit", "mode"', '"k\\ud83d\\ude00"']), 1)
        out.append(text)
    return out


def record_is_browser(rng):
    return rng.random() < 0.2


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    folder = tmp_path_factory.mktemp("twins")
    files = []
    for index in range(3):  # the same structures spread over files, one of them gzip
        path = folder / f"twins-{index}.log"
        text = "\n".join(twin_lines(index, 400)) + "\n"
        if index == 1:
            path.write_bytes(gzip.compress(text.encode("utf-8")))
        else:
            path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def test_records_of_one_structure_with_different_values(catalog, twins):
    python = check_logs(catalog, twins)
    sql = check_clickhouse(catalog, [str(f) for f in twins])
    assert comparable(sql) == comparable(python)
    kinds = {f.kind for f in python.findings}
    assert {"pii", "not-allowed", "type-mismatch", "unknown-field", "missing-required", "side"} <= kinds
    details = {f.detail for f in python.findings}
    assert {"looks like email", "looks like ip-address", "looks like card-number", "looks like phone",
            "expected integer, got number", "expected datetime, got string"} <= details


def test_the_query_groups_records_by_structure(catalog, twins):
    """The per-record path is the exception: most records are counted in groups of one structure,
    and each group's sample is checked once."""
    source = local_or_remote([str(f) for f in twins])
    rows = run_chdb(query_for(catalog, source))
    groups = [r for r in rows if r["section"] == "group"]
    grouped = sum(int(r["records"]) for r in groups)
    # the records with an integer past 64 bits go to Python whole, one distinct line at a time
    whole = [r for r in rows if r["section"] == "whole"]
    assert whole and all("12345678901234567890123" in r["sample"] for r in whole)
    assert grouped + sum(int(r["records"]) for r in whole) == 1200
    assert grouped > 0.85 * 1200 and len(groups) < grouped
    assert all(r["sample"].startswith("{") for r in groups)
    # records with a personal-looking value are grouped too, their values looked at one by one
    assert any(r["section"] == "pii?" for r in rows)


_PEAK = """
import sys, threading, time
from pathlib import Path
from eventcat.logs.clickhouse import check_clickhouse
from eventcat.pipeline import build_catalog
peak, done = [0], threading.Event()
def watch():  # file-backed pages resident: a mapped log shows here, chDB's own buffers do not
    while not done.is_set():
        status = open("/proc/self/status").read().split("RssFile:")[1]
        peak[0] = max(peak[0], int(status.split()[0]))
        time.sleep(0.02)
threading.Thread(target=watch, daemon=True).start()
catalog = build_catalog(Path(sys.argv[1]))[0]
assert check_clickhouse(catalog, [sys.argv[2]]).records > 0
done.set()
print(peak[0])
"""


def test_memory_does_not_grow_with_the_size_of_a_local_log(tmp_path):
    """ClickHouse maps local files into memory unless told otherwise; the log's pages then count
    in the process (its peak grew 1.4 to 2.8 GB from a 236 MB to a 1.4 GB log), and a 10 GB log
    would need 10 GB. What is resident of mapped files must not grow with the log."""
    import subprocess
    import sys
    line = (LOGS / "good.jsonl").read_text().splitlines()[0] + "\n"
    sizes = {}
    for name, megabytes in (("small", 20), ("large", 200)):
        log = tmp_path / f"{name}.jsonl"
        with open(log, "w") as out:
            out.write(line * (megabytes * 1024 * 1024 // len(line)))
        done = subprocess.run([sys.executable, "-c", _PEAK, str(LOGS / "catalog"), str(log)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        sizes[name] = int(done.stdout.split()[-1]) // 1024  # MB
        log.unlink()
    assert sizes["large"] - sizes["small"] < 60, sizes  # mapped, the 180 MB more would show
