"""Make a synthetic catalog of N events with a realistic shape, deterministic from a seed.

    python bench/make_catalog.py N [--out DIR] [--seed S]

About 20 domains, 3 to 20 fields per event, shared field groups, 1 to 4 destinations, owners from
12 teams, 30 tools, some aliases, deprecations and long descriptions. The result passes
`eventcat check --strict`, so it can be built strictly too."""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import yaml

DOMAINS = ["course", "video", "problem", "forum", "certificate", "ui", "enrollment", "grade",
           "cohort", "team", "bookmark", "notes", "search", "profile", "account", "payment",
           "program", "credential", "survey", "discussion"]
OBJECTS = ["item", "page", "unit", "section", "panel", "link", "button", "card", "list", "badge",
           "thread", "entry", "module", "tab", "banner", "message", "session", "goal"]
VERBS = ["viewed", "clicked", "created", "updated", "deleted", "shown", "hidden", "opened",
         "closed", "submitted", "started", "completed", "shared", "selected", "loaded"]
TYPES = ["string", "string", "string", "integer", "number", "boolean", "datetime", "array", "object"]
PII = ["none"] * 8 + ["pseudonymous", "free-text"]
WORDS = [
    "learner", "course", "unit", "module", "page", "record", "value", "total", "count", "time",
    "when", "where", "which", "that", "shows", "the", "and", "of", "for", "with", "from", "after",
    "before", "each", "every", "last", "first", "new", "old",
]
# API, side, channel: a realistic mix of server and client code
APIS = [("tracker.emit", "server"), ("tracker.emit", "server"), ("tracker.emit", "task"),
        ("segment.track", "server"), ("sendTrackingLogEvent", "browser"),
        ("sendTrackEvent", "browser"), ("Logger.log", "browser"), ("Analytics.track", "mobile")]
SEGMENT_APIS = {"segment.track", "sendTrackEvent", "Analytics.track"}


def example(field_type: str, k: int) -> object:
    return {"string": f"value-{k}", "integer": k, "number": k + 0.5, "boolean": k % 2 == 0,
            "datetime": "2024-05-01T12:00:00+00:00", "array": [k], "object": {"k": k}}[field_type]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def make(n: int, out: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("events", "fields", "tools", "teams"):
        (out / folder).mkdir(parents=True)

    def dump(path: Path, data: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    dump(out / "catalog.yaml", {"title": f"Synthetic catalog ({n} events)", "name_prefix": "edx.",
                                "kinds": {"research": {"description": "Research event.", "review": True},
                                          "internal": {"description": "Internal event.",
                                                       "prefix": "edx.bi."}}})
    # the emitting APIs the events name, as the shipped catalog declares them
    shutil.copytree(Path(__file__).resolve().parent.parent / "catalog" / "apis", out / "apis")
    teams = [f"team-{i:02d}" for i in range(12)]
    for i, team in enumerate(teams):
        dump(out / "teams" / f"{team}.yaml", {
            "id": team, "name": f"Team {i:02d}", "parent": teams[0] if i else None,
            "description": sentence(rng, 12), "tools": [f"tool-{j:02d}" for j in range(i % 5, 30, 7)],
        } if i else {"id": team, "name": "Team 00", "description": sentence(rng, 12)})
    for i in range(30):
        receives = ["segment"] if i % 3 == 0 else ["tracking-log"] if i % 3 == 1 else ["direct"]
        tool = {"id": f"tool-{i:02d}", "name": f"Tool {i:02d}", "category": "web-analytics",
                "receives": receives, "owner": teams[i % 12],
                "storage": {"limits": "Not documented; ask the owner.", "access": sentence(rng, 6),
                            "retention": f"{rng.randint(1, 36)} months (vendor default).",
                            "pii_allowed": i % 4 != 0}}
        if i == 0:
            tool.update(id="tool-00", receives=["direct"], hub="segment", name="Segment")
        if i == 1:
            tool.update(receives=["direct"], hub="tracking-log", name="Tracking Log")
        dump(out / "tools" / f"tool-{i:02d}.yaml", tool)
    for g in range(6):
        dump(out / "fields" / f"group-{g}.yaml", {
            "id": f"group-{g}", "name": f"Group {g}", "description": sentence(rng, 10),
            "envelope": g == 0, **({"payload_key": "event"} if g == 0 else {}),
            "fields": [{"name": f"{'context.' if g == 0 else ''}g{g}_f{k}", "type": (t := rng.choice(TYPES)),
                        "required": k == 0, "description": sentence(rng, 8),
                        "pii": rng.choice(PII) if g == 0 else rng.choice(["none", "pseudonymous"]),
                        "example": example(t, k)} for k in range(rng.randint(3, 8))]})

    names: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        domain = DOMAINS[i % len(DOMAINS)]
        internal = i % 5 == 0
        while True:
            base = f"{domain}.{rng.choice(OBJECTS)}.{rng.choice(VERBS)}"
            name = f"edx.bi.{base}" if internal else f"edx.{base}"
            if name in seen:
                name = f"{name}_{i}"
            if name not in seen:
                break
        seen.add(name)
        names.append(name)
        apis = rng.sample(APIS, rng.choice([1, 1, 1, 2]))
        channels = {"segment" if a in SEGMENT_APIS else "tracking-log" for a, _ in apis}
        whitelisted = "tracking-log" in channels and rng.random() < 0.3
        if whitelisted:
            channels.add("segment")
        reachable = [f"tool-{j:02d}" for j in range(2, 30)
                     if (j % 3 == 0 and "segment" in channels) or (j % 3 == 1 and "tracking-log" in channels)]
        fields = [{"name": f"f{k}_{rng.choice(OBJECTS)}", "type": (t := rng.choice(TYPES)),
                   "required": rng.random() < 0.4, "description": sentence(rng, rng.randint(5, 20)),
                   "pii": "none", "example": example(t, k)}
                  for k in range(rng.randint(1, 14))]
        event = {
            "name": name,
            "summary": sentence(rng, rng.randint(5, 12)),
            "description": "\n\n".join(sentence(rng, rng.randint(20, 60))
                                       for _ in range(rng.choice([1, 1, 2, 6]))),
            "kind": "internal" if internal else "research",
            "owner": rng.choice(teams),
            "implementations": [{"side": side, "api": api, "where": f"repo/{domain}/emit_{i}.py"}
                                for api, side in apis],
            "field_groups": ["group-0", *rng.sample([f"group-{g}" for g in range(1, 6)], rng.randint(0, 2))],
            "fields": fields,
            "tags": [domain],
        }
        if not internal:
            event["reviewed_by"] = "Docs team"
        if whitelisted:
            event["segment_whitelist"] = True
        if reachable:
            event["destinations"] = rng.sample(reachable, min(len(reachable), rng.randint(1, 4)))
        if all(side == "browser" for _, side in apis):
            event["suppress"] = {"prefer-server": "Synthetic browser-only event."}
        if i % 17 == 0:
            event["aliases"] = [f"{domain}_{i}_legacy"]
        if i % 23 == 0 and i > 0:
            event["status"] = "deprecated"
            event["replaced_by"] = names[i - 1]
        if i % 11 == 0 and i > 0:
            event["related"] = [names[i - 1]]
        dump(out / "events" / domain / f"{name}.yaml", event)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = make(args.n, args.out or Path(f"bench/out/catalog-{args.n}"), args.seed)
    print(out)


if __name__ == "__main__":
    main()
