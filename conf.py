"""Sphinx settings for this repository's site: only what differs from eventcat's defaults (the
eventcat.sphinx_ext extension gives every setting the site needs a default; see
generator/sphinx_ext.py). eventcat's own settings are under [tool.eventcat] in pyproject.toml.
Build with `eventcat build`, or directly: sphinx-build -c . docs _build/html"""

extensions = ["eventcat.sphinx_ext"]
exclude_patterns = ["_build", "README.md"]
html_favicon = "docs/_static/favicon.svg"
