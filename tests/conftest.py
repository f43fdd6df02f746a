import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture catalog."""
    target = tmp_path / "catalog"
    shutil.copytree(MINI, target)
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def home_docs(folder: Path) -> Path:
    """A Sphinx source folder with the shipped top-level pages (the home page and the pages its
    table of contents names) and a stub guide instead of the guides, which name shipped events.
    Top-level pages only the guides list (the contributors' performance page) stay out."""
    folder.mkdir(parents=True, exist_ok=True)
    home = (ROOT / "docs" / "index.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        if page.name == "index.md" or f"\n{page.stem}\n" in home:
            shutil.copy(page, folder / page.name)
    write(folder / "guides" / "index.md", "# Guides\n\nA stub guide for tests.\n")
    return folder


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return home_docs(tmp_path / "docs")


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> Path:
    """The shipped catalog built strictly, as CI builds it, into a temporary folder."""
    import subprocess
    import sys
    base = tmp_path_factory.mktemp("shipped")
    shutil.copytree(ROOT / "docs", base / "docs", ignore=shutil.ignore_patterns("catalog"))
    result = subprocess.run(
        [sys.executable, "-m", "eventcat", "build", "--strict", "--catalog", str(ROOT / "catalog"),
         "--docs", str(base / "docs"), "--conf", str(ROOT), "--out", str(base / "_build")],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "_build" / "html"


def squeeze(html: str) -> str:
    """Generated HTML with the whitespace between tags taken out and other runs made one space:
    templates put one element per line, and tests check what the reader sees, not the line breaks."""
    import re
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))
