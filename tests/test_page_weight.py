"""What a page costs a reader on a cold cache, and what holds back its first paint, measured in
Chromium against the shipped site served without compression (the worst case; fixtures in
conftest.py). Also that the theme still works without the scripts and fonts it no longer loads."""

import pytest

BUDGET = 500_000  # bytes an event page may transfer on a cold cache (issue 15)
PAGE_KINDS = {
    "event": "catalog/events/edx.course.enrollment.activated.html",
    "event-list": "catalog/events/index.html",
    "home": "index.html",
    "search": "search.html?q=enrollment",
    "guide": "guides/naming.html",
    "tool": "catalog/tools/sailthru.html",
}


def heaviest_event_page(site) -> str:
    pages = [p for p in (site / "catalog" / "events").glob("*.html") if p.name != "index.html"]
    return max(pages, key=lambda p: p.stat().st_size).relative_to(site).as_posix()


def cold_load(browser, base_url, path: str) -> dict[str, int]:
    """Every response of a first visit in a fresh browser context: URL path → body bytes."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    tab = context.new_page()
    sizes: dict[str, int] = {}
    tab.on("requestfinished", lambda r: sizes.__setitem__(r.url, len(r.response().body())))
    tab.goto(base_url + path, wait_until="networkidle")
    context.close()
    return {url.removeprefix(base_url): size for url, size in sizes.items()}


def test_an_event_page_loads_in_at_most_500_kb_on_a_cold_cache(browser, base_url, shipped_site):
    path = heaviest_event_page(shipped_site)
    loaded = cold_load(browser, base_url, path)
    assert loaded[path] == (shipped_site / path).stat().st_size  # the page itself is counted
    assert any("eventcat-theme.css" in url for url in loaded)  # and what it loads
    total = sum(loaded.values())
    assert total <= BUDGET, f"{path}: {total:,} bytes in {len(loaded)} requests: {loaded}"


def test_no_page_loads_font_awesome_bootstrap_or_the_whole_theme_stylesheet(browser, base_url):
    for kind, path in PAGE_KINDS.items():
        loaded = cold_load(browser, base_url, path)
        unwanted = [url for url in loaded if any(name in url for name in (
            "fontawesome", "webfonts/", "bootstrap.js", "pydata-sphinx-theme.css", "styles/theme.css"))]
        assert unwanted == [], kind


# A render-blocking resource is NEEDED when the first paint would be wrong without it:
#  - a stylesheet is needed when at least one of its style rules matches an element of the page
#    (a sheet that styles nothing on the page need not hold it back);
#  - no script is needed: every page is drawn from its HTML and CSS, and its scripts (the theme's
#    dialogs and menus, search, the event list's filter) run once it is parsed. The colour mode is
#    set before the first paint by an inline script, which costs no request.
# "Render-blocking" is Chromium's own account (Resource Timing's renderBlockingStatus).
BLOCKING = """() => performance.getEntriesByType('resource')
    .filter(e => e.renderBlockingStatus === 'blocking').map(e => e.name)"""
MATCHING_RULES = """(href) => {
    const sheet = [...document.styleSheets].find(s => s.href === href);
    if (!sheet) return -1;
    let used = 0;
    const visit = rules => { for (const rule of rules) {
        if (rule.selectorText) {
            const selector = rule.selectorText.replace(/::?(before|after|placeholder|selection|marker|-webkit-[\\w-]+|-moz-[\\w-]+)/g, '');
            try { if (document.querySelector(selector || '*')) used++; } catch (e) {}
        } else if (rule.cssRules) visit(rule.cssRules);
    } };
    visit(sheet.cssRules);
    return used;
}"""


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_nothing_render_blocking_that_the_page_does_not_need(page, kind):
    page.visit(PAGE_KINDS[kind])
    blocking = page.evaluate(BLOCKING)
    assert any("eventcat-theme.css" in url for url in blocking)  # Chromium reports them
    scripts = [url for url in blocking if not url.split("?")[0].endswith(".css")]
    assert scripts == [], f"scripts hold back the first paint of the {kind} page"
    unused = [url for url in blocking if page.evaluate(MATCHING_RULES, url) == 0]
    assert unused == [], f"stylesheets that style nothing on the {kind} page hold it back"


def test_pygments_colours_only_where_there_is_code(page):
    loaded = []
    page.on("request", lambda r: loaded.append(r.url))
    page.visit("catalog/events/edx.video.played.html")  # recipes and example records
    assert any("pygments.css" in url for url in loaded)
    loaded.clear()
    page.visit("catalog/tools/sailthru.html")
    assert loaded and not any("pygments.css" in url for url in loaded)


# --- the theme without Bootstrap's script and Font Awesome ----------------------------------------

def icon_box(page, selector):
    return page.evaluate("""(s) => { const el = [...document.querySelectorAll(s)]
        .find(e => e.getClientRects().length); if (!el) return null;
        const style = getComputedStyle(el, '::before');
        return [parseFloat(style.width), parseFloat(style.height), style.maskImage || style.webkitMaskImage]; }""",
                         selector)


def test_the_icons_are_drawn(page):
    page.visit("catalog/events/edx.video.played.html")
    for icon in (".search-button__button .fa-magnifying-glass", ".theme-switch-button .theme-switch",
                 ".breadcrumb-home .fa-house", ".page-toc .fa-list"):
        width, height, mask = icon_box(page, icon)
        assert width > 8 and height > 8 and mask.startswith('url("data:image/svg+xml'), icon


def test_the_header_drop_down_opens_and_closes(page):
    page.visit("index.html")
    more = page.locator(".navbar-header-items button.dropdown-toggle", has_text="More")
    menu = page.locator("#pst-nav-more-links")
    assert menu.is_hidden()
    more.click()
    assert menu.is_visible() and more.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert menu.is_hidden() and more.get_attribute("aria-expanded") == "false"
    more.click()
    menu.locator("a", has_text="Fields").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("catalog/fields.html")


def test_the_colour_mode_switch_works(page):
    page.visit("index.html")
    page.locator(".navbar-header-items .theme-switch-button").click()
    page.locator(".navbar-header-items .theme-change-button[data-mode=dark]").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.visit("catalog/events/index.html")  # remembered on the next page
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background != "rgb(255, 255, 255)"


def test_back_to_top_shows_when_scrolling_back_up(page):
    page.visit("catalog/events/edx.video.played.html")
    button = page.locator("#pst-back-to-top")
    page.mouse.wheel(0, 3000)
    page.wait_for_function("window.scrollY > 1000")
    assert button.is_hidden()
    page.mouse.wheel(0, -300)
    button.wait_for(state="visible")
    button.click()
    page.wait_for_function("window.scrollY === 0")


def test_search_dialog_and_the_phone_menu_work(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(base_url + "catalog/events/edx.video.played.html", wait_until="networkidle")
    tab.locator("button.primary-toggle").click()
    sidebar = tab.locator("#pst-primary-sidebar-modal")
    sidebar.locator("a", has_text="Privacy map").wait_for(state="visible")
    tab.keyboard.press("Escape")
    tab.keyboard.press("Control+k")
    field = tab.locator("#pst-search-dialog input[name=q]")
    field.wait_for(state="visible")
    field.fill("edx.video.played")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#search-results li a")
    assert tab.locator("#search-results li a").first.inner_text().strip() == "edx.video.played"
    context.close()
    assert errors == []
