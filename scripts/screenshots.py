"""Take the README's screenshots of a built site in headless Chromium (Debian's package).

    python scripts/screenshots.py [_build/html] [docs/_static/screenshots]
        [--width 1280] [--page NAME=PATH ...]

Serves the site on 127.0.0.1, opens each page with Playwright and saves a PNG of it. Without
--page, the shipped site's pages below; the second organisation's example is taken with
    python scripts/screenshots.py examples/acme-shop/_build/html docs/_static/screenshots \
        --width 1366 --page acme-home=index.html \
        --page acme-event=catalog/events/product-viewed.html"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

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
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="_build/html", type=Path)
    parser.add_argument("out", nargs="?", default="docs/_static/screenshots", type=Path)
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    parser.add_argument("--page", action="append", metavar="NAME=PATH",
                        help="a page to take, saved as NAME.png (repeat; default: the README's)")
    args = parser.parse_args()
    pages = dict(p.split("=", 1) for p in args.page) if args.page else PAGES
    site, out = args.site, args.out
    out.mkdir(parents=True, exist_ok=True)
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        for name, path in pages.items():
            page.goto(base + path, wait_until="networkidle")
            page.screenshot(path=str(out / f"{name}.png"), full_page=False)
            print(f"{out / f'{name}.png'}")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
