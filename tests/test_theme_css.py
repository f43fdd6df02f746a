"""The theme's stylesheet cut to the rules a site can use (eventcat.sphinx_theme)."""

from pathlib import Path

from eventcat import sphinx_theme
from eventcat.sphinx_theme import breakable_titles, subset, vocabulary


def rules(css: str) -> list[str]:
    return [line for line in css.splitlines() if line]


def test_a_rule_stays_when_the_site_names_all_its_classes_and_ids():
    css = ".a{color:red}.a .b{color:blue}#main .a{margin:0}.unused{color:green}"
    assert rules(subset(css, {"a", "b"})) == [".a{color:red}", ".a .b{color:blue}"]
    assert rules(subset(css, {"a", "main"})) == [".a{color:red}", "#main .a{margin:0}"]


def test_a_selector_list_keeps_only_its_used_selectors():
    assert subset(".a,.b>.c,p{x:1}", {"a"}) == ".a,p{x:1}"


def test_what_a_selector_only_excludes_or_tests_for_never_drops_it():
    """Classes inside :not() and the like, and attribute values, need not be on the page."""
    css = "a:not(.unused){x:1}:is(.gone,.a) p{x:2}html[data-theme=dark] .a{x:3}[class~=zz]{x:4}"
    assert rules(subset(css, {"a"})) == ["a:not(.unused){x:1}", ":is(.gone,.a) p{x:2}",
                                         "html[data-theme=dark] .a{x:3}", "[class~=zz]{x:4}"]


def test_elements_root_and_custom_properties_stay():
    css = ":root,[data-bs-theme=light]{--x:1}html{--y:2}body{margin:0}:host,:root{--fa-font:1}"
    assert subset(css, set()) == css.replace("}", "}\n").rstrip("\n")


def test_grouping_rules_keep_their_used_rules_and_go_when_empty():
    css = "@media (min-width:960px){.a{x:1}.b{x:2}}@media print{.b{x:3}}@supports (display:grid){.a{x:4}}"
    assert rules(subset(css, {"a"})) == ["@media (min-width:960px){.a{x:1}}",
                                         "@supports (display:grid){.a{x:4}}"]


def test_font_awesome_goes_but_the_themes_rules_about_its_icons_stay():
    css = ('@font-face{font-family:"Font Awesome 7 Free";src:url(fa.woff2)}'
           '@font-face{font-family:Other;src:url(o.woff2)}'
           ".fa-solid,.fas{font:var(--fa-font-solid)}.fa-sun:before{content:\"\\f185\"}.fa-lg{x:1}"
           "#pst-back-to-top .fa-arrow-up{margin:0}@keyframes fa-spin{to{x:1}}@keyframes fade{to{x:1}}")
    kept = subset(css, {"fa-solid", "fas", "fa-sun", "fa-lg", "fa-arrow-up", "pst-back-to-top"})
    assert rules(kept) == ["@font-face{font-family:Other;src:url(o.woff2)}",
                           "#pst-back-to-top .fa-arrow-up{margin:0}", "@keyframes fade{to{x:1}}"]


def test_strings_comments_and_escapes_do_not_confuse_the_reader():
    css = ('/* don\'t { count } this */.a:after{content:"}{ .b"}'
           '.x\\:y{x:1}.c{background:url("data:image/svg+xml,<svg>{}</svg>")}')
    assert rules(subset(css, {"a", "x:y"})) == ['.a:after{content:"}{ .b"}', ".x\\:y{x:1}"]


def test_the_vocabulary_is_the_pages_classes_and_ids_and_the_scripts_words():
    names = vocabulary(['<div class="a  b" id="main"><p class=\'c\'>classy text</p></div>'],
                       ['el.classList.add("show"); toggle("dropdown-menu-dark")'])
    assert {"a", "b", "main", "c", "show", "dropdown-menu-dark"} <= names
    assert "classy" not in names  # words of the page's text are not classes


def test_a_built_site_gets_the_cut_stylesheet_once(tmp_path: Path):
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "basic.css").write_text("div.used{x:1}div.unused{x:2}")
    (static / "styles" / "pydata-sphinx-theme.css").write_text('@charset "UTF-8";.bd-header{x:3}.show{x:4}')
    (static / "scripts").mkdir()
    (static / "scripts" / "bootstrap.js").write_text('"show"')  # not loaded by the pages
    (tmp_path / "index.html").write_text('<div class="used bd-header"></div>')
    target = sphinx_theme.write_subset(tmp_path)
    assert target == static / "styles" / "eventcat-theme.css"
    text = target.read_text()
    assert text.startswith('@charset "UTF-8";\ndiv.used{x:1}\n.bd-header{x:3}\n')
    assert "unused" not in text and ".show" not in text
    assert ".fa-magnifying-glass" in text  # the icons come with it
    before = target.stat().st_mtime_ns
    assert sphinx_theme.write_subset(tmp_path) == target
    assert target.stat().st_mtime_ns == before  # unchanged, not rewritten


def test_another_themes_site_gets_nothing(tmp_path: Path):
    (tmp_path / "_static").mkdir()
    assert sphinx_theme.write_subset(tmp_path) is None
    assert list((tmp_path / "_static").iterdir()) == []


def test_titles_get_break_points_after_dots_and_underscores_in_their_text_only():
    body = ('<section id="edx-a"><h1>edx.drag_and_drop_v2.item.dropped<a class="headerlink" '
            'href="#edx-drag-and-drop-v2" title="Link to this heading">#</a></h1>'
            "<p>edx.video.played stays as written outside the title.</p>"
            '<h2 id="x_y">A sub_heading.</h2><h1 class="t">Ends with a dot. And... dots</h1></section>')
    assert breakable_titles(body) == body.replace(
        "<h1>edx.drag_and_drop_v2.item.dropped<a",
        "<h1>edx.<wbr>drag_<wbr>and_<wbr>drop_<wbr>v2.<wbr>item.<wbr>dropped<a")


def test_names_in_an_events_facts_get_break_points_too():
    body = ('<dl class="ec-facts">\n<dt>Name on the wire</dt>\n<dd><code>edx.video.played</code></dd>\n'
            '<dt>Also known as</dt>\n<dd><code>play_video</code>, <code>x</code>\n</dd></dl>'
            '<dl class="simple"><dd><code>a.b</code></dd></dl><p><code>edx.video.played</code></p>')
    assert breakable_titles(body) == body.replace(
        "<code>edx.video.played</code></dd>", "<code>edx.<wbr>video.<wbr>played</code></dd>", 1).replace(
        "<code>play_video</code>", "<code>play_<wbr>video</code>")
