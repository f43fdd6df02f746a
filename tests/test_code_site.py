"""The implementation status page and each event page's "Emitted at", from a saved code report:
in a real strict Sphinx build, with links made from the report's --repo-url template; hostile file
names, names and templates escaped; the page that explains itself without a report; a new report
re-renders only the event pages whose call sites changed."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, home_docs

from eventcat.code.scan import scan
from eventcat.diagnostics import CatalogError
from eventcat.pipeline import build_catalog, generate

CODE = FIXTURES / "code"
TEMPLATE = "https://github.com/openedx/platform/blob/main/{path}#L{line}"


def saved_report(path, repo_url=TEMPLATE, edit=None):
    catalog = build_catalog(CODE / "catalog")[0]
    report = scan(catalog, [CODE / "platform"], CODE / "platform", repo_url=repo_url)
    data = json.loads(report.to_json())
    if edit:
        edit(data)
    path.write_text(json.dumps(data))
    return path


def hostile(data):
    data["calls"].append({"file": "lms/<script>alert(1)</script>.py", "line": 3, "api": "tracker.emit",
                          "side": "server", "resolved": "literal", "name": "edx.course.enrollment.activated",
                          "payload_keys": [], "payload_complete": False})
    data["calls"].append({"file": "lms/x.py", "line": 4, "api": "tracker.emit", "side": "server",
                          "resolved": "literal", "name": "<img src=x onerror=alert(2)>",
                          "payload_keys": [], "payload_complete": False})
    data["calls"].append({"file": "lms/y.py", "line": 5, "api": "tracker.emit", "side": "server",
                          "resolved": "unresolved", "expression": "```{include} /etc/passwd",
                          "payload_keys": [], "payload_complete": False})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("implementation")
    shutil.copytree(CODE / "catalog", base / "catalog")
    report = saved_report(base / "code.json", edit=hostile)
    docs = home_docs(base / "docs")
    result = subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--strict", "--catalog", base / "catalog",
         "--docs", docs, "--conf", ROOT, "--out", base / "_build", "--code-report", report],
        cwd=base, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return base / "_build" / "html" / "catalog"


def test_status_page_lists_events_names_and_differences(site):
    page = (site / "implementation.html").read_text()
    assert "<strong>8</strong> of <strong>9</strong> events expected in the scanned code have a call site" in page
    assert ('<tr class="ec-status-missing"><td><a class="ec-event" href="events/edx.grades.gone.html">'
            '<code>edx.grades.gone</code></a></td><td>no call site</td>') in page
    assert ('<a href="https://github.com/openedx/platform/blob/main/lms/enrollment.py#L17" rel="noopener">'
            '<code>lms/enrollment.py:17</code></a>') in page
    assert "<code>problem_graded</code></td><td><code>runtime.publish</code>" in page
    assert "<code>get_name(item)</code>" in page  # an unresolved name, with its place
    assert "payload key &#39;extra&#39; is not a declared field" in page
    assert "lms/grades/events.py" in page  # the stale where: path


def test_event_page_shows_emitted_at_with_links(site):
    page = (site / "events" / "edx.certificate.shared.html").read_text()
    assert "Emitted at" in page
    assert ('<a href="https://github.com/openedx/platform/blob/main/lms/certificates/views.py#L18" rel="noopener">'
            '<code>lms/certificates/views.py:18</code></a> · <code>tracker.emit</code> through '
            '<code>send_tracker_event → publish_event</code>') in page
    assert "a computed name, <code>edx.certificate.*</code>" in page
    gone = (site / "events" / "edx.grades.gone.html").read_text()
    assert "No call site found in the scanned code" in gone


def test_hostile_report_values_are_escaped(site):
    pages = (site / "implementation.html").read_text() + (
        site / "events" / "edx.course.enrollment.activated.html").read_text()
    assert "<script>alert(1)" not in pages and "<img src=x" not in pages
    assert "%3Cscript%3Ealert%281%29%3C/script%3E.py#L3" in pages  # the link's path, percent-encoded
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py:3" in pages
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages
    assert "/etc/passwd" in pages and "{include}" not in pages.replace("```{include} /etc/passwd", "")


def test_only_http_links_are_made(tmp_path):
    report = saved_report(tmp_path / "code.json", repo_url="",
                          edit=lambda d: d.update(repo_url="javascript:alert(1)//{path}"))
    out = tmp_path / "generated"
    generate(CODE / "catalog", out, code_report=report, history=0)
    text = (out / "implementation.md").read_text() + (out / "events" / "problem_check.md").read_text()
    assert "javascript:" not in text and "<a href" not in text.split("## Events")[1].split("</table>")[0].replace(
        'class="ec-event" href', "")
    assert "<code>xmodule/capa_block.py:7</code>" in text


def test_without_a_report_the_page_says_how_and_event_pages_have_no_section(tmp_path):
    out = tmp_path / "generated"
    generate(CODE / "catalog", out, history=0)
    assert "No code report was given when this site was built" in (out / "implementation.md").read_text()
    assert "Emitted at" not in (out / "events" / "problem_check.md").read_text()


def test_a_new_report_re_renders_only_the_pages_whose_sites_changed(tmp_path):
    out = tmp_path / "generated"
    report = saved_report(tmp_path / "code.json")
    generate(CODE / "catalog", out, code_report=report, history=0)

    def move_problem_check(data):
        for call in data["calls"]:
            if call.get("name") == "problem_check":
                call["line"] += 10
    saved_report(tmp_path / "code.json", edit=move_problem_check)
    result = generate(CODE / "catalog", out, code_report=report, history=0)
    assert sorted(result.report.written) == ["events/problem_check.md", "implementation.md"]


def test_a_broken_report_stops_the_build_with_one_line(tmp_path):
    bad = tmp_path / "code.json"
    bad.write_text('{"format": "eventcat-log-report"}')
    with pytest.raises(CatalogError) as error:
        generate(CODE / "catalog", tmp_path / "out", code_report=bad, history=0)
    assert "bad-code-report" in str(error.value) and "not a saved code report" in str(error.value)
    assert not (tmp_path / "out").exists()
