"""Every internal link and #anchor of the built site resolves (raw HTML blocks are not checked by
Sphinx, so this is where a broken generated link would show)."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in ("canonical",)):
                self.links.append(attrs[key])


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_internal_link_and_anchor_resolves(shipped_site):
    # _static holds the theme's own Jinja macro files, which are not pages
    pages = {p: parse(p) for p in shipped_site.rglob("*.html") if "_static" not in p.parts}
    broken, checked = [], 0
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{path.relative_to(shipped_site)}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(shipped_site)}: {link} (no such anchor)")
    assert broken == []
    assert checked > 1000


def test_the_link_checker_finds_a_broken_link(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#missing">x</a><a href="c.html">y</a><p id="here"></p>')
    (tmp_path / "b.html").write_text('<h1 id="present">b</h1>')
    page = parse(tmp_path / "a.html")
    assert page.links == ["b.html#missing", "c.html"] and page.ids == {"here"}
    assert "missing" not in parse(tmp_path / "b.html").ids


def test_every_event_tool_and_team_has_a_page_and_every_event_name_is_searchable(shipped_site):
    import json

    from conftest import ROOT

    from eventcat.pipeline import build_catalog
    catalog, _ = build_catalog(ROOT / "catalog")
    html = shipped_site / "catalog"
    for entry in catalog.events:
        page = (html / "events" / f"{entry.slug}.html").read_text()
        assert 'class="ec-table ec-fields"' in page or "carries no payload fields" in page, entry.name
        assert page.count('class="highlight') >= len(entry.event.implementations), entry.name
        assert 'id="where-the-data-goes"' in page, entry.name
    for tool in catalog.tools:
        assert (html / "tools" / f"{tool}.html").is_file()
    for team in catalog.teams:
        assert (html / "teams" / f"{team}.html").is_file()
    text = (shipped_site / "searchindex.js").read_text()
    titles = set(json.loads(text[text.index("(") + 1: text.rindex(")")])["titles"])
    assert {e.name for e in catalog.events} <= titles
