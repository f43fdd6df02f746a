"""How fast `eventcat code scan` reads a large source tree, on one core, against a floor measured in
the same run: a bare loop that only reads every file and parses it (Python's `ast.parse`,
tree-sitter for JavaScript/TypeScript), the least any syntax-aware scan can do.

The tree is synthetic and deterministic (made once into bench/out/code/, git-ignored, never
committed): packages of Python modules and JavaScript/JSX/TypeScript/TSX files of 60 to 250 lines
each, with ordinary code (classes, loops, docstrings, string handling, JSX), module constants
imported across modules, thin wrappers and wrappers of wrappers, methods that wrap emit calls,
dynamic names and look-alikes, with the names taken from the shipped catalog.

Each job runs in its own process pinned to one CPU; its time covers the work after start-up
(the catalog load included for the scan). Both the wall-clock time and the process's CPU time are
reported: on a shared machine the CPU time is the fairer measure of what one core does.

    python bench/code_scan.py [--files 10000] [--repeat 3]"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "code"
sys.path.insert(0, str(ROOT))

FLOOR = """
import ast, json, os, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
import tree_sitter, tree_sitter_javascript, tree_sitter_typescript
parsers = {".js": tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language())),
           ".ts": tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript())),
           ".tsx": tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_tsx()))}
parsers[".jsx"] = parsers[".js"]
started, cpu = time.perf_counter(), time.process_time()
files = 0
for folder, _dirs, names in os.walk(sys.argv[1]):
    for name in sorted(names):
        if name.startswith("."):
            continue
        path = os.path.join(folder, name)
        suffix = os.path.splitext(name)[1]
        with open(path, "rb") as handle:
            source = handle.read()
        if suffix == ".py":
            ast.parse(source)
        else:
            parsers[suffix].parse(source)
        files += 1
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "files": files}))
"""

SCAN = """
import json, os, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
sys.path.insert(0, sys.argv[2])
from pathlib import Path
started, cpu = time.perf_counter(), time.process_time()
from eventcat.code.scan import scan
from eventcat.pipeline import build_catalog
catalog = build_catalog(Path(sys.argv[3]))[0]
loaded = time.perf_counter()
report = scan(catalog, [Path(sys.argv[1])], Path(sys.argv[1]))
done = time.perf_counter()
print(json.dumps({"seconds": done - started, "cpu": time.process_time() - cpu,
                  "scan_seconds": done - loaded, "files": report.files,
                  "calls": len(report.calls), "wrappers": len(report.wrappers),
                  "resolved": report.resolved_counts(), "errors": len(report.errors)}))
"""


def _names() -> list[str]:
    from eventcat.pipeline import build_catalog
    catalog = build_catalog(ROOT / "catalog")[0]
    return [e.name for e in catalog.events]


PADDING_PY = '''

class Helper{n}:
    """Keeps state for step {n}; nothing here emits."""

    def __init__(self, items):
        self.items = list(items)
        self.total = 0

    def run(self, factor=2):
        for index, item in enumerate(self.items):
            if index % factor:
                self.total += len(str(item))
            else:
                self.total -= 1
        return {{"total": self.total, "label": "step-{n}", "url": "/courses/{n}/about"}}


def transform_{n}(values):
    result = []
    for value in values:
        text = "%s-%s" % (value, "{n}")
        result.append(text.upper().strip())
    return ", ".join(sorted(result))
'''

PADDING_JS = '''
export function helper{n}(items, factor = 2) {{
  let total = 0;
  items.forEach((item, index) => {{
    if (index % factor) {{
      total += String(item).length;
    }} else {{
      total -= 1;
    }}
  }});
  return {{ total, label: `step-{n}`, url: '/courses/{n}/about' }};
}}

const render{n} = (props) => props.items.map((item) => item.name.toUpperCase()).join(', ');
'''

PADDING_JSX = '''
export const Panel{n} = ({{ items, onSelect }}) => (
  <ul className="panel-{n}">
    {{items.map((item) => (
      <li key={{item.id}}>
        <button type="button" onClick={{() => onSelect(item.id)}}>{{item.title}}</button>
      </li>
    ))}}
  </ul>
);
'''


def make_tree(files: int, emitting: float) -> Path:
    """The tree, made once and kept in bench/out (git-ignored). A share `emitting` of the files
    emit events (directly, through wrappers, with constants); the others are ordinary code."""
    root = OUT / f"tree-{files}-{emitting:g}"
    marker = root / ".complete"
    if marker.is_file():
        return root
    rng = random.Random(18)
    names = _names()
    per_package = 50
    made = 0  # files written, the constants modules included
    index = -1
    while made < files:
        index += 1
        package = f"pkg{index // per_package:03d}"
        kind = rng.choices(["py", "js", "jsx", "ts", "tsx"], [55, 25, 10, 5, 5])[0]
        folder = root / ("lms" if kind == "py" else "src") / package
        folder.mkdir(parents=True, exist_ok=True)
        name = rng.choice(names)
        other = rng.choice(names)
        padding = rng.randint(2, 7)
        if rng.random() >= emitting:
            header = ("from lms.pkg000 import constants\n" if kind == "py"
                      else "import { EVENT_1 } from './constants';\n")
            text = header + "".join((PADDING_PY if kind == "py" else PADDING_JS).format(n=f"{index}_{p}")
                                    for p in range(padding))
            if kind in ("jsx", "tsx"):
                text += PADDING_JSX.format(n=f"{index}_0")
            folder.joinpath(f"plain_{index}.{kind}").write_text(text)
            made += 1
            continue
        if kind == "py":
            if not (folder / "constants.py").exists():
                made += 2
                (folder / "constants.py").write_text(
                    "".join(f"EVENT_{i} = {rng.choice(names)!r}\n" for i in range(10))
                    + "PREFIX = 'edx.bench'\n")
                (folder / "__init__.py").write_text("")
            text = (f'"""Module {index}."""\nfrom eventtracking import tracker\n'
                    f"from lms.{package} import constants\nfrom lms.{package}.constants import EVENT_1, PREFIX\n\n"
                    f"LOOKALIKE = 'edx.not.an.event.{index}'\n\n\n"
                    f"def publish_{index}(name, data):\n    tracker.emit(name, data)\n\n\n"
                    f"def send_{index}(event_name=None, **kwargs):\n    publish_{index}(event_name, {{'k': 1}})\n\n\n"
                    f"class Block{index}:\n    EVENT = {other!r}\n\n"
                    f"    def publish(self, name, data):\n        self.runtime.publish(self, name, data)\n\n"
                    f"    def handle(self, course_id):\n"
                    f"        self.publish(self.EVENT, {{'course_id': course_id}})\n"
                    f"        tracker.emit({name!r}, {{'course_id': course_id, 'user_id': 1}})\n"
                    f"        send_{index}(event_name=EVENT_1)\n"
                    f"        publish_{index}(constants.EVENT_{index % 10}, {{'a': 1}})\n"
                    f"        tracker.emit(f'{{PREFIX}}.{{course_id}}', {{}})\n")
            text += "".join(PADDING_PY.format(n=f"{index}_{p}") for p in range(padding))
            (folder / f"module_{index}.py").write_text(text)
            made += 1
        else:
            if not (folder / "constants.js").exists():
                made += 1
                (folder / "constants.js").write_text(
                    "".join(f"export const EVENT_{i} = {json.dumps(rng.choice(names))};\n" for i in range(10))
                    + "export const EVENTS = { CLICKED: 'edx.bench.clicked' };\n")
            typed = kind in ("ts", "tsx")
            param = ": string" if typed else ""
            text = ("import { sendTrackEvent, sendTrackingLogEvent } from '@edx/frontend-platform/analytics';\n"
                    "import { EVENT_1, EVENTS } from './constants';\n\n"
                    f"// sendTrackEvent('edx.not.a.call.{index}', {{}})\n"
                    f"export function track{index}(name{param}, data{': object' if typed else ''}) {{\n"
                    f"  sendTrackEvent(name, data);\n}}\n\n"
                    f"class Tracker{index} {{\n  log(name{param}, data{': object' if typed else ''}) {{\n"
                    f"    window.analytics.track(name, data);\n  }}\n\n"
                    f"  go(id{param}) {{\n    this.log(EVENTS.CLICKED, {{ id }});\n"
                    f"    sendTrackingLogEvent({json.dumps(name)}, {{ course_id: id }});\n"
                    f"    track{index}(EVENT_1, {{ a: 1 }});\n"
                    f"    sendTrackEvent(`edx.bench.${{id}}.viewed`, {{}});\n  }}\n}}\n")
            text += "".join(PADDING_JS.format(n=f"{index}_{p}") for p in range(padding))
            if kind in ("jsx", "tsx"):
                text += "".join(PADDING_JSX.format(n=f"{index}_{p}") for p in range(padding // 2 + 1))
            (folder / f"file_{index}.{kind}").write_text(text)
            made += 1
    marker.write_text("")
    return root


def run(script: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                            check=True, timeout=3600)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--emitting", type=float, default=0.25,
                        help="share of the files that emit events (default 0.25; 1 for the worst case)")
    args = parser.parse_args()
    tree = make_tree(args.files, args.emitting)
    count = sum(1 for p in tree.rglob("*") if p.is_file() and not p.name.startswith("."))
    floors, scans, last = [], [], {}
    for _ in range(args.repeat):
        floors.append(run(FLOOR, str(tree)))
        last = run(SCAN, str(tree), str(ROOT), str(ROOT / "catalog"))
        scans.append(last)
    floor = statistics.median(f["seconds"] for f in floors)
    scan = statistics.median(s["seconds"] for s in scans)
    floor_cpu = statistics.median(f["cpu"] for f in floors)
    scan_cpu = statistics.median(s["cpu"] for s in scans)
    print(f"tree: {count:,} files ({tree})")
    print(f"found: {last['calls']:,} emit calls, {last['wrappers']:,} wrappers, "
          f"names {last['resolved']}, {last['errors']} files with errors")
    print("| job | median wall s | files/s (wall) | median CPU s | files/s (CPU, one core) "
          "| ratio to the floor (CPU) |")
    print("|---|---|---|---|---|---|")
    print(f"| floor: read and parse every file | {floor:.2f} | {count / floor:,.0f} | {floor_cpu:.2f} | "
          f"{count / floor_cpu:,.0f} | 1.00 |")
    print(f"| eventcat code scan (catalog load included) | {scan:.2f} | {count / scan:,.0f} | {scan_cpu:.2f} | "
          f"{count / scan_cpu:,.0f} | {scan_cpu / floor_cpu:.2f} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps({"files": count, "floor": floors, "scan": scans,
                                                  "last": last}, indent=2))


if __name__ == "__main__":
    main()
