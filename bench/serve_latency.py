"""Save-to-page-updated latency of `eventcat serve`: start the server on a copy of a catalog, save
an edit to one event file, and time until the served page shows it. Median of --edits edits.

    python bench/serve_latency.py [--catalog catalog] [--size N] [--edits 5]

With --size N, a synthetic catalog of N events (bench/make_catalog.py) is used instead."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from make_catalog import make  # noqa: E402


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except OSError:
        return ""


def wait_for(condition, limit: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if condition():
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit("gave up waiting")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=ROOT / "catalog")
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="eventcat-serve-"))
    if args.size:
        make(args.size, work / "catalog")
        (work / "docs" / "guides").mkdir(parents=True)
        (work / "docs" / "guides" / "index.md").write_text("# Guides\n\nStub.\n")
        for page in (ROOT / "docs").glob("*.md"):  # the home page and the pages it lists
            shutil.copy(page, work / "docs" / page.name)
    else:
        shutil.copytree(args.catalog, work / "catalog")
        shutil.copytree(ROOT / "docs", work / "docs", ignore=shutil.ignore_patterns("catalog"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(work / "serve.log", "w")  # noqa: SIM115 -- the server writes to it until the end
    server = subprocess.Popen([sys.executable, "-m", "eventcat", "serve", "--conf", str(ROOT),
                               "--port", str(port)], cwd=work, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        events = sorted((work / "catalog" / "events").rglob("*.yaml"))
        target = events[len(events) // 2]
        import yaml
        name = yaml.safe_load(target.read_text())["name"]
        slug = "".join(c if c.isalnum() or c in "._-" else "-" for c in name.lower()).strip("-.")
        url = f"http://127.0.0.1:{port}/catalog/events/{slug}.html"
        first = wait_for(lambda: name in fetch(url), 1800)
        print(f"first build: {first:.1f} s", file=sys.stderr)
        time.sleep(2)
        original = target.read_text()
        latencies = []
        for i in range(args.edits):
            marker = f"Edited-{i}-{time.time_ns()}"
            target.write_text(original.replace("summary: ", f"summary: {marker} ", 1))
            latencies.append(wait_for(lambda marker=marker: marker in fetch(url), 600))
            time.sleep(2)
        rebuilds = (work / "serve.log").read_text().count("Rebuilding")
        print(f"{'catalog' if not args.size else f'{args.size:,} events'}: median "
              f"{statistics.median(latencies):.2f} s over {args.edits} edits "
              f"({', '.join(f'{x:.2f}' for x in latencies)}); rebuilds: {rebuilds}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
