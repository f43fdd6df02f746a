"""`eventcat serve` as an author uses it: edit a file, see the page change, exactly once; add an
event, see it listed; break a file, see why, fix it, see it recover."""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import MINI, ROOT, write


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except (OSError, http.client.HTTPException):  # down, or a page replaced while it was sent
        return ""


def wait_for(condition, what: str, limit: float = 90):
    """Poll until `condition()` is true: a bound on waiting, not a speed assertion."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture
def server(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("catalog"))
    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 -- the server writes to it until teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "eventcat", "serve", "--conf", str(ROOT), "--port", str(port)],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: "edx.video.played" in fetch(base + "catalog/events/edx.video.played.html"),
                 "the first build")
        yield tmp_path, base, lambda: (tmp_path / "serve.log").read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def rebuilds(log: str) -> int:
    return log.count("Rebuilding")


def test_edit_updates_the_page_with_exactly_one_rebuild(server):
    folder, base, log = server
    path = folder / "catalog" / "events" / "edx.video.played.yaml"
    path.write_text(path.read_text().replace("A learner started playing a video.",
                                             "A learner pressed play."))
    wait_for(lambda: "A learner pressed play." in fetch(base + "catalog/events/edx.video.played.html"),
             "the edited page")
    time.sleep(3)  # a rebuild loop would show up here as more rebuilds
    assert rebuilds(log()) == 1, log()


def test_added_event_is_listed_and_a_broken_file_recovers(server):
    folder, base, log = server
    write(folder / "catalog" / "events" / "edx.video.rewound.yaml", """
        name: edx.video.rewound
        summary: A learner rewound a video.
        kind: research
        reviewed_by: Docs team
        owner: learner
        implementations: [{side: server, api: tracker.emit}]
        """)
    # Sphinx writes the pages one after another: wait for each, not only the first
    wait_for(lambda: "edx.video.rewound" in fetch(base + "catalog/events/index.html"), "the index")
    wait_for(lambda: "A learner rewound a video." in fetch(base + "catalog/events/edx.video.rewound.html"),
             "the new page")
    wait_for(lambda: "edx.video.rewound" in fetch(base + "catalog/teams/learner.html"), "the team page")
    wait_for(lambda: "Rebuilding" in log() and "Serving on" in log().rsplit("Rebuilding", 1)[1],
             "the end of the build")

    broken = folder / "catalog" / "events" / "edx.video.rewound.yaml"
    good = broken.read_text()
    broken.write_text(good.replace("owner: learner", "owner: lerner"))
    wait_for(lambda: "unknown team 'lerner'" in log(), "the error message")
    assert "edx.video.rewound.yaml:5:8: error unknown-reference: unknown team 'lerner' (did you mean 'learner'?)" in log()
    assert "Traceback" not in log()
    broken.write_text(good.replace("A learner rewound a video.", "Rewound."))
    wait_for(lambda: "Rewound." in fetch(base + "catalog/events/edx.video.rewound.html"), "recovery")


def links(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"#]+)', html)


def test_a_new_tool_reaches_the_navigation_of_existing_pages(server):
    """A reader on a page that did not change finds the new tool through the navigation it shows:
    the header's Tools link and the breadcrumbs lead to the tools index, which lists the tool,
    and the link resolves to the tool's page."""
    folder, base, log = server
    write(folder / "catalog" / "tools" / "amplitude.yaml", """
        id: amplitude
        name: Amplitude
        category: web-analytics
        receives: [segment]
        storage: {limits: Not documented., access: Analysts., retention: Not documented.}
        """)
    wait_for(lambda: "Amplitude" in fetch(base + "catalog/tools/amplitude.html"), "the new page")
    wait_for(lambda: "Rebuilding" in log() and "Serving on" in log().rsplit("Rebuilding", 1)[1],
             "the end of the build")
    existing = fetch(base + "catalog/tools/sailthru.html")  # unchanged by the new tool
    breadcrumbs = existing.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert "index.html" in links(breadcrumbs)  # Tools, in the breadcrumbs
    header = fetch(base + "guides/index.html").split("</header>")[0]
    assert "../catalog/tools/index.html" in links(header)  # Tools, in the header of any page
    index = fetch(base + "catalog/tools/index.html")
    assert "amplitude.html" in links(index)
    assert "<h1>Amplitude" in fetch(base + "catalog/tools/amplitude.html")
    # the listing pages show no site navigation beside them: their tables get the width
    assert "bd-docs-nav" not in existing
