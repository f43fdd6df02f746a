"""Take the README's screenshots of a built site in headless Chromium (Debian's package).

    python scripts/screenshots.py [_build/html] [docs/_static/screenshots]
        [--width 1366] [--height 900] [--dark] [--suffix TEXT] [--page NAME=PATH ...]

Serves the site on 127.0.0.1, opens each page with Playwright and saves a PNG of the first screen.
Without --page it takes the README's whole set: every page below on a desktop, and the event page,
the event list, a tool page and the privacy map also on a phone (390 px) in light and dark, and on
a desktop in dark. With --page, only the pages named, at --width, light unless --dark, saved as
NAME{suffix}.png. The second organisation's example is taken with
    python scripts/screenshots.py examples/acme-shop/_build/html docs/_static/screenshots \
        --width 1366 --page acme-home=index.html \
        --page acme-event=catalog/events/product-viewed.html
PNGs are made smaller with pngquant and optipng when they are installed (Debian packages of the
same names); the README's images stay well under 1 MB each."""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

PAGES = {
    "home": "index.html",
    "event": "catalog/events/edx.video.played.html",
    "event-index": "catalog/events/index.html?team=learner&side=server",
    "tool": "catalog/tools/google-analytics.html",
    "team": "catalog/teams/mercury.html",
    "privacy": "catalog/privacy.html",
    "coverage": "catalog/coverage.html",
    "changes": "catalog/changes.html",
}
# The reader's main page kinds, shown on a phone and in dark mode too.
READER = ("event", "event-index", "tool", "privacy")
# Where a page's screenshot starts, when not at the top: the privacy map's matrix.
SCROLL_TO = {"privacy": "#privacy-matrix"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    width: int
    height: int
    dark: bool = False
    suffix: str = ""


def readme_set() -> list[Shot]:
    shots = [Shot(name, path, 1366, 900) for name, path in PAGES.items()]
    for name in READER:
        shots += [Shot(name, PAGES[name], 390, 844, suffix="-phone"),
                  Shot(name, PAGES[name], 390, 844, dark=True, suffix="-phone-dark"),
                  Shot(name, PAGES[name], 1366, 900, dark=True, suffix="-dark")]
    return shots


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def take(browser: Browser, base: str, shot: Shot, out: Path) -> Path:
    context = browser.new_context(viewport={"width": shot.width, "height": shot.height},
                                  color_scheme="dark" if shot.dark else "light",
                                  device_scale_factor=1, is_mobile=shot.width < 600,
                                  has_touch=shot.width < 600)
    page = context.new_page()
    page.goto(base + shot.path, wait_until="networkidle")
    target = SCROLL_TO.get(shot.name)
    if target and page.locator(target).count():
        # scrolled by script, not by a #fragment: the theme highlights a fragment's target
        page.locator(target).evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 90)")
    file = out / f"{shot.name}{shot.suffix}.png"
    page.screenshot(path=str(file), full_page=False)
    context.close()
    return file


def optimise(file: Path) -> None:
    """Fewer colours (pngquant, near-lossless for a page of text) and a tighter encoding (optipng)."""
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "70-95", "--strip",
                        "--output", str(file), str(file)], check=False)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", str(file)], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="_build/html", type=Path)
    parser.add_argument("out", nargs="?", default="docs/_static/screenshots", type=Path)
    parser.add_argument("--width", type=int, default=1366, help="viewport width in CSS pixels")
    parser.add_argument("--height", type=int, default=900, help="viewport height in CSS pixels")
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme")
    parser.add_argument("--suffix", default="", help="added to each file name, before .png")
    parser.add_argument("--page", action="append", metavar="NAME=PATH",
                        help="a page to take, saved as NAME{suffix}.png (repeat; default: the README's set)")
    args = parser.parse_args()
    if args.page:
        shots = [Shot(name, path, args.width, args.height, args.dark, args.suffix)
                 for name, path in (p.split("=", 1) for p in args.page)]
    else:
        shots = readme_set()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    server = serve(args.site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for shot in shots:
            file = take(browser, base, shot, out)
            optimise(file)
            print(f"{file} {file.stat().st_size // 1024} kB")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
