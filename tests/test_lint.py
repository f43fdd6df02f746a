"""Every lint rule, passing and failing, plus how rules are switched and suppressed."""


import textwrap

import pytest
import yaml

from eventcat.lint import RULES
from eventcat.pipeline import check


def event_file(mini, name, **fields):
    """Write an event into the mini catalog, starting from a clean server-side research event."""
    data = {
        "name": name, "summary": "Something happened.", "kind": "research",
        "reviewed_by": "Docs team", "owner": "learner",
        "implementations": [{"side": "server", "api": "tracker.emit"}],
        "fields": [{"name": "course_id", "type": "string", "description": "The course.",
                    "pii": "none"}],
    }
    data.update(fields)
    path = mini / "events" / f"{name.lower().replace(' ', '-')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def rules_found(mini):
    return [(p.rule, p.severity, p.message) for p in check(mini).problems]


CASES = {
    # rule: (passing event, failing event, start of the failing message)
    "kind-prefix": (
        {"name": "edx.bi.thing.done", "kind": "internal"},
        {"name": "edx.thing.done", "kind": "internal"},
        "internal event 'edx.thing.done' does not start with 'edx.bi.'"),
    "name-style": (
        {"name": "thing_done", "legacy": True},
        {"name": "thing_done"},
        "'thing_done' is not in the catalog's naming style (dotted)"),
    "api-name": (
        {"name": "edx.thing.done",
         "implementations": [{"side": "mobile", "api": "logEvent", "name": "thing_done"}]},
        {"name": "edx.thing.done", "implementations": [{"side": "mobile", "api": "logEvent"}]},
        "logEvent cannot send the name 'edx.thing.done'"),
    "docs-review": (
        {"name": "edx.thing.done"},
        {"name": "edx.thing.done", "reviewed_by": None},
        "research event 'edx.thing.done' records no documentation review"),
    "prefer-server": (
        {"name": "edx.thing.done", "implementations": [{"side": "browser", "api": "Logger.log"}],
             "suppress": {"prefer-server": "Only the page knows."}},
        {"name": "edx.thing.done", "implementations": [{"side": "browser", "api": "Logger.log"}]},
        "'edx.thing.done' is emitted only in the browser"),
    "segment-routing": (
        {"name": "edx.thing.done", "segment_whitelist": True, "destinations": ["google-analytics"]},
        {"name": "edx.thing.done", "destinations": ["google-analytics"]},
        "Google Analytics is listed as a destination but the event does not reach it"),
    "pii-classified": (
        {"name": "edx.thing.done"},
        {"name": "edx.thing.done", "fields": [{"name": "x", "type": "string", "description": "X."}]},
        "field 'x' has no PII classification"),
    "pii-destination": (
        {"name": "edx.thing.done", "segment_whitelist": True, "destinations": ["google-analytics"],
             "fields": [{"name": "user_id", "type": "integer", "description": "Id.", "pii": "pseudonymous"}]},
        {"name": "edx.thing.done", "segment_whitelist": True, "destinations": ["google-analytics"],
             "fields": [{"name": "email", "type": "string", "description": "Email.", "pii": "contact"}]},
        "field 'email' (contact data) flows to Google Analytics, whose storage notes forbid personal data"),
    "ecommerce-standard": (
        {"name": "Promotion Clicked", "kind": "internal", "standard": "Promotion Clicked", "fields": [
            {"name": n, "type": "string", "description": n, "pii": "none"}
            for n in ("promotion_id", "creative", "name", "position")]},
        {"name": "Promotion Clicked", "kind": "internal", "standard": "Promotion Clicked", "fields": [
            {"name": "promotion_id", "type": "integer", "description": "Id.", "pii": "none"}]},
        "'Promotion Clicked' events carry 'creative', 'name', 'position' but this one does not"),
    "deprecated-replacement": (
        {"name": "edx.thing.done", "status": "deprecated", "replaced_by": "edx.video.played"},
        {"name": "edx.thing.done", "status": "deprecated"},
        "deprecated event 'edx.thing.done' names no replacement"),
    "todo-placeholder": (
        {"name": "edx.thing.done", "summary": "Done."},
        {"name": "edx.thing.done", "summary": "TODO: say what happened"},
        "summary is still a placeholder: TODO: say what happened"),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_passes_and_fails(rule, mini):
    good, bad, message = CASES[rule]
    path = event_file(mini, **{k: v for k, v in good.items() if v is not None})
    assert rules_found(mini) == []
    path.unlink()
    bad = dict(bad)
    if bad.get("reviewed_by", "") is None:
        del bad["reviewed_by"]
        path = event_file(mini, **bad)
        data = yaml.safe_load(path.read_text())
        data.pop("reviewed_by")
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    else:
        event_file(mini, **bad)
    found = [f for f in rules_found(mini) if f[0] == rule]
    assert any(f[2].startswith(message) for f in found), found
    assert {f[1] for f in found} == {RULES[rule].severity}


def test_rules_are_switched_in_catalog_yaml(mini):
    event_file(mini, "edx.thing.done", implementations=[{"side": "browser", "api": "Logger.log"}])
    assert [f[:2] for f in rules_found(mini)] == [("prefer-server", "warning")]
    with open(mini / "catalog.yaml", "a") as handle:
        handle.write("rules:\n  prefer-server: error\n")
    assert [f[:2] for f in rules_found(mini)] == [("prefer-server", "error")]
    (mini / "catalog.yaml").write_text((mini / "catalog.yaml").read_text().replace("error", "off"))
    assert rules_found(mini) == []


def test_unknown_rule_in_a_suppression_is_an_error(mini):
    event_file(mini, "edx.thing.done", suppress={"prefer-servr": "typo"})
    (problem,) = check(mini).problems
    assert str(problem).endswith("error unknown-rule: unknown rule 'prefer-servr' (did you mean 'prefer-server'?)")


def test_shipped_catalog_is_clean():
    from conftest import ROOT
    assert [str(p) for p in check(ROOT / "catalog").problems] == []


def test_naming_style_is_the_catalogs(mini):
    """A catalog that chose Segment's "Object Action" style accepts its names and refuses dotted
    ones; an event that names a standard keeps the spec's name whatever the style."""
    config = mini / "catalog.yaml"
    config.write_text(config.read_text() + "name_style: object-action\n")
    event_file(mini, "Product Viewed")
    event_file(mini, "Course Added to Wishlist")
    event_file(mini, "edx.thing.done")
    found = [m for r, _, m in rules_found(mini) if r == "name-style"]
    assert not any("Product Viewed" in m or "Wishlist" in m for m in found), found
    assert any("'edx.thing.done' is not in the catalog's naming style (object-action)" in m
               for m in found), found
    assert not any("Promotion Viewed" in m for m in found)  # standard: exempt


@pytest.mark.parametrize("style, good, bad", [
    ("snake", "thing_done", "Thing Done"),
    ("dotted", "edx.thing.done", "thing_done"),
    ("any", "Whatever goes-here", None),
])
def test_each_naming_style(mini, style, good, bad):
    config = mini / "catalog.yaml"
    config.write_text(config.read_text() + f"name_style: {style}\n")
    event_file(mini, good)
    if bad:
        event_file(mini, bad)
    found = [m for r, _, m in rules_found(mini) if r == "name-style"]
    assert not any(f"'{good}'" in m for m in found)
    if bad:
        assert any(f"'{bad}' is not in the catalog's naming style ({style})" in m for m in found)


def test_kinds_are_the_catalogs(mini):
    """Kind names, their prefixes and which are reviewed come from catalog.yaml."""
    config = mini / "catalog.yaml"
    text = config.read_text().split("kinds:")[0]
    config.write_text(text + textwrap.dedent("""\
        kinds:
          public:
            description: "Shared with customers."
            review: true
          ops:
            description: "Operations only."
            prefix: "ops."
        rules: {segment-routing: "off"}
        """))
    for f in (mini / "events").glob("*.yaml"):
        f.unlink()  # the fixture's events use research/internal
    event_file(mini, "edx.thing.done", kind="public", reviewed_by=None)
    event_file(mini, "ops.disk.filled", kind="ops")
    event_file(mini, "edx.other.done", kind="ops")
    event_file(mini, "edx.bad.done", kind="research")
    problems = check(mini).problems
    messages = [(p.rule, p.message) for p in problems]
    assert ("docs-review", "public event 'edx.thing.done' records no documentation review") in messages
    assert ("kind-prefix", "ops event 'edx.other.done' does not start with 'ops.'") in messages
    assert not any("ops.disk.filled" in m for _, m in messages)
    assert any(r == "bad-value" and "'research' is not allowed" in m for r, m in messages), messages
