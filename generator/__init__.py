"""eventcat: an analytics event catalog built into a searchable Sphinx research guide."""

__version__ = "0.1.0"
