"""A fixture git repository whose commits make every kind of catalog change, one kind per step,
for the diff and history tests. Dates are fixed so that the order of commits and tags is too."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import MINI, write

HOSTILE_SUBJECT = "Owner to mercury <script>alert('subject')</script> {eval-rst}`x` [a](javascript:alert(1))"


def git(*args: str, cwd: Path, when: str = "2026-01-01T12:00:00+00:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": str(cwd)}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


STOPPED = """
name: edx.video.stopped
summary: A learner stopped a video.
kind: research
reviewed_by: Docs team
owner: learner
segment_whitelist: true
destinations: [google-analytics]
implementations:
  - side: browser
    api: Logger.log
fields:
  - name: code
    type: string
    description: The video's id.
    pii: none
suppress:
  prefer-server: Video player controls exist only in the browser.
"""


def make_repo(root: Path, tags: bool = True) -> dict[str, str]:
    """The repository, with the catalog in `catalog/`; returns the commit of each step by name.
    Steps: initial → events (added, renamed, removed) → fields (type, required, optional field
    added, allowed values narrowed, PII) → group (a field-group field removed) → broken (an
    unknown tool) → owner (fixes it; the subject is hostile). Tags v1.0 and v1.1 when `tags`."""
    root.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", cwd=root)
    catalog = root / "catalog"
    shutil.copytree(MINI, catalog)
    events = catalog / "events"
    commits = {}

    def commit(name: str, subject: str, day: int) -> None:
        when = f"2026-01-{day:02d}T12:00:00+00:00"
        git("add", "-A", cwd=root, when=when)
        git("commit", "-q", "-m", subject, cwd=root, when=when)
        commits[name] = git("rev-parse", "HEAD", cwd=root)

    commit("initial", "Add the mini catalog", 1)
    if tags:
        git("tag", "-a", "v1.0", "-m", "First release", cwd=root)

    write(events / "edx.video.stopped.yaml", STOPPED)
    paused = events / "edx.video.paused.yaml"
    edit(paused, "name: edx.video.paused", "name: edx.video.pause_toggled")
    edit(paused, "aliases: [pause_video]", "aliases: [pause_video, edx.video.paused]")
    paused.rename(events / "edx.video.pause_toggled.yaml")
    (events / "edx.bi.email.sent.yaml").unlink()
    commit("events", "Video: add stopped, rename paused; drop the email event", 2)

    played = events / "edx.video.played.yaml"
    edit(played, "    type: string\n    required: true\n    description: The video's id.\n    pii: none\n    example: abc123",
         "    type: integer\n    required: true\n    description: The video's id.\n    pii: none\n    example: 123")
    edit(played, "    type: number\n    description: Seconds into the video.",
         "    type: number\n    required: true\n    description: Seconds into the video.")
    edit(played, "related: [edx.video.paused]", """  - name: speed
    type: number
    description: Playback speed.
    pii: none
related: [edx.video.paused]""")
    seq = events / "seq_goto.yaml"
    edit(seq, "    description: The unit jumped to.\n    pii: none",
         "    description: The unit jumped to.\n    pii: pseudonymous\n    allowed: [1, 2, 3]")
    commit("fields", "Fields: code becomes an integer, currentTime required", 3)
    if tags:
        git("tag", "v1.1", cwd=root)

    edit(catalog / "fields" / "envelope.yaml", """  - name: context.course_id
    type: string
    description: The course run.
    pii: none
    example: course-v1:edX+DemoX+Demo_Course
""", "")
    commit("group", "Envelope: the course id moves out", 4)

    edit(played, "destinations: [google-analytics]", "destinations: [googel-analytics]")
    commit("broken", "Typo in a destination", 5)

    edit(played, "destinations: [googel-analytics]", "destinations: [google-analytics]")
    edit(seq, "owner: learner", "owner: mercury")
    commit("owner", HOSTILE_SUBJECT, 6)
    return commits
