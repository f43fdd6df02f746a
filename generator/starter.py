"""`eventcat init`: a new catalog project that builds strictly as it is.

A project is a catalog (catalog.yaml, one team, one tool, one event that pass `eventcat check`),
a neutral home page whose table of contents holds the generated pages, the settings file, editor
schemas for the `$schema` lines, a .gitignore, a CI workflow and a pre-commit hook. With
`example="edx"` the catalog is a copy of the shipped Open edX catalog instead.

Every YAML file that holds text from the person (title, organisation) is written by a YAML
emitter, never by pasting strings; the home page's heading is escaped as MyST text. Nothing is
overwritten: an existing file is kept and reported."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import __version__
from .config import SETTINGS_FILE, Settings
from .markup import myst
from .schema import SECTION_SCHEMA, all_schemas
from .sync import FILE_MODE

HERE = Path(__file__).resolve().parent
STARTER_FILES = HERE / "starter_files"  # the workflow, pre-commit hook, .gitignore (no user text)
EXAMPLES = ("edx",)


def example_catalog(name: str) -> Path:
    """A shipped example catalog: inside the wheel as eventcat/examples/<name>; in the
    repository, the catalog/ folder beside the package's source folder (pyproject.toml maps one
    onto the other)."""
    inside = HERE / "examples" / name
    return inside if inside.is_dir() else HERE.parent / "catalog"


def _yaml(data: dict[str, Any], header: str = "", schema: str = "") -> str:
    """A YAML document made by the emitter: user text cannot become YAML syntax."""
    lines = [f"# yaml-language-server: $schema={schema}\n"] if schema else []
    lines += [f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines()]
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    return "".join(lines) + ("\n" if lines else "") + body


def _schema_ref(path: str, kind: str, settings: Settings) -> str:
    """The `$schema` target of the file at `path` (relative to the project), relative to it."""
    target = f"{settings.schemas}/{kind}.schema.json"
    return Path(os.path.relpath(target, Path(path).parent)).as_posix()


def _with_schema_line(path: str, data: bytes, kind: str | None, settings: Settings) -> bytes:
    """An example file with the editor's schema line on top, so completion works in every file of
    the copy (the shipped files carry none: their folder sits elsewhere in the wheel)."""
    if kind is None or data.startswith(b"# yaml-language-server:"):
        return data
    line = f"# yaml-language-server: $schema={_schema_ref(path, kind, settings)}\n"
    return line.encode("utf-8") + data


def catalog_settings(title: str, organization: str) -> dict[str, Any]:
    return {"title": title, "organization": organization, "name_prefix": "",
            "name_style": "dotted",
            "kinds": {"research": {"description": "Shared with analysts outside the team that "
                                                  "sends it; reviewed before release.",
                                   "review": True},
                      "internal": {"description": "For the team's own analysis only."}}}


def check_names(title: str, organization: str) -> str:
    """What is wrong with a title or organisation for catalog.yaml, as the validator says it."""
    from pydantic import ValidationError

    from .model import CatalogConfig
    try:
        CatalogConfig.model_validate({"title": title or "Event catalog",
                                      "organization": organization})
    except ValidationError as error:
        first = error.errors()[0]
        option = {"title": "--title", "organization": "--org"}.get(str(first["loc"][0]), "")
        return f"{option}: {first['msg'].lower()}"
    return ""


def example_files(settings: Settings) -> dict[str, str]:
    """One emitting API, one team, one tool and one event, neutral, each valid as it is."""
    c = settings.catalog
    api = {"name": "analytics.track",
           "summary": "Segment's Python library on the server: straight to Segment and the "
                      "tools behind it.",
           "sides": ["server"], "channel": "segment", "record": "segment-track",
           "language": "python", "default": True,
           "recipe": "import segment.analytics as analytics\n\n"
                     "analytics.track(user_id, {{name}}, {{payload}})\n"}
    team = {"id": "analytics", "name": "Analytics",
            "description": "Owns the tracking plan and the analytics tools. Rename this team, "
                           "or add yours beside it with `eventcat new team ID`.",
            "tools": ["product-analytics"]}
    tool = {"id": "product-analytics", "name": "Product analytics",
            "category": "web-analytics", "receives": ["segment"], "owner": "analytics",
            "description": "Where product teams look at events. Replace it with the tools you "
                           "use (`eventcat new tool ID`).",
            "storage": {"limits": "None known; write down sampling or volume limits here.",
                        "access": "The analytics team.",
                        "retention": "Not set; write down how long data is kept.",
                        "region": "Not set; write down where the data is stored.",
                        "pii_allowed": False}}
    event = {"name": "account.signed_up", "summary": "A visitor created an account.",
             "description": "Sent once, when the sign-up form is accepted. An example to copy: "
                            "`eventcat new event NAME` starts the next one.",
             "kind": "internal", "status": "proposed", "owner": "analytics",
             "implementations": [{"side": "server", "api": "analytics.track",
                                  "where": "app/accounts/signup.py"}],
             "destinations": ["product-analytics"],
             "fields": [{"name": "plan", "type": "string", "required": True,
                         "description": "The plan chosen at sign-up.", "pii": "none",
                         "example": "free"}]}
    paths = {"api": f"{c}/apis/analytics.track.yaml", "team": f"{c}/teams/analytics.yaml",
             "tool": f"{c}/tools/product-analytics.yaml", "event": f"{c}/events/account/account.signed_up.yaml"}
    headers = {"api": "A call that sends events; its recipe is the code shown on event pages.\n"
                      "Declare yours (gtag, Amplitude, a server SDK, ...) beside it.",
               "team": "A team: owns events. The Catalog format page lists every key.",
               "tool": "An analytics tool: where events go, and what it keeps for how long.",
               "event": "An event: one file each. Check with `eventcat check`."}
    return {paths[k]: _yaml(data, headers[k], _schema_ref(paths[k], k, settings))
            for k, data in (("api", api), ("team", team), ("tool", tool), ("event", event))}


def _home_page(title: str, settings: Settings) -> str:
    g = settings.generated.strip("/")
    # The main pages in the order the navigation bar shows them, then every other top-level
    # generated page by a glob: a page a later eventcat adds joins the table of contents by
    # itself instead of failing the strict build as "not included in any toctree".
    first = ["events/index", "tools/index", "teams/index", "privacy", "field-groups", "fields"]
    toctree = "\n".join(f"{g}/{page}" for page in first) + f"\n{g}/*"
    return (f"# {myst(title)}\n\n"
            "Every analytics event we send, documented in one place: what it means, which fields "
            "it carries, who owns it, the code that sends it, and where its data goes.\n\n"
            f"```{{include}} {g}/_home.md\n```\n\n"
            f"```{{toctree}}\n:hidden:\n:glob:\n\n{toctree}\n```\n")


def _settings_file(settings: Settings) -> str:
    # No user text here: the values are our own defaults, written as TOML strings by json.dumps
    # (a JSON string is a valid TOML basic string).
    s = settings
    return ("# eventcat's settings: how this project builds its catalog site. Facts about the\n"
            "# catalog itself (title, organisation, lint rules) are in catalog/catalog.yaml.\n"
            "# Every setting and its default is listed on the site's Settings page.\n"
            f"catalog = {json.dumps(s.catalog)}\n"
            f"docs = {json.dumps(s.docs)}\n"
            f"build_dir = {json.dumps(s.build_dir)}\n"
            f"schemas = {json.dumps(s.schemas)}\n"
            "# The coverage page's sources: logs, or reports of `eventcat logs check`.\n"
            "coverage = []\n"
            "# The implementation status page's source: a report of `eventcat code scan`.\n"
            "code_report = \"\"\n\n"
            "[serve]\n"
            f"port = {s.serve.port}\n")


def install_spec() -> tuple[str, bool]:
    """What a new project's CI and pre-commit hook install: this eventcat, as it was installed
    (PEP 610's direct_url.json). A git install gives `eventcat @ git+URL@COMMIT`, pinned to the
    commit; an install from a package index gives `eventcat==VERSION`. A local wheel or folder
    cannot be reached from CI: then `eventcat==VERSION` with False, so init says to set it."""
    import importlib.metadata
    import json
    try:
        text = importlib.metadata.distribution("eventcat").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        text = None
    if not text:
        return f"eventcat=={__version__}", True
    try:
        where = json.loads(text)
    except ValueError:
        return f"eventcat=={__version__}", False
    vcs = where.get("vcs_info") if isinstance(where, dict) else None
    url = where.get("url", "") if isinstance(where, dict) else ""
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and str(url).startswith("https://"):
        commit = str(vcs.get("commit_id") or "")
        return f"eventcat @ git+{url}" + (f"@{commit}" if commit else ""), True
    return f"eventcat=={__version__}", False


def _starter_file(name: str, settings: Settings, install: str) -> str:
    import json
    text = (STARTER_FILES / name).read_text(encoding="utf-8")
    # a JSON string is a YAML double-quoted scalar: any spec stays one value on one line
    replacements = {'"@INSTALL@"': json.dumps(install), "@VERSION@": __version__, "@CATALOG@": settings.catalog,
                    "@DOCS@": settings.docs, "@GENERATED@": settings.generated.strip("/"),
                    "@BUILD@": settings.build_dir}
    for key, value in replacements.items():
        text = text.replace(key, value)
    return text


def project_files(title: str, organization: str, example: str | None = None,
                  settings: Settings | None = None, install: str | None = None) -> dict[str, bytes]:
    """Every file of a new project, by its path relative to the project folder. `install`: what
    its CI and pre-commit hook install (default: install_spec())."""
    s = settings or Settings()
    install = install or install_spec()[0]
    files: dict[str, str | bytes] = {
        SETTINGS_FILE: _settings_file(s),
        f"{s.docs}/index.md": _home_page(title, s),
        ".gitignore": _starter_file("gitignore", s, install),
        ".github/workflows/docs.yml": _starter_file("docs.yml", s, install),
        ".pre-commit-config.yaml": _starter_file("pre-commit-config.yaml", s, install),
    }
    files.update((f"{s.schemas}/{name}", text) for name, text in all_schemas().items())
    config_path = f"{s.catalog}/catalog.yaml"
    if example is None:
        files[config_path] = _yaml(catalog_settings(title, organization),
                                   "What the catalog is. The Catalog format page lists every key.",
                                   _schema_ref(config_path, "catalog", s))
        files.update(example_files(s))
    else:
        source = example_catalog(example)
        for path in sorted(source.rglob("*.yaml")):
            relative = f"{s.catalog}/{path.relative_to(source).as_posix()}"
            files[relative] = _with_schema_line(relative, path.read_bytes(),
                                                SECTION_SCHEMA.get(path.relative_to(source).parts[0]), s)
        shipped = yaml.safe_load((source / "catalog.yaml").read_text(encoding="utf-8")) or {}
        given = {"title": title, "organization": organization}
        shipped.update((k, v) for k, v in given.items() if v)
        files[config_path] = _yaml(shipped, f"The shipped {example} example catalog.",
                                   _schema_ref(config_path, "catalog", s))
        # without --title the home page takes the example's own title, not an empty heading
        files[f"{s.docs}/index.md"] = _home_page(str(shipped.get("title") or "Event catalog"), s)
    return {path: text if isinstance(text, bytes) else text.encode("utf-8")
            for path, text in files.items()}


@dataclass
class Started:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # already there: left as they were


def write_project(folder: Path, files: dict[str, bytes]) -> Started:
    """Each file whole or not at all (a temporary file, then a hard link, which fails rather
    than replace a file that is already there)."""
    result = Started()
    for relative, data in files.items():
        target = folder / relative
        if target.exists():
            result.kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".eventcat-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, FILE_MODE)
            os.link(temp, target)
            result.written.append(target)
        except FileExistsError:
            result.kept.append(target)
        finally:
            os.unlink(temp)
    return result
