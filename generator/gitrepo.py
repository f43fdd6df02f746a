"""Read-only access to the git repository that holds a catalog, through the `git` command.

Every failure is a GitError with one line a person can act on; nothing here prints or writes
outside the cache folder history.py asks for (`git_path`)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

UNSHALLOW_HINT = ("run `git fetch --unshallow` to get the full history (in GitHub Actions, set "
                  "`fetch-depth: 0` on actions/checkout)")


class GitError(Exception):
    """A git command failed; the message is one line."""


@dataclass(frozen=True)
class Commit:
    sha: str
    short: str
    date: str  # YYYY-MM-DD, committer date
    subject: str
    parent: str  # the first parent, "" for a root commit or a shallow clone's boundary
    time: int = 0  # committer time, seconds since the epoch, for ordering


@dataclass(frozen=True)
class Tag:
    name: str
    commit: Commit  # the tagged commit


def _run(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True,
                              timeout=300)
    except FileNotFoundError:
        raise GitError("git is not installed (history needs the `git` command)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {args[0]}` took more than 5 minutes") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(lines[-1] if lines else f"`git {args[0]}` failed")
    return done.stdout


def _text(root: Path, *args: str) -> str:
    return _run(root, *args).decode("utf-8", "replace")


def inside_a_repository(folder: Path) -> bool:
    """Whether some folder from here up holds `.git`: answered without starting git, so that a
    catalog outside any repository (a benchmark's, a test's) pays nothing for history."""
    folder = Path(folder).resolve()
    return any((d / ".git").exists() for d in (folder, *folder.parents))


@dataclass(frozen=True)
class Repo:
    root: Path
    catalog: str  # the catalog folder relative to the root, in git's spelling ("." for the root)

    @classmethod
    def of(cls, catalog_dir: Path) -> Repo:
        """The repository holding the catalog folder; GitError when there is none."""
        folder = Path(catalog_dir).resolve()
        if not folder.is_dir():
            raise GitError(f"{catalog_dir}: catalog folder not found")
        if not inside_a_repository(folder):
            raise GitError(f"{catalog_dir} is not inside a git repository")
        try:
            root = Path(_text(folder, "rev-parse", "--show-toplevel").strip()).resolve()
        except GitError as error:
            raise GitError(f"{catalog_dir} is not inside a git repository ({error})") from None
        return cls(root, folder.relative_to(root).as_posix() if folder != root else ".")

    def _spec(self, commit: str) -> str:
        """A commit's catalog folder as a tree-ish: `<commit>:<path>`."""
        return f"{commit}:" if self.catalog == "." else f"{commit}:{self.catalog}"

    def head(self) -> str:
        """HEAD's commit, or "" in a repository without commits."""
        try:
            return _text(self.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
        except GitError:
            return ""

    def is_shallow(self) -> bool:
        return _text(self.root, "rev-parse", "--is-shallow-repository").strip() == "true"

    def shallow_boundary(self) -> frozenset[str]:
        """The commits of a shallow clone whose parents were not fetched."""
        path = Path(_text(self.root, "rev-parse", "--git-path", "shallow").strip())
        path = path if path.is_absolute() else self.root / path
        try:
            return frozenset(path.read_text().split())
        except OSError:
            return frozenset()

    def git_path(self, name: str) -> Path:
        """A path inside the git folder of this checkout (for the history cache): `.git/<name>`,
        or the worktree's own folder in a linked worktree."""
        path = Path(_text(self.root, "rev-parse", "--git-path", name).strip())
        return path if path.is_absolute() else self.root / path

    def resolve(self, revision: str) -> str:
        """The commit a revision names; GitError saying why not."""
        if not revision or revision.startswith("-"):
            raise GitError(f"'{revision}' is not a revision")
        try:
            return _text(self.root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                         f"{revision}^{{commit}}").strip()
        except GitError:
            pass
        if self.is_shallow():
            raise GitError(f"unknown revision '{revision}': this is a shallow clone, and the "
                           f"revision may lie beyond the history it holds; {UNSHALLOW_HINT}")
        raise GitError(f"unknown revision '{revision}' (not a branch, tag or commit of {self.root})")

    def trees(self, commits: list[str]) -> list[str]:
        """The catalog folder's tree id at each commit, "" where the folder does not exist or the
        commit is not in the clone. One `git cat-file` for all of them."""
        if not commits:
            return []
        query = "".join(self._spec(c) + "\n" for c in commits).encode()
        out = _run(self.root, "cat-file", "--batch-check=%(objectname) %(objecttype)", stdin=query)
        trees = []
        for line in out.decode().splitlines():
            parts = line.split()
            trees.append(parts[0] if len(parts) == 2 and parts[1] == "tree" else "")
        return trees

    def unchanged(self) -> bool:
        """Whether the catalog folder in the working tree is exactly HEAD's: no edit, no new
        file, not even an ignored one."""
        return not _run(self.root, "status", "--porcelain", "-z", "--ignored", "--untracked-files=all",
                        "--", self.catalog)

    def ls_tree(self, tree: str) -> list[tuple[str, str, str, str]]:
        """Every entry under a tree, recursively: (mode, type, object id, path)."""
        out = _run(self.root, "ls-tree", "-r", "-z", "--full-tree", tree)
        entries = []
        for record in out.split(b"\0"):
            if record:
                info, path = record.split(b"\t", 1)
                mode, kind, oid = info.decode().split()
                entries.append((mode, kind, oid, path.decode("utf-8", "surrogateescape")))
        return entries

    def blobs(self, ids: list[str]) -> dict[str, bytes]:
        """The contents of blobs, by id: one `git cat-file --batch` for all of them."""
        if not ids:
            return {}
        out = _run(self.root, "cat-file", "--batch", stdin="".join(i + "\n" for i in ids).encode())
        contents, at = {}, 0
        for oid in ids:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            if len(header) != 3:
                raise GitError(f"cannot read object {oid}")
            size = int(header[2])
            contents[oid] = out[end + 1:end + 1 + size]
            at = end + 1 + size + 1  # the contents, then a newline
        return contents

    def log(self, limit: int) -> list[Commit]:
        """The last `limit` commits from HEAD that changed the catalog folder, newest first."""
        return _commits(_text(self.root, "log", f"-n{limit}", f"--format={_FORMAT}", "HEAD", "--",
                              self.catalog))

    def commits(self, shas: list[str]) -> list[Commit]:
        return _commits(_text(self.root, "log", "--no-walk=unsorted", f"--format={_FORMAT}", *shas,
                              "--"))

    def tags(self) -> list[Tag]:
        """Tags that point (directly or through an annotated tag) at a commit, newest commit
        first; tags of the same commit by name."""
        out = _text(self.root, "for-each-ref", "--format=%(refname:short)%1f%(objecttype)%1f"
                    "%(objectname)%1f%(*objectname)", "refs/tags")
        targets = []
        for line in out.splitlines():
            name, kind, obj, peeled = line.split("\x1f")
            commit = peeled if kind == "tag" else obj if kind == "commit" else ""
            if commit:
                targets.append((name, commit))
        if not targets:
            return []
        commits = {c.sha: c for c in self.commits(sorted({c for _, c in targets}))}
        tags = [Tag(name, commits[sha]) for name, sha in targets if sha in commits]
        tags.sort(key=lambda t: t.name)
        tags.sort(key=lambda t: t.commit.time, reverse=True)
        return tags

    def state(self) -> str:
        """What the history pages depend on besides the settings: HEAD, the tags, and the shallow
        boundary. Cheap: three small git calls."""
        refs = _text(self.root, "for-each-ref", "--format=%(refname) %(objectname)", "refs/tags")
        return "\n".join([self.head(), refs, " ".join(sorted(self.shallow_boundary()))])


_FORMAT = "%H%x1f%h%x1f%cs%x1f%ct%x1f%P%x1f%s%x1e"


def _commits(out: str) -> list[Commit]:
    result = []
    for record in out.split("\x1e"):
        parts = record.strip("\n").split("\x1f")
        if len(parts) == 6:
            sha, short, date, time, parents, subject = parts
            result.append(Commit(sha, short, date, subject, (parents.split() or [""])[0], int(time)))
    return result
