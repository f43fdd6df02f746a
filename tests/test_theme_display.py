"""What the theme shows the reader, in Chromium (fixtures in conftest.py): search results
that say which name matched; a header that never overlaps and titles that wrap between the parts
of a name, at a phone's and a desktop's width, light and dark."""

import pytest


def first_result(page, query):
    page.visit(f"search.html?q={query}")
    page.wait_for_selector("#search-results li a")
    item = page.locator("#search-results li").first
    return item.locator("a").first.inner_text().strip(), " ".join(item.inner_text().split())


def test_a_full_event_name_lists_the_event_under_its_own_name_first(page):
    # edx.video.played also has the wire name "Played Video", which ranks first when searched
    name, _ = first_result(page, "edx.video.played")
    assert name == "edx.video.played"


def test_a_wire_name_lists_its_event_and_says_it_is_a_wire_name(page):
    name, text = first_result(page, "Played Video")
    assert name == "Played Video"
    assert "(wire name, in edx.video.played)" in text


@pytest.mark.parametrize("alias", ["play_video"])
def test_an_old_name_lists_the_event_it_belongs_to(page, alias):
    name, text = first_result(page, alias)
    assert name == alias and "in edx.video.played" in text


# --- the header and titles at a phone's and a desktop's width, light and dark ---------------------

LONGEST = "catalog/events/edx.special_exam.proctored.attempt.download_software_clicked.html"
HEADER_PAGES = {"event": LONGEST, "dnd-event": "catalog/events/edx.drag_and_drop_v2.item.dropped.html",
                "event-list": "catalog/events/index.html", "home": "index.html",
                "guide": "guides/naming.html", "tool": "catalog/tools/sailthru.html",
                "search": "search.html?q=enrollment"}
# what the header row shows: the menu and contents buttons, the site title, the links, search, colour mode
HEADER_ITEMS = [".primary-toggle", ".secondary-toggle", ".logo__title", ".navbar-header-items .nav-link",
                ".bd-header .search-button__button", ".bd-header .theme-switch-button"]
HEADER_BOXES = """(selectors) => { const seen = new Set();
    return selectors.flatMap(s => [...document.querySelectorAll(s)]
    .filter(e => !seen.has(e) && seen.add(e) && e.getClientRects().length
                 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('dialog, .bd-sidebar-primary'))
    .map(e => { const b = e.getBoundingClientRect();
                return [s + ' ' + e.textContent.trim().slice(0, 20), b.left, b.top, b.right, b.bottom]; })); }"""
# where each line of the page's h1 ends: the characters on both sides of every line break
LINE_BREAKS = """() => {
    const h1 = document.querySelector('h1'), chars = [];
    const walker = document.createTreeWalker(h1, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
        if (node.parentElement.closest('.headerlink')) continue;
        for (let i = 0; i < node.length; i++) {
            const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (rect) chars.push([node.data[i], rect.top]);
        }
    }
    const breaks = [];
    for (let i = 1; i < chars.length; i++)
        if (chars[i][1] > chars[i - 1][1] + 2) breaks.push(chars[i - 1][0] + chars[i][0]);
    return breaks;
}"""


def overlaps(boxes):
    found = []
    for i, (a, *ra) in enumerate(boxes):
        for b, *rb in boxes[i + 1:]:
            width = min(ra[2], rb[2]) - max(ra[0], rb[0])
            height = min(ra[3], rb[3]) - max(ra[1], rb[1])
            if width > 0.5 and height > 0.5:
                found.append(f"{a} / {b}")
    return found


def test_the_header_never_overlaps_and_nothing_is_wider_than_the_screen(sized):
    for name, path in HEADER_PAGES.items():
        sized.visit(path, f"header-{name}")
        boxes = sized.evaluate(HEADER_BOXES, HEADER_ITEMS)
        assert any(b[0].startswith(".logo__title") for b in boxes)  # the title is measured
        assert len(boxes) >= 3, boxes  # at least the menu button, the title and search
        assert overlaps(boxes) == [], name
        extra = sized.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert extra <= 0, f"{name} is {extra} px wider than the screen"


@pytest.mark.parametrize("width", [768, 1000])
def test_the_header_never_overlaps_between_phone_and_desktop(browser, base_url, width):
    """Below 1100 px the theme wraps its header's links onto a second row; the title gives way."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    tab = context.new_page()
    tab.goto(base_url + HEADER_PAGES["guide"], wait_until="networkidle")
    boxes = tab.evaluate(HEADER_BOXES, HEADER_ITEMS)
    context.close()
    assert any(b[0].startswith(".logo__title") for b in boxes) and overlaps(boxes) == []


def test_long_titles_wrap_between_the_parts_of_a_name(sized):
    for name in ("event", "dnd-event", "guide"):
        sized.visit(HEADER_PAGES[name], f"title-{name}")
        breaks = sized.evaluate(LINE_BREAKS)
        if name == "event" and sized.size[0] < 500:
            assert breaks, "the longest event name fits a phone's line: pick a longer one"
        # a line ends after a dot, an underscore or a space, or before a space: never mid-word
        assert [b for b in breaks if b[0] not in "._ " and b[1] != " "] == [], name
