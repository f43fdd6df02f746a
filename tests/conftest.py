import functools
import http.server
import os
import shutil
import textwrap
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture catalog."""
    target = tmp_path / "catalog"
    shutil.copytree(MINI, target)
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def home_docs(folder: Path) -> Path:
    """A Sphinx source folder with the shipped top-level pages (the home page and the pages its
    table of contents names) and a stub guide instead of the guides, which name shipped events.
    Top-level pages only the guides list (the contributors' performance page) stay out."""
    folder.mkdir(parents=True, exist_ok=True)
    home = (ROOT / "docs" / "index.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        if page.name == "index.md" or f"\n{page.stem}\n" in home:
            shutil.copy(page, folder / page.name)
    write(folder / "guides" / "index.md", "# Guides\n\nA stub guide for tests.\n")
    return folder


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return home_docs(tmp_path / "docs")


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> Path:
    """The shipped catalog built strictly, as CI builds it, into a temporary folder."""
    import subprocess
    import sys
    base = tmp_path_factory.mktemp("shipped")
    shutil.copytree(ROOT / "docs", base / "docs", ignore=shutil.ignore_patterns("catalog"))
    result = subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--strict", "--catalog", str(ROOT / "catalog"),
         "--docs", str(base / "docs"), "--conf", str(ROOT), "--out", str(base / "_build")],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "_build" / "html"


def squeeze(html: str) -> str:
    """Generated HTML with the whitespace between tags taken out and other runs made one space:
    templates put one element per line, and tests check what the reader sees, not the line breaks."""
    import re
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))


# --- the browser tests: the shipped site over HTTP in Debian's Chromium, driven by Playwright ---
# Without Chromium they are skipped on a developer machine, but fail in CI.

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(shipped_site):
    handler = functools.partial(_Quiet, directory=str(shipped_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (sudo apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the browser tests must run
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url, request):
    """A fresh page that records failed requests and console errors, and fails the test on any."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems = []
    tab.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
           if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    visited = []
    original_goto = tab.goto

    def goto(path, **kwargs):
        visited.append(path)
        return original_goto(base_url + path, wait_until="networkidle", **kwargs)

    tab.visit = goto
    yield tab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert problems == []


@pytest.fixture(params=[(390, 844, "light"), (390, 844, "dark"), (1366, 768, "light"), (1366, 768, "dark")],
                ids=["phone-light", "phone-dark", "desktop-light", "desktop-dark"])
def sized(browser, base_url, request):
    """A page at a phone's or a desktop's width, in light or dark mode; screenshots per page kind."""
    width, height, scheme = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    tab = context.new_page()

    def visit(path: str, name: str) -> None:
        tab.goto(base_url + path, wait_until="networkidle")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{scheme}.png"))

    tab.visit = visit
    tab.size = (width, height)
    yield tab
    context.close()
