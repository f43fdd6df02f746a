"""How long `eventcat check` takes on 1,000 and 5,000 events, against a baseline in the same run:
only reading and parsing the same files with PyYAML's C loader, the least any YAML-based check
can do. Each figure is the median of --repeat runs of the whole command (start-up included).

    python bench/check.py [--sizes 1000 5000] [--repeat 5]"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from make_catalog import make  # noqa: E402

PARSE_ONLY = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
"""


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| events | eventcat check (s) | parse only (s) | ratio | target |")
    print("|---|---|---|---|---|")
    for size in args.sizes:
        catalog = ROOT / "bench" / "out" / f"catalog-{size}"
        if not (catalog / "catalog.yaml").exists():
            make(size, catalog)
        check = statistics.median(timed([sys.executable, "-m", "eventcat", "check", "--strict",
                                         "--catalog", str(catalog)]) for _ in range(args.repeat))
        parse = statistics.median(timed([sys.executable, "-c", PARSE_ONLY, str(catalog)])
                                  for _ in range(args.repeat))
        target = "< 2 s" if size == 5000 else ""
        print(f"| {size:,} | {check:.2f} | {parse:.2f} | {check / parse:.2f} | {target} |")


if __name__ == "__main__":
    main()
