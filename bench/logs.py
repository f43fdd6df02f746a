"""How fast `eventcat logs check` reads a large tracking log with each engine, and how much memory
each needs, in one run and one table, against the floor of the Python engine: a bare loop that only
splits the file into lines and parses each with orjson (json.loads is shown too, for reference).

Rows: orjson parse-only, json.loads parse-only, chDB reads only (each record, its payload and its
context parsed into keys and raw values: the floor of the ClickHouse engine), the Python engine on
one core (`--jobs 1`), the Python engine on every core (`--jobs N`), and the ClickHouse engine in
chDB (`--engine clickhouse`).
Each runs in a process of its own; its time covers the work after start-up (catalog loading
included for the checks). Peak memory is the process's VmHWM; for `--jobs N` it is the parent's
plus N times the largest worker's, an upper bound of what the machine held at once.

The log is made from the shipped catalog's own examples (generator/logs/synth.py) with 2% of the
records undocumented and 1% implicit (URL paths), as real logs have, and with the large `event`
that real problem_check records carry (a submission, answers and correct map per input, or in
browser records the whole form as URL-encoded text). The default of 900,000 records is about
1.1 GB. The machine is shared: the load average before and after the run is printed with the table.

    python bench/logs.py [--records 900000] [--repeat 1] [--jobs N] [--rows orjson,json,chdb,jobs1,jobsN,clickhouse]"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "logs"
sys.path.insert(0, str(ROOT))

PEAK = """
def peak_kb():
    import resource
    own = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
"""

PARSE = PEAK + """
import json, sys, time
import orjson
loads = orjson.loads if sys.argv[2] == "orjson" else json.loads
started = time.perf_counter()
count = 0
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        loads(line)
        count += 1
own, children = peak_kb()
print(json.dumps({"seconds": time.perf_counter() - started, "records": count, "peak_kb": own}))
"""

# the floor of the ClickHouse engine: what its query must read of every record, and nothing else:
# the line's object parsed into keys and raw values, and so its payload (`event`, a JSON object or
# a string holding one) and its `context`
PARSE_CHDB = PEAK + """
import json, sys, time
import chdb
started = time.perf_counter()
path = sys.argv[1].replace("\\\\", "\\\\\\\\").replace("'", "\\\\'")
out = chdb.query(f\"\"\"SELECT count(), sum(length(JSONExtractKeysAndValuesRaw(if(startsWith(payload, '"'),
    JSONExtractString(payload), payload)))), sum(length(JSONExtractKeysAndValuesRaw(context)))
  FROM (SELECT kv.2[indexOf(kv.1, 'event')] AS payload, kv.2[indexOf(kv.1, 'context')] AS context
        FROM (SELECT JSONExtractKeysAndValuesRaw(line) AS kv
              FROM file('{path}', 'LineAsString', 'line String')))
  SETTINGS storage_file_read_method = 'pread'\"\"\", "CSV")
count = int(out.bytes().decode().split(",")[0])
own, children = peak_kb()
print(json.dumps({"seconds": time.perf_counter() - started, "records": count, "peak_kb": own}))
"""

CHECK = PEAK + """
import contextlib, io, json, os, sys, time
from eventcat.cli import main
started = time.perf_counter()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    status = main(["logs", "check", "--no-progress", "--format", "json", "--catalog", sys.argv[2],
                   *sys.argv[3:], sys.argv[1]])
seconds = time.perf_counter() - started
report = json.loads(out.getvalue())
own, children = peak_kb()
print(json.dumps({"seconds": seconds, "status": status, "records": report["records"],
                  "counts": report["counts"], "peak_kb": own, "child_kb": children}))
"""


def problem_check_event(rng: random.Random, browser: bool) -> object:
    """The bulky part of a real problem_check record: every input's submission, answer and state."""
    inputs = [f"i4x-edX-DemoX-problem-{rng.getrandbits(64):016x}_{n}_1" for n in range(2, 2 + rng.randint(3, 8))]
    if browser:
        return "&".join(f"input_{i}={'choice_' + str(rng.randint(0, 4))}%20{'x' * rng.randint(20, 120)}"
                        for i in inputs)
    return {
        "submission": {i: {"input_type": "choicegroup", "question": "Which of these is " + "a" * rng.randint(20, 90),
                           "response_type": "multiplechoiceresponse", "answer": f"choice_{rng.randint(0, 4)}",
                           "variant": "", "correct": rng.random() < 0.5} for i in inputs},
        "answers": {i: f"choice_{rng.randint(0, 4)}" for i in inputs},
        "correct_map": {i: {"correctness": "correct", "npoints": None, "msg": "", "hint": "",
                            "hintmode": None, "queuestate": None} for i in inputs},
        "state": {"seed": 1, "done": True, "student_answers": dict.fromkeys(inputs, "choice_1"),
                  "input_state": {i: {} for i in inputs}},
        "grade": rng.randint(0, len(inputs)), "max_grade": len(inputs), "attempts": rng.randint(1, 5),
        "success": "correct", "problem_id": "block-v1:edX+DemoX+Demo_Course+type@problem+block@" + "0" * 32,
    }


def make_log(records: int) -> Path:
    """The log, made once and kept in bench/out (git-ignored, never committed)."""
    from eventcat.logs.synth import records as synthetic
    from eventcat.pipeline import build_catalog
    path = OUT / f"tracking-pc-{records}.log"
    if path.is_file():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    catalog, _ = build_catalog(ROOT / "catalog")
    rng = random.Random(1)
    temp = path.with_suffix(".tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        for index, record in enumerate(synthetic(catalog, records, seed=3)):
            roll = rng.random()
            if roll < 0.02:
                record["name"] = record["event_type"] = f"edx.bench.undocumented_{index % 40}"
            elif roll < 0.03:
                record.pop("name", None)
                record["event_type"] = f"/courses/course-v1:edX+B+{index % 7}/courseware/ch{index % 13}/"
            elif roll < 0.25:  # a problem_check, with its bulk
                browser = rng.random() < 0.4
                record.update(name="problem_check", event_type="problem_check",
                              event_source="browser" if browser else "server")
                event = problem_check_event(rng, browser)
                record["event"] = json.dumps(event) if browser else event  # browser: JSON text
            handle.write(json.dumps(record) + "\n")
    temp.replace(path)
    return path


def run(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def load() -> str:
    return " / ".join(open("/proc/loadavg").read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=900_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per row; the median is shown")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="processes for the all-cores row (default: every core)")
    parser.add_argument("--rows", default="orjson,json,chdb,jobs1,jobsN,clickhouse",
                        help="which rows to run, comma-separated (default: all; jobs1 is always run, "
                             "as every ratio is to it)")
    args = parser.parse_args()
    log = make_log(args.records)
    size = log.stat().st_size / 1e6
    catalog = str(ROOT / "catalog")
    before = load()
    wanted = {*args.rows.split(","), "jobs1"}
    rows = [row for key, *row in [
        ("orjson", "orjson parse only (the floor)", PARSE, [str(log), "orjson"]),
        ("json", "json.loads parse only", PARSE, [str(log), "json"]),
        ("chdb", "chDB reads only (record, payload, context: the floor of the ClickHouse engine)", PARSE_CHDB,
         [str(log)]),
        ("jobs1", "Python engine, `--jobs 1`", CHECK, [str(log), catalog, "--jobs", "1"]),
        ("jobsN", f"Python engine, `--jobs {args.jobs}`", CHECK, [str(log), catalog, "--jobs", str(args.jobs)]),
        ("clickhouse", "ClickHouse engine (chDB)", CHECK, [str(log), catalog, "--engine", "clickhouse"]),
    ] if key in wanted]
    results = []
    for label, code, argv in rows:
        runs = [run(code, *argv) for _ in range(args.repeat)]
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_kb"] for r in runs)
        if "--jobs" in argv and argv[-1] != "1":
            peak += args.jobs * max(r.get("child_kb", 0) for r in runs)
        results.append((label, seconds, peak, runs[0]))
        print(f"  {label}: {seconds:.1f} s", file=sys.stderr, flush=True)
    one = next(s for label, s, _, _ in results if label.endswith("`--jobs 1`"))
    checks = [r for _, _, _, r in results if "counts" in r]
    same = all(r["counts"] == checks[0]["counts"] and r["records"] == checks[0]["records"] for r in checks)
    print(f"log: {args.records:,} records, {size:,.0f} MB; {os.cpu_count()} cores; "
          f"load average before {before}, after {load()}; the engines' totals agree: {same}\n")
    print("| run | seconds | records/s | MB/s | time ratio to Python `--jobs 1` | peak memory (MB) |")
    print("|---|---|---|---|---|---|")
    for label, seconds, peak, _ in results:
        print(f"| {label} | {seconds:.1f} | {args.records / seconds:,.0f} | {size / seconds:,.0f} | "
              f"{one / seconds:.2f}x | {peak / 1024:,.0f} |")


if __name__ == "__main__":
    main()
