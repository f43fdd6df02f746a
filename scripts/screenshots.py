"""Take the README's screenshots of a built site in headless Chromium (Debian's package).

    python scripts/screenshots.py [_build/html] [docs/_static/screenshots]

Serves the site on 127.0.0.1, opens each page with Playwright and saves a PNG of it."""

from __future__ import annotations

import functools
import http.server
import sys
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
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/_static/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name, path in PAGES.items():
            page.goto(base + path, wait_until="networkidle")
            page.screenshot(path=str(out / f"{name}.png"), full_page=False)
            print(f"{out / f'{name}.png'}")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
