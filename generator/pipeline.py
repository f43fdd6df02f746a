"""The stages joined: catalog folder → validated Catalog → pages → files. The CLI and the Sphinx
extension both call this, so a bare sphinx-build and `eventcat build` produce the same site."""

from __future__ import annotations

from pathlib import Path

from .link import Catalog, link
from .load import load_catalog
from .render import DEFAULT_TEMPLATES, render
from .sync import SyncReport, sync
from .validate import validate


def build_catalog(catalog_dir: Path) -> Catalog:
    """Load, validate and link; raises CatalogError with every problem found."""
    return link(validate(load_catalog(Path(catalog_dir))))


def generate(catalog_dir: Path, out_dir: Path, templates_dir: Path = DEFAULT_TEMPLATES,
             home_prefix: str = "catalog/") -> tuple[Catalog, SyncReport]:
    """Nothing is written unless the whole catalog is valid and every page rendered."""
    catalog = build_catalog(catalog_dir)
    pages = render(catalog, templates_dir, home_prefix=home_prefix)
    return catalog, sync(pages, Path(out_dir))
