"""--jobs: the Python engine on every core gives the report one process gives, line numbers, first
places and first/last times included, however the files are cut into ranges."""

import gzip
import json
import random

import pytest

from conftest import FIXTURES

from eventcat.cli import main
from eventcat.logs.check import check_logs
from eventcat.logs.parallel import MIN_TASK_BYTES, check_parallel, plan
from eventcat.logs.read import TOO_LONG, FileStats, read_range
from eventcat.logs.synth import records
from eventcat.pipeline import build_catalog

LOGS = FIXTURES / "logs"


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(LOGS / "catalog")[0]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, catalog):
    """A log of everything at once: records of every event (times out of order), undocumented and
    implicit names, malformed, blank, comment and CRLF lines; and a gzip copy of it."""
    rng = random.Random(5)
    lines = []
    for index, record in enumerate(records(catalog, 600, seed=2)):
        roll = rng.random()
        if roll < 0.05:
            record["name"] = record["event_type"] = f"edx.undocumented.{index % 9}"
        elif roll < 0.08:
            record.pop("name", None)
            record["event_type"] = f"/courses/x{index % 5}/courseware/{index}/"
        elif roll < 0.1:
            record["time"] = f"2024-0{1 + index % 9}-01T00:00:00+00:00"  # out of order
        lines.append(json.dumps(record))
        if roll > 0.97:
            lines.append(rng.choice(["", "# a comment", "not json", '{"cut": ', "   ", "[1]"]))
    text = "\n".join(lines[:300]) + "\r\n" + "\n".join(lines[300:]) + "\n"
    folder = tmp_path_factory.mktemp("mixed")
    plain = folder / "mixed.log"
    plain.write_text(text, encoding="utf-8")
    packed = folder / "mixed.log.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    return [plain, packed]


def test_any_cut_gives_the_same_report(catalog, mixed):
    files = [*sorted(LOGS.glob("*.*")), *mixed]
    one = check_logs(catalog, files).to_json()
    size = mixed[0].stat().st_size
    for task_bytes in (997, size // 3, size * 2):  # byte by byte: the range test below
        tasks = plan(files, 2, task_bytes)
        assert len(tasks) >= len(files)
        assert check_parallel(catalog, files, 2, task_bytes=task_bytes).to_json() == one, task_bytes
    # the report really holds what the comparison is about
    report = json.loads(one)
    assert report["malformed"] and report["undocumented"] and report["implicit"]
    assert all(f["lines"] for f in report["files"])


def test_a_range_holds_the_lines_that_start_in_it(tmp_path):
    path = tmp_path / "lines.log"
    content = b'{"a": 1}\n\n{"b": 22}\r\n# c\n{"d": 333}'
    path.write_bytes(content)
    whole = [line for _, _, line in read_range(path, 0, -1, FileStats(str(path)))]
    for cut in range(len(content) + 1):
        first, second = FileStats(str(path)), FileStats(str(path))
        got = [line for _, _, line in read_range(path, 0, cut, first)]
        got += [line for _, _, line in read_range(path, cut, -1, second)]
        assert got == whole, cut
        assert first.lines + second.lines == 5 and first.blank + second.blank == 1


def test_a_range_cut_inside_a_too_long_line(tmp_path):
    """A line past --max-line-bytes is skipped unread; the range after it still starts on the
    next line, wherever the cut falls."""
    path = tmp_path / "long.log"
    content = b'{"a": 1}\n{"long": "' + b"x" * 40 + b'"}\n{"b": 2}\n{"c": 3}\n'
    path.write_bytes(content)
    whole = [line for _, _, line in read_range(path, 0, -1, FileStats(str(path)), 16)]
    assert len(whole) == 4 and whole[1] is TOO_LONG
    for cut in range(len(content) + 1):
        got = [line for _, _, line in read_range(path, 0, cut, FileStats(str(path)), 16)]
        got += [line for _, _, line in read_range(path, cut, -1, FileStats(str(path)), 16)]
        assert got == whole, cut


def test_ranges_shrink_towards_the_end(tmp_path):
    """Large ranges first, small ones last (so no core waits long at the end), none under the
    minimum but a file's last, together covering every byte once."""
    big = tmp_path / "big.log"
    with open(big, "wb") as handle:
        handle.truncate(20 * MIN_TASK_BYTES + 12345)
    small = tmp_path / "small.log"
    small.write_bytes(b"{}\n")
    tasks = plan([big, small], 2)
    ranges = [t for t in tasks if t.file_index == 0]
    sizes = [t.size for t in ranges]
    assert sizes == sorted(sizes, reverse=True) and len(ranges) > 4
    assert sizes[0] > 4 * MIN_TASK_BYTES and all(s >= MIN_TASK_BYTES for s in sizes[:-1])
    assert [(t.start, t.end) for t in ranges] == [
        (sum(sizes[:i]), -1 if i == len(sizes) - 1 else sum(sizes[:i + 1])) for i in range(len(sizes))]
    assert sum(sizes) == big.stat().st_size and tasks[-1].size == 3
    assert [t.index for t in tasks] == list(range(len(tasks)))


def test_gzip_files_are_never_cut(tmp_path, mixed):
    tasks = plan(mixed, 2, task_bytes=100)
    gz = [t for t in tasks if t.gzip]
    assert len(gz) == 1 and (gz[0].start, gz[0].end) == (0, -1)
    assert len([t for t in tasks if not t.gzip]) > 10


def test_jobs_through_the_cli(capsys, mixed):
    def run(*args):
        assert main(["logs", "check", "--catalog", str(LOGS / "catalog"), "--format", "json",
                     *args, *map(str, mixed)]) == 0
        report = json.loads(capsys.readouterr().out)
        report.pop("made")
        return report
    assert run("--jobs", "1") == run("--jobs", "2") == run()
    with pytest.raises(SystemExit):
        main(["logs", "check", "--jobs", "0", str(mixed[0])])
    assert "1 or more" in capsys.readouterr().err
