"""The coverage page in a real strict Sphinx build: seen and never-seen events by team and domain,
undocumented and implicit events from a fixture log, hostile names escaped; and the page that
explains itself when no report is given."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, home_docs, squeeze

from eventcat.logs.check import check_logs
from eventcat.pipeline import build_catalog, generate

LOGS = FIXTURES / "logs"
HOSTILE = [
    {"username": "u", "event_source": "server", "name": "<script>alert(1)</script>", "time": "2025-01-01T00:00:00+00:00",
     "event": {}},
    {"username": "u", "event_source": "server", "name": "```{include} /etc/passwd", "time": "2025-01-01T00:00:01+00:00",
     "event": {}},
    {"username": "u", "event_source": "<b>bold</b>", "name": "{eval-rst}`x`", "time": "<img src=x onerror=alert(2)>",
     "event": {}},
    {"username": "u", "event_source": "server", "event_type": "/<iframe src=javascript:alert(3)>/", "time": "2025-01-01T00:00:02+00:00",
     "event": {}},
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("coverage")
    shutil.copytree(LOGS / "catalog", base / "catalog")
    hostile = base / "hostile.jsonl"
    hostile.write_text("".join(json.dumps(r) + "\n" for r in HOSTILE))
    docs = home_docs(base / "docs")
    result = subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--strict", "--catalog", base / "catalog",
         "--docs", docs, "--conf", ROOT, "--out", base / "_build",
         "--coverage", LOGS / "good.jsonl", "--coverage", LOGS / "names.jsonl", "--coverage", hostile],
        cwd=base, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return squeeze((base / "_build" / "html" / "catalog" / "coverage.html").read_text())


def test_seen_and_never_seen_by_team_and_domain(site):
    # the logs hold a Segment message, so events that reach Segment count too, whatever their
    # channel (Promotion Viewed goes to Segment only)
    assert "<strong>3</strong> of <strong>5</strong> documented events that these logs could hold were seen (60.0%)" in site
    # learner owns played, activated and problem_check (never seen); mercury owns email.sent and
    # Promotion Viewed (never seen)
    assert 'Learner</a></td><td>2 of 3</td>' in site and 'Mercury</a></td><td>1 of 2</td>' in site
    assert "<code>problem</code></td><td>0 of 1</td>" in site
    assert "never seen" in site and 'class="ec-never"' in site
    assert 'href="events/problem_check.html"' in site
    assert "<code>ecommerce</code></td><td>0 of 1</td>" in site


def test_undocumented_and_implicit_events_are_listed(site):
    assert "<code>edx.bookmark.added</code></td><td>3</td><td>server</td><td>2025-01-15 10:00:00 UTC" in site
    assert "<code>/courses/{id}/courseware/…</code></td><td>2</td>" in site
    assert "good.jsonl" in site and "names.jsonl" in site


def test_hostile_names_and_values_come_out_escaped(site):
    assert "<script>alert(1)" not in site and "&lt;script&gt;alert(1)&lt;/script&gt;" in site
    assert "<b>bold</b>" not in site and "&lt;b&gt;bold&lt;/b&gt;" in site
    assert "<iframe" not in site and "<img src=x" not in site
    assert "```{include} /etc/passwd" in site  # shown as text inside the raw HTML block, not run
    assert "root:" not in site


def test_without_a_report_the_page_says_how_to_make_one(mini, tmp_path):
    out = tmp_path / "out"
    generate(mini, out)
    page = (out / "coverage.md").read_text()
    assert "No log report was given when this site was built" in page
    assert "eventcat logs check tracking.log.gz --save-report coverage.json" in page


def test_a_saved_report_and_its_changes_reach_the_page(tmp_path):
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(LOGS / "catalog", catalog_dir)
    catalog = build_catalog(catalog_dir)[0]
    saved = tmp_path / "coverage.json"
    report = check_logs(catalog, [LOGS / "good.jsonl"], made="2025-05-01T12:00:00+00:00")
    saved.write_text(report.to_json())
    out = tmp_path / "out"
    generate(catalog_dir, out, coverage=[saved])
    assert "Report made 2025-05-01T12:00:00+00:00" in (out / "coverage.md").read_text()
    # the fast path must notice a changed report
    saved.write_text(check_logs(catalog, [LOGS / "names.jsonl"], made="2025-06-01T00:00:00+00:00").to_json())
    again = generate(catalog_dir, out, coverage=[saved])
    assert again.catalog is not None and "coverage.md" in again.report.written
    assert "Report made 2025-06-01T00:00:00+00:00" in (out / "coverage.md").read_text()


def test_a_broken_or_missing_coverage_source_stops_generation_clearly(tmp_path, mini):
    from eventcat.diagnostics import CatalogError
    broken = tmp_path / "coverage.json"
    broken.write_text('{\n  "format": "eventcat-log-report",\n  "version": 1\n}\n')
    with pytest.raises(CatalogError, match="cannot read the saved report"):
        generate(mini, tmp_path / "out", coverage=[broken])
    with pytest.raises(CatalogError, match="no such file"):
        generate(mini, tmp_path / "out", coverage=[tmp_path / "missing.log"])
    assert not (tmp_path / "out" / "coverage.md").exists()


@pytest.mark.parametrize("text", [
    '{"format":"eventcat-catalog/1","events":[]}\n',  # eventcat export json: one line
    '{\n  "events": []\n}\n',  # any pretty-printed JSON document
    '{"format": "eventcat-log-report", "version": 99}\n',  # a report from another version
])
def test_a_file_that_is_not_a_report_or_a_log_is_refused(tmp_path, text):
    from conftest import MINI

    from eventcat.diagnostics import CatalogError
    from eventcat.logs.coverage import load_report
    from eventcat.pipeline import build_catalog
    path = tmp_path / "coverage.json"
    path.write_text(text)
    with pytest.raises(CatalogError) as caught:
        load_report(build_catalog(MINI)[0], [path])
    assert "cannot read the saved report" in str(caught.value.diagnostics[0])


def test_the_page_names_log_files_without_their_folders(tmp_path):
    from conftest import MINI

    from eventcat.logs.check import check_logs
    from eventcat.logs.coverage import load_report
    from eventcat.pipeline import build_catalog
    catalog = build_catalog(MINI)[0]
    log = tmp_path / "secret-folder" / "prod.jsonl"
    log.parent.mkdir()
    log.write_text('{"event_type": "edx.video.played", "event_source": "browser", "event": {}}\n')
    saved = tmp_path / "report.json"
    saved.write_text(check_logs(catalog, [log]).to_json())
    for source in (log, saved):
        assert [f.path for f in load_report(catalog, [source]).files] == ["prod.jsonl"]


def test_the_summary_counts_agree_with_their_nouns(tmp_path):
    """The page said 'The logs also hold 1 records of 1 undocumented event names, 1 implicit
    events' for a log with one of each."""
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(LOGS / "catalog", catalog_dir)
    log = tmp_path / "one.jsonl"
    log.write_text('{"event_type": "no.such.event", "event_source": "server", "event": {}}\n'
                   '{"event_type": "/courses/x/about", "event_source": "server", "event": {}}\n')
    out = tmp_path / "out"
    generate(catalog_dir, out, coverage=[log])
    page = " ".join((out / "coverage.md").read_text().split())
    assert "hold 1 record of 1 undocumented event name, 1 implicit event (URL paths)," in page
