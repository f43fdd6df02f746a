"""The search index stems each distinct word once per build, not once per page, and is exactly
the index Sphinx makes on its own."""

from pathlib import Path

import pytest
import snowballstemmer.basestemmer
from sphinx.application import Sphinx

WORDS = ["learner", "course", "submitted", "answers", "viewed", "enrollment", "played", "video"]


def build(base: Path, extensions: list[str]) -> Path:
    source = base / "src"
    source.mkdir(parents=True)
    (source / "index.rst").write_text("Home\n====\n\n.. toctree::\n\n" +
                                      "".join(f"   page{i}\n" for i in range(6)))
    for i in range(6):  # the same words on every page, in another order each time
        words = WORDS[i:] + WORDS[:i]
        (source / f"page{i}.rst").write_text(f"Page {i}\n=======\n\n{' '.join(words)} page{i}.\n")
    app = Sphinx(str(source), None, str(base / "html"), str(base / "doctrees"), "html",
                 confoverrides={"extensions": extensions, "project": "t"},
                 status=None, warning=None, freshenv=True)
    app.build()
    return base / "html" / "searchindex.js"


@pytest.fixture
def stems(monkeypatch):
    """Every word the English stemmer is asked to stem, in order."""
    asked: list[str] = []
    original = snowballstemmer.basestemmer.BaseStemmer.stemWord

    def counting(self, word):
        asked.append(word)
        return original(self, word)
    monkeypatch.setattr(snowballstemmer.basestemmer.BaseStemmer, "stemWord", counting)
    return asked


def test_each_word_is_stemmed_once_per_build(tmp_path, stems):
    build(tmp_path, ["eventcat.sphinx_search"])
    assert stems, "the index was made without stemming anything"
    assert len(stems) == len(set(stems))
    assert {"learner", "submitted", "enrollment"} <= set(stems)


def test_without_it_sphinx_stems_a_word_on_every_page(tmp_path, stems):
    # what the cache saves: without it, a word on six pages is stemmed six times
    build(tmp_path, [])
    assert stems.count("submitted") == 6


def test_the_index_is_the_one_sphinx_makes(tmp_path):
    cached = build(tmp_path / "cached", ["eventcat.sphinx_search"]).read_bytes()
    plain = build(tmp_path / "plain", []).read_bytes()
    assert b"submit" in plain
    assert cached == plain
