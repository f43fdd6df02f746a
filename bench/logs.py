"""How fast `eventcat logs check` reads a large tracking log, and how much memory it needs, against
a baseline in the same run: a bare loop that only splits the file into lines and calls json.loads
on each, the least any JSON-based check can do. Each job runs in its own process; its time covers
the work after start-up (catalog loading included for the check), its memory is the process's
peak resident set size.

The log is made from the shipped catalog's own examples (generator/logs/synth.py), with 2% of the
records undocumented and 1% implicit (URL paths), as real logs have. The default of 1,000,000
records is about 1 GB; a smaller size shows that memory does not grow with the log.

    python bench/logs.py [--records 1000000 100000] [--gzip] [--repeat 3]"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "logs"
sys.path.insert(0, str(ROOT))

BASELINE = """
import json, resource, sys, time
started = time.perf_counter()
count = 0
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        json.loads(line)
        count += 1
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - started, "records": count, "peak_kb": peak}))
"""

BASELINE_ORJSON = BASELINE.replace("json.loads(line)", "orjson.loads(line)").replace(
    "import json,", "import json, orjson,")

CHECK = """
import contextlib, io, json, os, resource, sys, time
sys.path.insert(0, sys.argv[2])
from eventcat.cli import main
started = time.perf_counter()
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    status = main(["logs", "check", "--no-progress", "--catalog", sys.argv[3], sys.argv[1]])
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - started, "status": status, "peak_kb": peak}))
"""


def make_log(records: int, packed: bool) -> Path:
    """The log, made once and kept in bench/out (git-ignored)."""
    from eventcat.logs.synth import records as synthetic
    from eventcat.pipeline import build_catalog
    path = OUT / f"tracking-{records}.log{'.gz' if packed else ''}"
    if path.is_file():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    catalog, _ = build_catalog(ROOT / "catalog")
    rng = random.Random(1)
    temp = path.with_suffix(".tmp")
    opener = gzip.open if packed else open
    with opener(temp, "wt", encoding="utf-8") as handle:
        for index, record in enumerate(synthetic(catalog, records, seed=3)):
            roll = rng.random()
            if roll < 0.02:
                record["name"] = record["event_type"] = f"edx.bench.undocumented_{index % 40}"
            elif roll < 0.03:
                record.pop("name", None)
                record["event_type"] = f"/courses/course-v1:edX+B+{index % 7}/courseware/ch{index % 13}/"
            handle.write(json.dumps(record) + "\n")
    temp.replace(path)
    return path


def run(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[1_000_000, 100_000])
    parser.add_argument("--gzip", action="store_true", help="also time a gzip copy of each log")
    parser.add_argument("--repeat", type=int, default=3, help="runs per job; the median is shown")
    args = parser.parse_args()
    print("| log | size (MB) | baseline: json.loads only (records/s) | orjson.loads only (records/s) "
          "| eventcat logs check (records/s) | time ratio check / json.loads | peak memory "
          "(VmHWM) baseline / check (MB) |")
    print("|---|---|---|---|---|---|---|")
    variants = [False, True] if args.gzip else [False]
    for records in args.records:
        for packed in variants:
            log = make_log(records, packed)
            plain = make_log(records, False)
            base = [run(BASELINE, str(plain)) for _ in range(args.repeat)]
            fast = [run(BASELINE_ORJSON, str(plain)) for _ in range(args.repeat)]
            checks = [run(CHECK, str(log), str(ROOT), str(ROOT / "catalog")) for _ in range(args.repeat)]
            base_s = statistics.median(b["seconds"] for b in base)
            fast_s = statistics.median(b["seconds"] for b in fast)
            check_s = statistics.median(c["seconds"] for c in checks)
            size = log.stat().st_size / 1e6
            print(f"| {records:,} records{' (gzip)' if packed else ''} | {size:,.0f} | "
                  f"{records / base_s:,.0f} | {records / fast_s:,.0f} | {records / check_s:,.0f} | "
                  f"{check_s / base_s:.2f} | "
                  f"{max(b['peak_kb'] for b in base) / 1024:.0f} / "
                  f"{max(c['peak_kb'] for c in checks) / 1024:.0f} |", flush=True)


if __name__ == "__main__":
    main()
