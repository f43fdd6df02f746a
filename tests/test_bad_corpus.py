"""The corpus of bad definition files under tests/bad/<section>/: each file says, in its leading
`# expect:` lines, exactly which problems `eventcat check` must report for it and where. The file
is dropped into a copy of the (clean) mini catalog, so every other problem would be a failure too.
Sections: events, fields, tools, teams; config/<name>.yaml replaces catalog.yaml."""

import shutil
from pathlib import Path

import pytest

from conftest import MINI

from eventcat.pipeline import check

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(p for p in BAD.rglob("*.yaml"))


def expectations(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[p.relative_to(BAD).as_posix() for p in CASES])
def test_bad_file_reports_exactly_what_is_expected(case, tmp_path):
    expected = expectations(case)
    assert expected, f"{case} has no '# expect:' line"
    catalog = tmp_path / "catalog"
    shutil.copytree(MINI, catalog)
    section = case.parent.name
    target = catalog / "catalog.yaml" if section == "config" else catalog / section / case.name
    shutil.copy(case, target)
    problems = check(catalog).problems
    here = [p for p in problems if Path(p.path).resolve() == target.resolve()]
    elsewhere = [str(p) for p in problems if p not in here]
    assert [str(p).split(": ", 1)[1] if p.line == 0 else str(p)[len(p.path) + 1:] for p in here] == expected
    assert elsewhere == []
