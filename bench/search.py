"""Search on a big built site, in headless Chromium: how long until the first result shows, which
result comes first for an event's full name, and how long until the whole list is shown.

    python bench/search.py SITE_HTML_DIR NAME [NAME ...]"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    site, names = Path(sys.argv[1]), sys.argv[2:]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        for name in names:
            started = time.perf_counter()
            page.goto(base + "search.html?q=" + quote(name))
            page.wait_for_selector("#search-results li a", timeout=120_000)
            first_shown = time.perf_counter() - started
            first = page.locator("#search-results li a").first.inner_text().strip()
            page.wait_for_function("(document.querySelector('#search-results p.search-summary') || "
                                   "{textContent: ''}).textContent.startsWith('Search finished')",
                                   timeout=300_000)
            done = time.perf_counter() - started
            count = page.locator("#search-results li").count()
            print(f"{name!r}: first result {first!r} after {first_shown:.2f} s; "
                  f"{count} results listed after {done:.2f} s")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
