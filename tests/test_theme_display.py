"""What the theme shows the reader, in Chromium (fixtures in conftest.py): search results
that say which name matched."""

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
