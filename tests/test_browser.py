"""The built site in a real browser: Debian's Chromium driven by Playwright, over HTTP (the
browser fixtures are in conftest.py).

Each visited page is saved as a screenshot under test-output/screenshots/ (git-ignored).
Without Chromium these tests are skipped on a developer machine, but fail in CI."""

from urllib.parse import urlparse

import pytest

from conftest import ROOT


def test_home_page(page):
    page.visit("index.html")
    assert page.title().startswith("Analytics research guide")
    cards = page.locator(".ec-count-card").all_inner_texts()
    from eventcat.pipeline import build_catalog
    count = len(build_catalog(ROOT / "catalog")[0].events)  # the card counts the shipped catalog
    assert any(c.replace(",", "").startswith(str(count)) and "events" in c for c in cards)
    assert page.locator("nav a", has_text="Events").count() >= 1


def test_search_finds_an_event_by_its_full_name_and_opens_it(page):
    page.visit("index.html")
    page.keyboard.press("Control+k")
    page.locator("input[name=q]:visible").first.fill("edx.course.enrollment.activated")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results li a")
    first = page.locator("#search-results li a").first
    assert first.inner_text().strip() == "edx.course.enrollment.activated"
    first.click()
    page.wait_for_load_state("networkidle")
    # an object result: Sphinx adds the name as a fragment, which lands at the top of the page
    assert page.url.split("#")[0].endswith("catalog/events/edx.course.enrollment.activated.html")
    assert page.locator("h1").inner_text().startswith("edx.course.enrollment.activated")


def test_search_finds_events_with_spaces_and_capitals(page):
    for name in ["Promotion Viewed", "add-forum-community-TA"]:
        page.visit(f"search.html?q={name}")
        page.wait_for_selector("#search-results li a")
        assert page.locator("#search-results li a").first.inner_text().strip() == name


def test_event_page_shows_fields_recipe_and_destinations(page):
    page.visit("catalog/events/edx.video.played.html")
    fields = page.locator("table.ec-fields tbody tr")
    assert fields.count() >= 10
    assert page.locator("table.ec-fields", has_text="currentTime").count() == 1
    blocks = page.locator("#implementation pre")
    assert blocks.count() == 5  # three recipes; the browser's and the webhook's records
    assert 'Logger.log("play_video"' in blocks.nth(0).inner_text()
    assert '"event_source": "browser"' in blocks.nth(1).inner_text()
    destinations = page.locator("table.ec-destinations tbody tr")
    assert destinations.count() >= 2
    assert page.locator("#where-the-data-goes", has_text="Tracking Log").count() == 1


def test_tool_page_lists_its_events(page):
    page.visit("catalog/tools/sailthru.html")
    listed = page.locator("table.ec-events tbody tr").count()
    assert listed >= 1
    assert page.locator("table.ec-events", has_text="edx.bi.email.sent").count() == 1
    page.locator("a", has_text="Open them in the filterable event list").click()
    page.wait_for_load_state("networkidle")
    assert "tool=sailthru" in page.url
    assert page.locator("#ec-index tbody tr:visible").count() == listed


def test_index_narrows_by_team_and_by_tool(page):
    page.visit("catalog/events/index.html")
    all_rows = page.locator("#ec-index tbody tr")
    total = all_rows.count()
    from eventcat.pipeline import build_catalog
    assert total == len(build_catalog(ROOT / "catalog")[0].events)
    assert page.locator(".ec-count").inner_text() == f"Showing {total} of {total} events"
    page.select_option("select[name=team]", "mercury")
    visible = page.locator("#ec-index tbody tr:visible")
    mercury = visible.count()
    assert 0 < mercury < total
    for i in range(mercury):
        assert "mercury" in visible.nth(i).get_attribute("data-team").split()
    assert "team=mercury" in page.url  # the narrowed list can be shared
    page.select_option("select[name=tool]", "google-analytics")
    both = page.locator("#ec-index tbody tr:visible").count()
    assert 0 < both <= mercury
    page.locator("button[type=reset]").click()
    page.wait_for_function(f"document.querySelectorAll('#ec-index tbody tr:not([hidden])').length === {total}")
    page.fill("#ec-filters input[name=q]", "play_video")  # legacy names are searchable too
    assert page.locator("#ec-index tbody tr:visible").count() == 1


def test_team_page(page):
    page.visit("catalog/teams/mercury.html")
    assert page.locator("h1").inner_text().startswith("Mercury")
    assert page.locator("dd", has_text="Learner").count() >= 1
    assert page.locator("table.ec-events tbody tr").count() >= 3


def test_event_history_leads_to_the_what_changed_page(page):
    """Whatever the repository's history holds, the section links to the page that shows it."""
    page.visit("catalog/events/edx.video.played.html")
    section = page.locator("section#history")
    assert section.locator("h2").inner_text().startswith("History")
    section.locator("a[href*='changes.html']").first.click()
    page.wait_for_load_state("networkidle")
    assert "catalog/changes.html" in page.url
    assert page.locator("h1").inner_text().startswith("What changed")
    folded = page.locator("details.ec-names")
    if folded.count():  # events that changed the same way are folded: unfolding lists them
        folded.first.locator("summary").click()
        assert folded.first.locator("a.ec-event").first.is_visible()


PAGE_KINDS = {
    "event": "catalog/events/edx.course.enrollment.activated.html",
    "event-list": "catalog/events/index.html",
    "tool": "catalog/tools/sailthru.html",
    "team": "catalog/teams/mercury.html",
    "privacy": "catalog/privacy.html",
    "home": "index.html",
}


def test_no_page_is_wider_than_the_screen(sized):
    for name, path in PAGE_KINDS.items():
        sized.visit(path, name)
        extra = sized.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert extra <= 0, f"{name} is {extra} px wider than the screen"


def test_own_fields_start_within_the_first_screen_on_a_desktop(sized):
    if sized.size[0] < 1000:
        pytest.skip("a desktop check")
    sized.visit(PAGE_KINDS["event"], "event-first-screen")
    top = sized.evaluate("document.querySelector('table.ec-fields').getBoundingClientRect().top")
    assert top < sized.size[1]
    # the inherited envelope is folded away, one click from view
    assert sized.locator("details.ec-inherited-block table.ec-fields").is_hidden()


def test_event_list_keeps_the_summary_on_a_phone(sized):
    sized.visit(PAGE_KINDS["event-list"], "event-list-rows")
    first = sized.locator("#ec-index tbody tr").first
    assert first.locator("td").nth(1).is_visible()  # the summary


@pytest.mark.parametrize("words", ["video paused", "Played Video", "course_id", "sailthru", "play_video"])
def test_the_event_list_filter_matches_words_in_any_order(page, words):
    page.visit("catalog/events/index.html")
    page.fill("#ec-filters input[name=q]", words)
    assert page.locator("#ec-index tbody tr:visible").count() >= 1


def test_an_event_page_warns_where_personal_data_must_not_go(page):
    page.visit("catalog/events/edx.course.enrollment.activated.html")
    warning = page.locator(".ec-privacy-warning")
    assert warning.count() >= 1 and "must not receive personal data" in warning.first.inner_text()


def test_the_header_search_button_is_named_by_what_it_shows(page):
    page.visit("index.html")
    shown = [b for b in page.locator(".search-button-field").all() if b.is_visible()]
    assert shown
    for button in shown:
        assert button.get_attribute("aria-label") is None


AXE_PAGES = {**PAGE_KINDS, "fields": "catalog/fields.html", "guide": "guides/naming.html",
             "search": "search.html?q=enrollment"}


def _axe_source() -> str:
    from importlib.resources import files
    return (files("axe_playwright_python") / "axe.min.js").read_text()


def test_no_page_kind_has_serious_accessibility_violations(sized):
    """axe-core, bundled with the test dependencies (no download), on every kind of page."""
    source = _axe_source()
    found = {}
    for name, path in AXE_PAGES.items():
        sized.visit(path, f"axe-{name}")
        sized.add_script_tag(content=source)
        violations = sized.evaluate("""async () => (await axe.run(document)).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.nodes.length + '): ' + v.nodes.slice(0, 3)
                 .map(n => n.target.join(' ')).join(' | '))""")
        if violations:
            found[name] = violations
    assert found == {}


def test_an_event_page_does_not_load_the_search_index(page):
    loaded = []
    page.on("request", lambda r: loaded.append(urlparse(r.url).path.rsplit("/", 1)[-1]))
    page.visit(PAGE_KINDS["event"])
    assert "eventcat.css" in loaded  # the recording works
    assert not {"searchindex.js", "searchtools.js", "language_data.js"} & set(loaded)


def test_the_search_page_still_loads_the_search_index(page):
    loaded = []
    page.on("request", lambda r: loaded.append(urlparse(r.url).path.rsplit("/", 1)[-1]))
    page.visit("search.html?q=enrollment")
    assert "searchindex.js" in loaded
