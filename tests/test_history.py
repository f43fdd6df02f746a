"""History from git: `eventcat diff` between revisions of a fixture repository, the steps of the
What changed page (per commit and per release), the cache, shallow clones and missing
repositories, and the pipeline noticing new commits."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import MINI
from history_repo import HOSTILE_SUBJECT, edit, git, make_repo

from eventcat import history
from eventcat.pipeline import build_catalog, generate


def eventcat(*args, cwd):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("history") / "repo"
    return root, make_repo(root)


@pytest.fixture(scope="module")
def untagged(tmp_path_factory):
    root = tmp_path_factory.mktemp("history") / "repo"
    return root, make_repo(root, tags=False)


def diff_json(root, *args):
    result = eventcat("diff", *args, "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def summary(data):
    return [(e["name"], e["change"], e["old_name"], e["breaking"],
             [(c["what"], c["field"], c["breaking"]) for c in e["changes"]]) for e in data["events"]]


def test_diff_between_revisions_reports_events_added_removed_renamed(repo):
    root, commits = repo
    data = diff_json(root, "v1.0", commits["events"])
    assert data["old"] == f"v1.0 ({commits['initial'][:7]})"
    assert summary(data) == [
        ("edx.bi.email.sent", "removed", None, True, []),
        ("edx.video.pause_toggled", "renamed", "edx.video.paused", False, []),
        ("edx.video.stopped", "added", None, False, []),
    ]
    assert data["counts"] == {"added": 1, "removed": 1, "renamed": 1, "changed": 0, "breaking": 1}


def test_diff_between_revisions_reports_field_changes(repo):
    root, commits = repo
    data = diff_json(root, commits["events"], commits["fields"])
    assert summary(data) == [
        ("edx.video.pause_toggled", "changed", None, True,  # its fields come from played
         [("type-changed", "code", True), ("field-added", "speed", False)]),
        ("edx.video.played", "changed", None, True,
         [("type-changed", "code", True), ("made-required", "currentTime", True),
          ("field-added", "speed", False)]),
        ("seq_goto", "changed", None, True,
         [("pii-changed", "new", False), ("allowed-narrowed", "new", True)]),
    ]


def test_diff_shows_a_field_group_change_on_every_event_using_it(repo):
    root, commits = repo
    data = diff_json(root, commits["fields"], commits["group"])
    assert summary(data) == [
        ("edx.video.pause_toggled", "changed", None, True, [("field-removed", "context.course_id", True)]),
        ("edx.video.played", "changed", None, True, [("field-removed", "context.course_id", True)]),
    ]
    text = eventcat("diff", commits["fields"], commits["group"], cwd=root).stdout
    assert ("- 2 events changed the same way: `edx.video.pause_toggled`, `edx.video.played`\n"
            "  - `context.course_id`: removed **(breaking)**") in text


def test_diff_markdown_lists_breaking_changes_first(repo):
    root, commits = repo
    result = eventcat("diff", "v1.0", "v1.1", cwd=root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"# Catalog changes: v1.0 ({commits['initial'][:7]}) → v1.1 ({commits['fields'][:7]})"
    assert lines[2] == ("6 events → 6 events: 1 added, 1 removed, 1 renamed, 2 changed; "
                        "**4 with breaking changes**.")
    breaking, other = result.stdout.split("## Breaking changes")[1].split("## Other changes")
    assert "- `edx.bi.email.sent` removed **(breaking)**" in breaking
    assert "- `edx.video.paused` renamed to `edx.video.pause_toggled`\n  - `code`: type changed from string to integer **(breaking)**" in breaking
    assert "  - `new`: PII class changed from none to pseudonymous" in breaking  # shown with its event
    assert other.strip() == "- `edx.video.stopped` added"


def test_breaking_only_and_fail_on_breaking(repo):
    root, commits = repo
    gate = eventcat("diff", commits["group"], commits["owner"], "--fail-on-breaking", cwd=root)
    assert gate.returncode == 0, gate.stderr  # only an owner changed
    assert "- `seq_goto` changed\n  - owner changed from learner to mercury" in gate.stdout
    gate = eventcat("diff", commits["fields"], commits["group"], "--fail-on-breaking", cwd=root)
    assert gate.returncode == 1
    only = diff_json(root, commits["events"], commits["fields"], "--breaking-only")
    assert [(e["name"], [c["what"] for c in e["changes"]]) for e in only["events"]] == [
        ("edx.video.pause_toggled", ["type-changed"]),
        ("edx.video.played", ["type-changed", "made-required"]),
        ("seq_goto", ["allowed-narrowed"])]


def test_new_defaults_to_the_catalog_folder_and_folders_are_compared_too(repo, tmp_path):
    root, commits = repo
    data = diff_json(root, commits["owner"])  # NEW: catalog/ as it is now, the same
    assert data["new"] == "catalog" and data["events"] == []
    shutil.copytree(MINI, tmp_path / "old")
    data = diff_json(root, tmp_path / "old", "catalog")
    assert data["old"] == str(tmp_path / "old")
    assert [(e["name"], e["change"]) for e in data["events"]] == [
        ("edx.bi.email.sent", "removed"), ("edx.video.pause_toggled", "renamed"),
        ("edx.video.played", "changed"), ("edx.video.stopped", "added"), ("seq_goto", "changed")]


@pytest.mark.parametrize("args, message", [
    (["nope"], "eventcat diff: unknown revision 'nope' (not a branch, tag or commit of "),
    (["--", "-x"], "eventcat diff: '-x' is not a revision"),
    (["v1.0", "HEAD", "--catalog", "missing"], "eventcat diff: missing: catalog folder not found"),
])
def test_bad_revisions_are_one_clear_line(repo, args, message):
    root, _ = repo
    result = eventcat("diff", *args, cwd=root)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""


def test_a_revision_whose_catalog_does_not_validate_is_named_with_its_first_problem(repo):
    root, commits = repo
    result = eventcat("diff", commits["group"], commits["broken"], cwd=root)
    assert result.returncode == 2
    assert result.stderr == (
        f"eventcat diff: {commits['broken']} ({commits['broken'][:7]}): its catalog does not validate: "
        "events/edx.video.played.yaml:21:16: error unknown-reference: unknown tool "
        "'googel-analytics' (did you mean 'google-analytics'?)\n")


def test_an_invalid_folder_is_named_with_its_first_problem(repo, tmp_path):
    root, _ = repo
    shutil.copytree(root / "catalog", tmp_path / "catalog")
    edit(tmp_path / "catalog" / "events" / "seq_goto.yaml", "owner: mercury", "owner: nobody")
    result = eventcat("diff", "HEAD", tmp_path / "catalog", cwd=root)
    assert result.returncode == 2
    assert result.stderr == (f"eventcat diff: the catalog in {tmp_path / 'catalog'} is not valid: "
                             f"{tmp_path / 'catalog'}/events/seq_goto.yaml:8:8: error unknown-reference: "
                             "unknown team 'nobody' (expected one of: learner, mercury) "
                             "(run `eventcat check` for every problem)\n")


def test_revisions_outside_a_repository_are_refused_clearly(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    result = eventcat("diff", "HEAD", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "eventcat diff: HEAD: not a catalog folder, nor a revision: catalog is not inside a git repository\n"
    both_folders = eventcat("diff", "catalog", "catalog", cwd=tmp_path)
    assert both_folders.returncode == 0 and "no event changed" in both_folders.stdout


# --- the steps of the What changed page ----------------------------------------------------------

def steps_of(found):
    return [(s.label, s.since, s.subject, s.initial, s.unseen, s.diff.counts() if s.diff else None)
            for s in found.steps]


def counts(added=0, removed=0, renamed=0, changed=0, breaking=0):
    return {"added": added, "removed": removed, "renamed": renamed, "changed": changed,
            "breaking": breaking}


def test_per_commit_history_compares_each_commit_with_its_parent(untagged):
    root, commits = untagged
    current = build_catalog(root / "catalog")[0]
    found = history.collect(root / "catalog", current, 30)
    assert found.mode == "commits" and found.notes == () and found.reason == ""
    short = {name: sha[:7] for name, sha in commits.items()}
    bad = ("its catalog does not validate: events/edx.video.played.yaml:21:16: error "
           "unknown-reference: unknown tool 'googel-analytics' (did you mean 'google-analytics'?)")
    assert steps_of(found) == [
        (short["owner"], "", HOSTILE_SUBJECT, -1, bad, None),  # its parent cannot be read
        (short["broken"], "", "Typo in a destination", -1, bad, None),
        (short["group"], "", "Envelope: the course id moves out", -1, "", counts(changed=2, breaking=2)),
        (short["fields"], "", "Fields: code becomes an integer, currentTime required", -1, "",
         counts(changed=3, breaking=3)),
        (short["events"], "", "Video: add stopped, rename paused; drop the email event", -1, "",
         counts(added=1, removed=1, renamed=1, breaking=1)),
        (short["initial"], "", "Add the mini catalog", 6, "", counts(added=6)),
    ]
    # each event's history, under its current name: the rename is found through its alias; the
    # envelope's change is not the event's own (it is the field group's, shown once, for the group)
    toggled = [(s.label, e.change, e.old_name) for s, e in found.of_event("edx.video.pause_toggled")]
    assert toggled == [(short["fields"], "changed", ""),
                       (short["events"], "renamed", "edx.video.paused"),
                       (short["initial"], "added", "")]  # as edx.video.paused, its name then
    envelope = [(s.label, [(c.what, c.field, c.breaking) for c in changes])
                for s, changes in found.of_group("envelope")]
    assert envelope == [(short["group"], [("field-removed", "context.course_id", True)])]
    assert found.of_event("edx.video.pause_toggled")[-1][1].name == "edx.video.paused"
    assert found.of_event("edx.bi.email.sent") == ()  # gone: no page to show it on
    assert [s.label for s, _ in found.of_event("edx.video.stopped")] == [short["events"]]


def test_the_window_limits_the_commits(untagged):
    root, commits = untagged
    found = history.collect(root / "catalog", build_catalog(root / "catalog")[0], 2)
    assert [s.label for s in found.steps] == [commits["owner"][:7], commits["broken"][:7]]


def test_per_release_history_compares_each_tag_with_the_one_before(repo):
    root, _commits = repo
    found = history.collect(root / "catalog", build_catalog(root / "catalog")[0], 30)
    assert found.mode == "tags"
    assert steps_of(found) == [
        ("Unreleased", "v1.1", HOSTILE_SUBJECT, -1, "", counts(changed=3, breaking=2)),
        ("v1.1", "v1.0", "Fields: code becomes an integer, currentTime required", -1, "",
         counts(added=1, removed=1, renamed=1, changed=2, breaking=4)),
        ("v1.0", "", "Add the mini catalog", 6, "", counts(added=6)),
    ]
    # the broken commit lies between two releases' catalogs: it is not compared on its own
    played = [(s.label, [c.what for c in e.changes]) for s, e in found.of_event("edx.video.played")]
    assert played == [("v1.1", ["type-changed", "made-required", "field-added"]),
                      ("v1.0", [])]  # Unreleased only took a field out of the envelope: the group's change
    assert [(s.label, [c.field for c in changes]) for s, changes in found.of_group("envelope")] == [
        ("Unreleased", ["context.course_id"])]


def test_no_repository_and_history_off(tmp_path):
    shutil.copytree(MINI, tmp_path / "catalog")
    catalog = build_catalog(tmp_path / "catalog")[0]
    found = history.collect(tmp_path / "catalog", catalog, 30)
    assert (found.mode, found.reason, found.steps) == ("unavailable", "the catalog is not in a git repository", ())
    assert history.state(tmp_path / "catalog", 30) == ""
    off = history.collect(tmp_path / "catalog", catalog, 0)
    assert off.mode == "off" and "switched off" in off.reason


def test_shallow_clone_says_what_it_cannot_see(untagged, tmp_path):
    root, commits = untagged
    clone = tmp_path / "clone"
    git("clone", "-q", "--depth", "2", f"file://{root}", str(clone), cwd=tmp_path)
    found = history.collect(clone / "catalog", build_catalog(clone / "catalog")[0], 30)
    assert [(s.label, s.unseen) for s in found.steps] == [
        (commits["owner"][:7], found.steps[0].unseen),
        (commits["broken"][:7], "its parent commit is not in this shallow clone")]
    assert found.steps[0].unseen.startswith("its catalog does not validate")  # its parent, broken
    assert found.notes == (
        f"History before {commits['broken'][:7]} (2026-01-05) is not available in this shallow "
        "clone: run `git fetch --unshallow` to get the full history (in GitHub Actions, set "
        "`fetch-depth: 0` on actions/checkout).",)
    generate(clone / "catalog", tmp_path / "out")
    page = (tmp_path / "out" / "changes.md").read_text()
    assert "Part of the history is missing" in page and "<code>git fetch --unshallow</code>" in page
    event = (tmp_path / "out" / "events" / "edx.video.stopped.md").read_text()
    assert "No change to this event in the commits that could be compared" in event
    assert "This is a shallow clone: older history is not available here" in event
    result = eventcat("diff", commits["initial"], "HEAD", cwd=clone)
    assert result.returncode == 2
    assert result.stderr.startswith(f"eventcat diff: unknown revision '{commits['initial']}': this "
                                    "is a shallow clone") and "git fetch --unshallow" in result.stderr


# --- the cache ------------------------------------------------------------------------------------

def test_a_second_run_reads_no_catalog_and_a_new_commit_reads_one(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    make_repo(root, tags=False)
    current = build_catalog(root / "catalog")[0]
    first = history.collect(root / "catalog", current, 30)
    read = []
    real = history.read_tree

    def counting(reader, tree):
        read.append(tree)
        return real(reader, tree)
    monkeypatch.setattr(history, "read_tree", counting)
    again = history.collect(root / "catalog", current, 30)
    assert read == [] and steps_of(again) == steps_of(first)

    seq = root / "catalog" / "events" / "seq_goto.yaml"
    edit(seq, "summary: A learner", "summary: Someone")
    git("commit", "-qam", "Summary", cwd=root, when="2026-01-07T12:00:00+00:00")
    edit(seq, "description: The unit", "description: Edited and not committed; the unit")
    after = history.collect(root / "catalog", build_catalog(root / "catalog")[0], 30)
    assert read == [git("rev-parse", "HEAD:catalog", cwd=root)]  # only the new commit's catalog
    assert steps_of(after)[1:] == steps_of(first)
    assert [(e.name, [c.what for c in e.changes]) for e in after.steps[0].diff.events] == [
        ("seq_goto", ["summary-changed"])]

    # committed and nothing left over: the catalog just checked is HEAD's, and is not read again
    edit(seq, "summary: Someone", "summary: Somebody")
    git("commit", "-qam", "Summary again", cwd=root, when="2026-01-08T12:00:00+00:00")
    latest = history.collect(root / "catalog", build_catalog(root / "catalog")[0], 30)
    assert len(read) == 1 and steps_of(latest)[1:] == steps_of(after)
    assert [(e.name, [c.what for c in e.changes]) for e in latest.steps[0].diff.events] == [
        ("seq_goto", ["summary-changed"])]


# --- the pipeline ---------------------------------------------------------------------------------

def test_generate_notices_new_commits_and_rerenders_only_the_changed_event(tmp_path):
    root = tmp_path / "repo"
    make_repo(root, tags=False)
    out = tmp_path / "docs" / "catalog"
    generate(root / "catalog", out)
    page = (out / "changes.md").read_text()
    assert "Add the mini catalog" in page and "<script>" not in page
    assert "## Owner to mercury &lt;script&gt;alert\\(&#39;subject&#39;\\)" in page  # a heading, inert
    assert generate(root / "catalog", out).catalog is None  # nothing changed: the fast path

    edit(root / "catalog" / "events" / "seq_goto.yaml", "summary: A learner", "summary: Someone")
    git("commit", "-qam", "Summary of seq_goto", cwd=root, when="2026-01-07T12:00:00+00:00")
    report = generate(root / "catalog", out).report
    # its page, the index, and played's page, which lists seq_goto's summary among related events
    assert sorted(p for p in report.written if p.startswith("events/")) == [
        "events/edx.video.played.md", "events/index.md", "events/seq_goto.md"]
    assert "changes.md" in report.written

    git("commit", "-q", "--allow-empty", "-m", "Not about the catalog", cwd=root,
        when="2026-01-08T12:00:00+00:00")
    result = generate(root / "catalog", out)
    assert result.catalog is not None and result.report.written == []  # looked, nothing to change


def test_history_costs_nothing_outside_a_repository(mini, tmp_path, monkeypatch):
    import eventcat.gitrepo as gitrepo
    monkeypatch.setattr(gitrepo.subprocess, "run", lambda *a, **k: pytest.fail("git was started"))
    result = generate(mini, tmp_path / "out")
    assert "not in a git repository" in (tmp_path / "out" / "changes.md").read_text()
    assert result.events == 6


def test_sphinx_builds_the_changes_page_and_event_histories(tmp_path):
    """A strict build: commit subjects are text (also in headings), events link both ways."""
    from conftest import ROOT, home_docs
    root = tmp_path / "repo"
    commits = make_repo(root, tags=False)
    docs = home_docs(tmp_path / "docs")
    result = eventcat("build", "--strict", "--catalog", root / "catalog", "--docs", docs, "--conf", ROOT,
                      "--out", tmp_path / "_build", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    html = tmp_path / "_build" / "html" / "catalog"
    changes = (html / "changes.html").read_text()
    assert "<h1>What changed" in changes
    # the heading shows the subject as typed, shortened (Sphinx curls its quotes); the line below, whole
    assert "<h2>Owner to mercury &lt;script&gt;alert(‘subject’)&lt;/script&gt; {eval-rst}`x`…<a class" in changes
    assert ('<span class="ec-subject">Owner to mercury &lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt; '
            "{eval-rst}`x` [a](javascript:alert(1))</span>") in changes
    assert "<script>alert" not in changes and 'href="javascript' not in changes
    anchor = f"ec-change-{commits['fields'][:12]}"
    assert f'id="{anchor}"' in changes
    assert ('<a class="ec-event" href="events/edx.video.pause_toggled.html"><code>edx.video.pause_toggled'
            '</code></a>, <a class="ec-event" href="events/edx.video.played.html"><code>edx.video.played'
            '</code></a> changed the same way') in changes
    assert "<code>edx.bi.email.sent</code> removed" in changes  # no page any more: no link
    played = (html / "events" / "edx.video.played.html").read_text()
    assert 'id="history"' in played
    # dated entries in the reader's terms: the date leads to the step, no commit subject, no
    # envelope change (it is the field group's, on the field groups page)
    assert f'<a href="../changes.html#{anchor}"><time datetime="2026-01-03">2026-01-03</time></a>' in played
    assert "<li><code>currentTime</code> made required" in played
    assert "Fields: code becomes" not in played and "context.course_id</code> removed" not in played
    groups = (html / "field-groups.html").read_text()
    assert groups.count("<li><code>context.course_id</code> removed") == 1
    assert "No event changed" not in changes
    stopped = (html / "events" / "edx.video.stopped.html").read_text()
    assert stopped.count("<li><a href=\"../changes.html#ec-change-") == 1
    index = (tmp_path / "_build" / "html" / "index.html").read_text()
    assert 'href="catalog/changes.html"' in index  # in the site's navigation


def test_the_history_option_sets_the_window_and_zero_switches_it_off(tmp_path):
    root = tmp_path / "repo"
    commits = make_repo(root, tags=False)
    docs = tmp_path / "docs"
    result = eventcat("generate", "--catalog", root / "catalog", "--docs", docs, "--history", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (docs / "catalog" / "changes.md").read_text()
    assert "in the last 2 commits that touched it" in page
    assert commits["broken"][:7] in page and commits["group"][:7] not in page
    result = eventcat("generate", "--catalog", root / "catalog", "--docs", docs, "--history", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "history is switched off" in (docs / "catalog" / "changes.md").read_text()
    assert "History not available: history is switched off" in (docs / "catalog" / "events" / "seq_goto.md").read_text()


def test_a_link_in_the_catalog_makes_its_revision_unreadable(tmp_path):
    """A link could point anywhere on the build machine: it is refused, as `eventcat check`
    refuses it in a working folder, and never followed."""
    root = tmp_path / "repo"
    make_repo(root, tags=False)
    (root / "catalog" / "events" / "elsewhere.yaml").symlink_to("/etc/hostname")
    git("add", "-A", cwd=root)
    git("commit", "-qm", "A link", cwd=root)
    result = eventcat("diff", "HEAD~1", "HEAD", cwd=root)
    assert result.returncode == 2
    assert result.stderr == ("eventcat diff: HEAD (" + git("rev-parse", "--short=7", "HEAD", cwd=root)
                             + "): its catalog could not be read: events/elsewhere.yaml: error "
                             "not-a-file: not a regular file (definitions must be plain files, not links)\n")


def test_a_revision_is_read_as_check_reads_the_folder(repo):
    """The reader that parses only changed files gives what a full check of the folder gives."""
    from eventcat.diff import snapshot
    from eventcat.gitrepo import Repo
    from eventcat.revision import TreeReader
    root, commits = repo
    reader = TreeReader(Repo.of(root / "catalog"))
    for name in ("initial", "events", "fields", "group"):  # one reader: later ones reuse files
        tree = git("rev-parse", f"{commits[name]}:catalog", cwd=root)
        shutil.rmtree(root.parent / "check", ignore_errors=True)
        git("worktree", "add", "-q", "--detach", str(root.parent / "check"), commits[name], cwd=root)
        try:
            assert reader.snapshot(tree) == snapshot(build_catalog(root.parent / "check" / "catalog")[0]), name
        finally:
            git("worktree", "remove", "--force", str(root.parent / "check"), cwd=root)


# --- history in the reader's terms ----------------------------------------------------------------

def test_event_history_merges_a_step_once_per_event_and_leaves_field_group_changes_to_the_group():
    from eventcat.diff import CatalogDiff, Change, EventChange
    catalog = build_catalog(MINI)[0]
    course = Change("type-changed", "context.course_id", "string", "integer", True, group="envelope")
    step = history.Step("abc1234", "abc1234" * 5, "abc1234", "2026-02-01", "Tidy up", diff=CatalogDiff((
        # the current event under its name then and under an alias: one entry, nothing said twice
        EventChange("edx.video.paused", "changed", (Change("summary-changed"), course)),
        EventChange("pause_video", "changed", (Change("summary-changed"), Change("owner-changed"))),
        # an event changed only through the envelope: no entry of its own
        EventChange("edx.video.played", "changed", (course,)),
    )))
    found = history._index(history.History("commits", 30, (step,)), catalog)
    [(entry_step, entry)] = found.of_event("edx.video.paused")
    assert entry_step is step and [c.what for c in entry.changes] == ["summary-changed", "owner-changed"]
    assert found.of_event("edx.video.played") == ()
    assert found.of_group("envelope") == ((step, (course,)),)  # once, though two events carry it
    assert found.shown == (step,)


def test_a_step_that_changed_no_event_is_left_off_the_what_changed_page(tmp_path):
    from eventcat.render import render
    root = tmp_path / "repo"
    make_repo(root, tags=False)
    edit(root / "catalog" / "tools" / "sailthru.yaml", "access: Marketing.", "access: The marketing team.")
    git("commit", "-qam", "Only a tool's access note", cwd=root, when="2026-01-09T12:00:00+00:00")
    catalog = build_catalog(root / "catalog")[0]
    found = history.collect(root / "catalog", catalog, 30)
    quiet = found.steps[0]
    assert quiet.subject == "Only a tool's access note" and quiet.quiet and quiet not in found.shown
    page = render(catalog, history=found)["changes.md"]
    assert quiet.anchor not in page and found.shown[0].anchor in page
