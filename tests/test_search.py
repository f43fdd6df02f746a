"""Site search finds events by the names implementations put on the wire and by the names of the
fields they carry; the fields page lists every field with the events carrying it."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import MINI, ROOT, home_docs

from eventcat.pipeline import build_catalog


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("search")
    shutil.copytree(MINI, base / "catalog")
    played = base / "catalog" / "events" / "edx.video.played.yaml"
    text = played.read_text()
    # the mobile implementation sends a display name instead of the catalog's
    assert "    api: Analytics.track\n" in text
    played.write_text(text.replace("    api: Analytics.track\n",
                                   "    api: Analytics.track\n    name: Played Video\n"))
    docs = home_docs(base / "docs")
    result = subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--strict", "--catalog", str(base / "catalog"),
         "--docs", str(docs), "--conf", str(ROOT), "--out", str(base / "_build")],
        cwd=base, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "_build" / "html"


def search_objects(html):
    """(search name, page, anchor, priority, object type) of every object in the search index."""
    text = (html / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    found = []
    for prefix, rows in index["objects"].items():
        for doc, typ, prio, anchor, name in rows:
            found.append((f"{prefix}.{name}" if prefix else name, index["docnames"][doc], anchor, prio,
                          index["objtypes"][str(typ)]))
    return found


def test_wire_name_leads_to_its_event(site):
    hits = [o for o in search_objects(site) if o[0] == "Played Video"]
    assert hits == [("Played Video", "catalog/events/edx.video.played", "", 0, "eventcat:wire")]


def test_search_results_say_what_kind_of_name_matched(site):
    """Sphinx shows a result as "NAME (KIND, in PAGE TITLE)": a wire name says it is one, and
    names the event it belongs to (the page's title)."""
    text = (site / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    kinds = {f"{domain}:{kind}": label for domain, kind, label in index["objnames"].values()}
    assert kinds["eventcat:wire"] == "wire name"
    assert kinds["eventcat:event"] == "event"
    assert index["titles"][index["docnames"].index("catalog/events/edx.video.played")] == "edx.video.played"


def test_the_search_page_ranks_a_result_named_as_typed_first(site):
    """The scorer that puts the exact name first travels with the package and reaches the page."""
    scorer = (site / "_static" / "language_data.js").read_text()
    assert "Scorer.score = function" in scorer


def test_own_field_names_lead_to_the_field_rows(site):
    hits = {o[1:] for o in search_objects(site) if o[0] == "currentTime"}
    assert hits == {("catalog/events/edx.video.played", "field-currentTime", 2, "eventcat:field"),
                    ("catalog/events/edx.video.paused", "field-currentTime", 2, "eventcat:field")}
    page = (site / "catalog" / "events" / "edx.video.played.html").read_text()
    assert 'id="field-currentTime"' in page


def test_inherited_fields_stay_out_of_search(site):
    # the envelope group's fields are on every event page; searching them would list every event
    catalog = build_catalog(MINI)[0]
    envelope = {f.name for f in catalog.groups["envelope"].fields}
    assert envelope
    names = {o[0] for o in search_objects(site) if o[4] == "eventcat:field"}
    assert names and not envelope & names


def test_fields_page_lists_a_field_with_its_events(site):
    page = (site / "catalog" / "fields.html").read_text()
    row = page[page.index('id="ec-field-currentTime"'):]
    row = row[: row.index("</tr>")]
    assert "edx.video.paused.html" in row and "edx.video.played.html" in row
    assert "number" in row
    assert "seq_goto.html" not in row
    home = (site / "index.html").read_text()
    assert 'href="catalog/fields.html"' in home
