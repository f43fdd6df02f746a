"""The reader's site of #15 in Chromium, at a phone's 390 px and a desktop's 1366 px, light and dark
(the `sized` fixture in conftest.py): every page kind fits the screen and shows what it is for,
tables stay readable, nothing needs hover, and the privacy map is one compact matrix. Each visited
page is saved as a screenshot under test-output/screenshots/, named page-width-scheme.png."""

import pytest

READER_PAGES = {
    "event": "catalog/events/edx.course.enrollment.activated.html",
    "event-list": "catalog/events/index.html",
    "tool": "catalog/tools/google-analytics.html",
    "team": "catalog/teams/mercury.html",
    "privacy": "catalog/privacy.html",
    "fields": "catalog/fields.html",
    "guide": "guides/naming.html",
    "search": "search.html?q=course_id",
}
# What each page is for, which must be on screen: its main content, by selector.
SHOWS = {
    "event": "table.ec-fields",
    "event-list": "#ec-index tbody tr",
    "tool": "table.ec-events",
    "team": "table.ec-events",
    "privacy": "table.ec-matrix",
    "fields": "table.ec-field-index",
    "guide": "article p",
    "search": "#search-results li a",
}


def phone(tab) -> bool:
    return tab.size[0] < 600


@pytest.mark.parametrize("kind", list(READER_PAGES))
def test_each_page_kind_fits_the_screen_and_its_title_wraps(sized, kind):
    sized.visit(READER_PAGES[kind], kind)
    if kind == "search":
        sized.wait_for_selector(SHOWS[kind])
    extra = sized.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert extra <= 0, f"{kind} is {extra} px wider than the screen"
    title = sized.locator("h1").first
    box = title.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= sized.size[0]
    # wrapped, not cut: the heading's text fits its box
    assert sized.evaluate("h => h.scrollWidth <= h.clientWidth + 1", title.element_handle())
    assert sized.locator(SHOWS[kind]).first.is_visible()
    # nor is anything cut inside the page: no block of generated content scrolls sideways (the
    # privacy matrix scrolls in its own box, with a cue, tested below)
    clipped = sized.evaluate("""() => [...document.querySelectorAll('.ec-raw')]
        .filter(box => box.scrollWidth > box.clientWidth + 1)
        .map(box => box.firstElementChild.outerHTML.slice(0, 80) + ' ' + box.scrollWidth + '>' + box.clientWidth)""")
    assert clipped == []


@pytest.mark.parametrize("kind", ["event", "event-list", "tool", "team", "privacy", "fields"])
def test_no_table_is_clipped_on_a_desktop(sized, kind):
    """At 1366 px every table fits its column: nothing hides behind a scrollbar."""
    if phone(sized):
        pytest.skip("a desktop check")
    sized.visit(READER_PAGES[kind], f"{kind}-tables")
    clipped = sized.evaluate("""() => [...document.querySelectorAll('.ec-raw, .ec-matrix-scroll')]
        .filter(box => box.querySelector('table') && box.scrollWidth > box.clientWidth + 1)
        .map(box => box.querySelector('table').className + ' ' + box.scrollWidth + '>' + box.clientWidth)""")
    assert clipped == []
    if kind in ("tool", "team"):  # a listing: no site navigation beside it
        assert sized.locator(".bd-docs-nav").count() == 0
        assert sized.locator("article").bounding_box()["width"] > 1000


def test_facts_stack_on_a_phone_and_pair_up_on_a_desktop(sized):
    sized.visit(READER_PAGES["event"], "event-facts")
    term = sized.locator("dl.ec-facts dt").first.bounding_box()
    value = sized.locator("dl.ec-facts dd").first.bounding_box()
    if phone(sized):
        assert value["y"] >= term["y"] + term["height"] - 1  # below its term
        assert value["x"] + value["width"] <= sized.size[0]
    else:
        assert value["x"] > term["x"] + term["width"] and abs(value["y"] - term["y"]) < 5


def test_field_tables_stay_readable_on_a_phone(sized):
    """Stacked rows: every cell of a field row is on screen, labelled with its column."""
    if not phone(sized):
        pytest.skip("a phone check")
    sized.visit(READER_PAGES["event"], "event-fields")
    row = sized.locator("table.ec-fields tr#field-course_id")
    cells = row.locator("td")
    labels = []
    for i in range(cells.count()):
        cell = cells.nth(i)
        assert cell.is_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= sized.size[0]
        labels.append(sized.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle()))
    assert '"Description: "' in labels and '"Example: "' in labels
    assert "Key of the course run" in row.inner_text()  # the description is shown, not dropped


def test_event_list_shows_the_summary_and_the_other_columns_on_a_phone(sized):
    if not phone(sized):
        pytest.skip("a phone check")
    sized.visit(READER_PAGES["event-list"], "event-list-phone")
    first = sized.locator("#ec-index tbody tr").first
    cells = first.locator("td")
    assert cells.count() >= 3
    for i in range(cells.count()):
        if cells.nth(i).inner_text().strip():
            box = cells.nth(i).bounding_box()
            assert cells.nth(i).is_visible() and box["x"] + box["width"] <= sized.size[0]


def test_an_event_page_shows_its_privacy_warning(sized):
    sized.visit(READER_PAGES["event"], "event-warning")
    warning = sized.locator(".ec-privacy-warning")
    assert warning.is_visible()
    assert "must not receive personal data" in warning.inner_text()
    assert warning.locator("a[href$='google-analytics.html']").count() == 1
    # before the fields: a reader sees it on the way to them
    fields = sized.locator("table.ec-fields").first.bounding_box()
    assert warning.bounding_box()["y"] < fields["y"]


def test_the_privacy_map_is_one_matrix_that_flags_in_words(sized):
    sized.visit(READER_PAGES["privacy"], "privacy-matrix")
    assert sized.locator("table.ec-matrix").count() == 1
    assert sized.locator("article table").count() <= 4  # matrix, storage, teams, unclassified
    forbidden = sized.locator("table.ec-matrix td.ec-reach-forbidden")
    assert forbidden.count() >= 1
    for text in forbidden.all_inner_texts():
        assert "must not" in text  # said in words, not by colour alone
    # a field that does not reach a tool says so to a screen reader, and is not flagged
    none = sized.locator("table.ec-matrix td.ec-reach-none").first
    assert none.locator("[aria-hidden=true]").inner_text() == "–"
    assert none.locator(".ec-sr").text_content() == "does not reach"
    # the flag leads to the events that cause it
    forbidden.first.locator("a").click()
    target = sized.evaluate("location.hash")
    assert target.startswith("#privacy-conflict-")
    assert sized.locator(f"{target} a.ec-event").count() >= 1
    if not phone(sized):
        assert sized.evaluate("document.documentElement.scrollHeight") < 10000


def test_the_privacy_matrix_scrolls_by_keyboard_on_a_phone_with_the_field_names_in_view(sized):
    sized.visit(READER_PAGES["privacy"], "privacy-scroll")
    box = sized.locator(".ec-matrix-scroll")
    overflow = sized.evaluate("b => b.scrollWidth - b.clientWidth", box.element_handle())
    if not phone(sized):
        assert overflow <= 1  # the whole matrix at once on a desktop
        assert not sized.locator(".ec-scroll-cue").is_visible()
        return
    assert overflow > 0 and sized.locator(".ec-scroll-cue").is_visible()  # a visible cue
    name = sized.locator("table.ec-matrix tbody th[scope=row]").first
    before = name.bounding_box()["x"]
    # by keyboard: the scrolling box takes focus (Tab) and moves with the arrow keys
    box.focus()
    assert sized.evaluate("document.activeElement.classList.contains('ec-matrix-scroll')")
    for _ in range(6):
        sized.keyboard.press("ArrowRight")
    sized.wait_for_function("document.querySelector('.ec-matrix-scroll').scrollLeft > 0")
    assert abs(name.bounding_box()["x"] - before) < 1  # the sticky field column stays put
    last = sized.locator("table.ec-matrix thead th").last
    box.evaluate("b => b.scrollLeft = b.scrollWidth")
    assert last.bounding_box()["x"] + last.bounding_box()["width"] <= sized.size[0] + 1


def test_folded_fields_open_by_keyboard_and_by_touch(browser, base_url):
    """The inherited fields are folded; a keyboard and a finger open them, no hover needed."""
    for touch in (False, True):
        context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=touch,
                                      is_mobile=touch)
        tab = context.new_page()
        tab.goto(base_url + READER_PAGES["event"], wait_until="networkidle")
        folded = tab.locator("details.ec-inherited-block")
        inherited = folded.locator("table.ec-fields")
        assert inherited.is_hidden()
        summary = folded.locator("summary")
        if touch:
            summary.tap()
        else:
            summary.focus()
            tab.keyboard.press("Enter")
        assert inherited.is_visible()
        context.close()


def test_field_names_keep_whole_on_a_desktop(sized):
    """A field name is one line in its cell on a desktop: an 'anywhere' wrap once made the table
    squeeze the name column into 'course' / '_id' and 'user_i' / 'd'."""
    if phone(sized):
        pytest.skip("a desktop check")
    sized.visit(READER_PAGES["event"], "event-field-names")
    for field in ("course_id", "user_id", "mode"):
        name = sized.locator(f"table.ec-fields tr#field-{field} td:first-child code").first
        lines = sized.evaluate("c => c.getClientRects().length", name.element_handle())
        assert lines == 1, f"{field} wraps onto {lines} lines"


def test_search_results_stay_inside_a_phone_screen(sized):
    """Long event names in results wrap instead of running past the screen's edge, cut."""
    if not phone(sized):
        pytest.skip("a phone check")
    sized.visit(READER_PAGES["search"], "search-results-wrap")
    sized.locator("#search-results li").first.wait_for()
    overflowing = sized.evaluate("""() => [...document.querySelectorAll('#search-results li')]
        .filter(li => li.scrollWidth > li.clientWidth + 1
                      || li.getBoundingClientRect().right > window.innerWidth + 1)
        .map(li => li.innerText.slice(0, 80))""")
    assert overflowing == []
