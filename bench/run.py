"""Benchmarks at realistic scale, with a baseline and a floor measured in the same run.

    python bench/run.py [--sizes 1000 5000] [--repeat 3] [--jobs 1] [--baseline-limit 900]

For each size: a synthetic catalog (bench/make_catalog.py, deterministic), then, each step
repeated and reported as the median: generate cold; generate with nothing changed (files
written must be 0); full HTML build; rebuild with nothing changed; edit one event then rebuild;
add one event then rebuild; peak memory of the build; HTML size of an event page, of the whole
site and of the search index. In the same run:
  baseline  plain Sphinx (default theme, every page in one toctree) on the same generated pages
  floor     the same number of one-paragraph MyST pages outside any toctree, default theme
Ratios against both are printed, because these machines are shared and absolute times drift;
the full build and the floor are also given in CPU seconds, which drift much less with the load.
Writes a Markdown table to stdout and JSON to bench/out/results.json."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
sys.path.insert(0, str(ROOT / "bench"))
from make_catalog import make  # noqa: E402

TARGETS = {  # step: {size: seconds (or bytes / MB)}
    "full build": {1000: 20, 5000: 120},
    "edit one event, rebuild": {1000: 2, 5000: 5},
    "add one event, rebuild": {1000: 4, 5000: 10},
    "generate cold": {5000: 2},
    "generate, nothing changed": {5000: 0.5},
    "peak memory (MB)": {5000: 2048},
    "event page (KB)": {1000: 40, 5000: 40},
}


def _cpu_of_children() -> float:
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], cwd: Path, limit: float | None = None) -> tuple[float, int, str, float]:
    """Seconds, peak resident memory of the process tree (MB), output, and CPU seconds (user and
    system, of the process and the workers it waited for). On a shared machine the CPU seconds
    move much less with the load than the wall-clock seconds do."""
    cpu_before = _cpu_of_children()
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        output, _ = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return float("inf"), 0, "timed out", float("inf")
    elapsed = time.perf_counter() - started
    cpu = _cpu_of_children() - cpu_before
    peak = 0
    try:  # ru_maxrss of waited-for children: the largest process of the tree, in KB on Linux
        import resource
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    except ImportError:
        pass
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{output[-3000:]}")
    return elapsed, peak, output, cpu


def median(values: list[float]) -> float:
    return statistics.median(values)


def project(size: int) -> tuple[Path, Path]:
    """A Sphinx project with the shipped home page and a stub guide, and the synthetic catalog."""
    catalog = make(size, OUT / f"catalog-{size}")
    site = OUT / f"site-{size}"
    if site.exists():
        shutil.rmtree(site)
    (site / "docs" / "guides").mkdir(parents=True)
    for page in (ROOT / "docs").glob("*.md"):  # the home page and the pages it lists
        shutil.copy(page, site / "docs" / page.name)
    (site / "docs" / "guides" / "index.md").write_text("# Guides\n\nThe guides of the shipped catalog.\n")
    # The site is a project of its own: without its settings file, the project root would be found
    # by walking up from the catalog, i.e. this repository, and the bench would build our own site.
    sample = ROOT / "examples" / "logs" / "tracking-sample.log"  # the coverage page, as ours has
    (site / "eventcat.toml").write_text(f"catalog = {json.dumps(str(catalog))}\n"
                                        f"coverage = [{json.dumps(str(sample))}]\n")
    return site, catalog


def eventcat(*args: str) -> list[str]:
    return [PY, "-m", "eventcat", *args]


def measure(size: int, repeat: int, jobs: str, baseline_limit: float) -> dict:
    site, catalog = project(size)
    common: list[str] = []  # the site's eventcat.toml names the catalog
    build = eventcat("build", *common, "--conf", str(ROOT), "-j", jobs)
    result: dict = {"events": size}

    cold, unchanged, written = [], [], []
    for _ in range(repeat):
        shutil.rmtree(site / "docs" / "catalog", ignore_errors=True)
        cold.append(run(eventcat("generate", *common), site)[0])
        seconds, _, output, _ = run(eventcat("generate", *common), site)
        unchanged.append(seconds)
        written.append(int(output.split(" pages written")[0].rsplit(" ", 1)[1]))
    result["generate cold"] = median(cold)
    result["generate, nothing changed"] = median(unchanged)
    result["files written with nothing changed"] = max(written)

    full, peaks, cpus = [], [], []
    for _ in range(repeat):
        shutil.rmtree(site / "_build", ignore_errors=True)
        seconds, peak, _, cpu = run(build, site)
        full.append(seconds)
        peaks.append(peak)
        cpus.append(cpu)
    result["full build"] = median(full)
    result["full build, CPU seconds"] = median(cpus)
    result["peak memory (MB)"] = max(peaks)
    result["rebuild, nothing changed"] = median([run(build, site)[0] for _ in range(repeat)])

    events = sorted((catalog / "events").rglob("*.yaml"))
    target = events[len(events) // 2]
    original = target.read_text()
    edits = []
    for i in range(repeat):
        target.write_text(original.replace("summary: ", f"summary: Edited {i}. ", 1))
        edits.append(run(build, site)[0])
    target.write_text(original)
    run(build, site)
    result["edit one event, rebuild"] = median(edits)

    adds = []
    for i in range(repeat):
        added = catalog / "events" / "bench" / f"edx.bench.added{i}.yaml"
        added.parent.mkdir(exist_ok=True)
        data = yaml.safe_load(original)
        for key in ("aliases", "related", "replaced_by", "status"):
            data.pop(key, None)
        data["name"] = f"edx.bench.added{i}"
        added.write_text(yaml.safe_dump(data, sort_keys=False))
        adds.append(run(build, site)[0])
        added.unlink()
        run(build, site)
    result["add one event, rebuild"] = median(adds)

    html = site / "_build" / "html"
    pages = [p.stat().st_size for p in (html / "catalog" / "events").rglob("*.html") if p.name != "index.html"]
    if len(pages) < size:  # a bench that built some other site must not report its numbers
        raise SystemExit(f"the bench site has {len(pages)} event pages for {size} events: {html}")
    result["event page (KB)"] = median(pages) / 1024
    result["largest event page (KB)"] = max(pages) / 1024
    result["site (MB)"] = sum(p.stat().st_size for p in html.rglob("*") if p.is_file()) / 2**20
    result["search index (MB)"] = (html / "searchindex.js").stat().st_size / 2**20

    result["baseline: default theme, all pages in a toctree"] = baseline(site, size, baseline_limit)
    result["baseline limit (s)"] = baseline_limit
    result["floor: one-paragraph pages outside any toctree"], result["floor, CPU seconds"] = floor(size)
    return result


def _plain_project(folder: Path, pages: dict[str, str], index: str) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "conf.py").write_text(
        "extensions = ['myst_parser']\nhtml_theme = 'alabaster'\nproject = 'baseline'\n")
    (folder / "docs" / "index.md").write_text(index)
    for name, text in pages.items():
        path = folder / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def baseline(site: Path, size: int, limit: float) -> float:
    """Plain Sphinx on the same generated pages: default theme, every page in one toctree."""
    generated = site / "docs" / "catalog"
    pages = {}
    for path in generated.rglob("*.md"):
        if path.name == "_home.md":
            continue
        text = path.read_text()
        if text.startswith("---\norphan: true\n---\n"):
            text = text[len("---\norphan: true\n---\n"):]
        text = "\n".join(line for line in text.splitlines() if line not in (":hidden:",))
        pages["catalog/" + path.relative_to(generated).as_posix()] = text
    names = "\n".join(sorted(p[:-3] for p in pages))
    folder = OUT / f"baseline-{size}"
    _plain_project(folder, pages, f"# Baseline\n\n```{{toctree}}\n:maxdepth: 1\n\n{names}\n```\n")
    seconds, _, _, _ = run([PY, "-m", "sphinx", "-q", "-j", "1", str(folder / "docs"),
                         str(folder / "_build")], folder, limit)
    return seconds


def floor(size: int) -> tuple[float, float]:
    """The least Sphinx can do: one-paragraph MyST pages outside any toctree, default theme."""
    pages = {f"p{i}.md": f"---\norphan: true\n---\n\n# Page {i}\n\nOne paragraph of text, page {i}.\n"
             for i in range(size)}
    folder = OUT / f"floor-{size}"
    _plain_project(folder, pages, "# Floor\n\nPages outside any toctree.\n")
    seconds, _, _, cpu = run([PY, "-m", "sphinx", "-q", "-j", "1", str(folder / "docs"),
                              str(folder / "_build")], folder)
    return seconds, cpu


def table(results: list[dict]) -> str:
    sizes = [r["events"] for r in results]
    keys = [k for k in results[0] if k != "events"]
    lines = ["| step | " + " | ".join(f"{s:,} events" for s in sizes) + " | target |",
             "|---|" + "---|" * (len(sizes) + 1)]
    for key in keys:
        cells = []
        for r in results:
            value = r[key]
            cells.append("stopped at limit" if value == float("inf") else
                         f"{value:,.2f}" if isinstance(value, float) else f"{value:,}")
        target = ", ".join(f"≤ {t:,} at {s:,}" for s, t in TARGETS.get(key, {}).items())
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {target} |")
    def versus_baseline(r: dict) -> str:
        base = r["baseline: default theme, all pages in a toctree"]
        if base == float("inf"):  # stopped at the limit: the ratio is at most this
            return f"< {r['full build'] / r['baseline limit (s)']:.2f}"
        return f"{r['full build'] / base:.2f}"
    lines.append("| full build / baseline | " + " | ".join(versus_baseline(r) for r in results) + " | |")
    lines.append("| full build / floor | " + " | ".join(
        f"{r['full build'] / r['floor: one-paragraph pages outside any toctree']:.2f}"
        for r in results) + " | ≤ 3 at 1,000 |")
    lines.append("| full build / floor, CPU seconds | " + " | ".join(
        f"{r['full build, CPU seconds'] / r['floor, CPU seconds']:.2f}" for r in results) + " | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default="1")
    parser.add_argument("--baseline-limit", type=float, default=900,
                        help="seconds after which the baseline build is stopped")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        print(f"measuring {size:,} events...", file=sys.stderr, flush=True)
        results.append(measure(size, args.repeat, args.jobs, args.baseline_limit))
    print(table(results))
    (OUT / "results.json").write_text(json.dumps(
        {"machine": {"cpus": os.cpu_count()}, "jobs": args.jobs, "repeat": args.repeat,
         "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
