"""Sphinx configuration for the event catalog site. Build with `eventcat build`, or directly:
    sphinx-build -c . docs _build/html
The site's title comes from catalog/catalog.yaml unless `project` is set here."""

extensions = ["myst_parser", "eventcat.sphinx_ext"]

eventcat_catalog = "catalog"  # relative to this file
eventcat_output = "catalog"  # the generated, git-ignored folder inside docs/
# The coverage page's source: a saved `eventcat logs check --save-report` report, or log files.
# The shipped sample log is made by examples/make_sample_log.py.
eventcat_coverage = "examples/logs/tracking-sample.log"

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "README.md"]

html_theme = "pydata_sphinx_theme"
html_theme_options = {
    # Collapsed, shallow navigation: rendering the whole site tree into every page is what makes
    # big Sphinx sites slow. Event pages stay out of the toctree, reached by the index and search.
    "collapse_navigation": True,
    "navigation_depth": 2,
    "show_nav_level": 1,
    "header_links_before_dropdown": 5,
    "navbar_align": "left",
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "show_prev_next": False,
}
# Event pages and the generated top-level pages (privacy map, coverage, downloads, ...): content
# and page contents only; they have no section to navigate, and their tables want the width.
html_sidebars = {"catalog/events/*": [], "catalog/*": []}
html_static_path = []
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
copyright = "the catalog's authors"
html_favicon = "docs/_static/favicon.svg"
# pydata-sphinx-theme sets these itself when they are missing; setting them here keeps Sphinx from
# reporting a changed configuration on every incremental build.
html_permalinks_icon = "#"
# Follow the reader's system light/dark setting (left empty, the theme logs a console error).
html_context = {"default_mode": "auto"}
