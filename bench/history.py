"""What the git history (the What changed page, event histories) costs, against generate with
history off, measured in the same run.

    python bench/history.py [--size 1000] [--commits 20] [--repeat 3]

A synthetic catalog (bench/make_catalog.py) is committed into a fresh git repository, then
changed over `--commits` commits (a field's type, a new field, an event removed, a field group
edited, an event added). Reported, each the median of `--repeat` runs:
  generate cold, history off     the baseline: check + render + write every page
  generate cold, history on      the same with an empty history cache (reads the catalog at
                                 every commit in the window)
  generate cold, history cached  the same with the history cache kept (a CI run restoring it)
  generate, nothing changed      the fast path, history on: digests plus three small git calls
  edit one event, regenerate, history off   the baseline for the next step
  one new commit, regenerate     the same edit, committed; history on, cache warm: one more pair
  history only, cold / cached    history.collect alone
The shipped catalog is measured too, in a clone of this repository (so the clone's own git
folder holds the cache). Writes a Markdown table to stdout."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from make_catalog import make  # noqa: E402

from eventcat import history  # noqa: E402
from eventcat.pipeline import build_catalog, generate  # noqa: E402


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                           *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def evolve(repo: Path, commits: int) -> None:
    """Commit the catalog, then change it a little in each of `commits` commits."""
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "Catalog", cwd=repo)
    events = sorted((repo / "catalog" / "events").rglob("*.yaml"))
    groups = sorted((repo / "catalog" / "fields").glob("*.yaml"))
    for i in range(commits):
        path = events[(i * 37) % len(events)]
        data = yaml.safe_load(path.read_text())
        step = i % 4
        if step == 0 and data.get("fields"):
            data["fields"][0]["type"], data["fields"][0]["example"] = "integer", 1
        elif step == 1:
            data.setdefault("fields", []).append({"name": f"bench_added_{i}", "type": "string",
                                                  "description": "Added.", "pii": "none"})
        elif step == 2:
            group = groups[i % len(groups)]
            doc = yaml.safe_load(group.read_text())
            doc["fields"][-1]["required"] = not doc["fields"][-1].get("required", False)
            group.write_text(yaml.safe_dump(doc, sort_keys=False))
        else:
            data["summary"] = f"Changed in commit {i}."
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        git("commit", "-qam", f"Change {i}", cwd=repo)


def seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(repo: Path, repeat: int) -> dict[str, float]:
    catalog = repo / "catalog"
    out = repo / "docs" / "catalog"
    cache = Path(git("rev-parse", "--git-path", history.CACHE_FOLDER, cwd=repo))
    cache = cache if cache.is_absolute() else repo / cache

    def cold(window: int, keep_cache: bool = False) -> float:
        shutil.rmtree(out, ignore_errors=True)
        if not keep_cache:
            shutil.rmtree(cache, ignore_errors=True)
        return seconds(lambda: generate(catalog, out, history=window))

    result: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        result.setdefault(key, []).append(value)

    current = build_catalog(catalog)[0]
    for _ in range(repeat):
        add("generate cold, history off", cold(0))
        add("generate cold, history on", cold(30))
        add("generate cold, history cached", cold(30, keep_cache=True))
        add("generate, nothing changed", seconds(lambda: generate(catalog, out, history=30)))
        shutil.rmtree(cache, ignore_errors=True)
        add("history only, cold", seconds(lambda: history.collect(catalog, current, 30)))
        add("history only, cached", seconds(lambda: history.collect(catalog, current, 30)))
    off = repo / "docs-off" / "catalog"
    for i in range(repeat):
        generate(catalog, out, history=30)
        generate(catalog, off, history=0)
        events = sorted((catalog / "events").rglob("*.yaml"))
        path = events[len(events) // 2]
        path.write_text(path.read_text().replace("summary: ", f"summary: Bench {i}. ", 1))
        add("edit one event, regenerate, history off", seconds(lambda: generate(catalog, off, history=0)))
        git("commit", "-qam", f"Bench {i}", cwd=repo)
        add("one new commit, regenerate", seconds(lambda: generate(catalog, out, history=30)))
    return {k: statistics.median(v) for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    synthetic = OUT / f"history-{args.size}"
    shutil.rmtree(synthetic, ignore_errors=True)
    make(args.size, synthetic / "catalog")
    evolve(synthetic, args.commits)
    shipped = OUT / "history-shipped"
    shutil.rmtree(shipped, ignore_errors=True)
    git("clone", "-q", str(ROOT), str(shipped), cwd=OUT)

    columns = {f"synthetic, {args.size:,} events, {args.commits + 1} commits": measure(synthetic, args.repeat),
               "shipped catalog": measure(shipped, args.repeat)}
    print("| step | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for key in next(iter(columns.values())):
        print(f"| {key} | " + " | ".join(f"{c[key]:.2f} s" for c in columns.values()) + " |")
    for name, c in columns.items():
        print(f"\n{name}: cold with history / history off = "
              f"{c['generate cold, history on'] / c['generate cold, history off']:.2f}; "
              f"cached / off = {c['generate cold, history cached'] / c['generate cold, history off']:.2f}")


if __name__ == "__main__":
    main()
