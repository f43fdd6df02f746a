"""Stage 3b: named lint rules over a linked Catalog: the house rules of analytics events.

Each rule has an id, a default severity and a check. A catalog switches rules with `rules:` in
catalog.yaml (or `[tool.eventcat.rules]` in pyproject.toml); one event switches a rule off with
`suppress: {rule-id: reason}`. The rules page of the site is generated from RULES.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from .diagnostics import Diagnostic, LintId, RuleSetting, did_you_mean
from .ecommerce import ECOMMERCE_V2
from .link import CONFIG_KEY, Catalog, ObjectKey, key_kind, object_key
from .load import RawDocument
from .model import CHANNEL_TEXT, NAME_STYLES

DOTTED_LOWER = re.compile(NAME_STYLES["dotted"][0])

# A finding: which definition, where in it, what, and a hint.
Finding = tuple[ObjectKey, tuple[Any, ...], str, str]


@dataclass(frozen=True)
class Rule:
    id: LintId
    severity: RuleSetting  # the default
    summary: str
    explanation: str
    check: Callable[[Catalog], Iterator[Finding]] | None  # None: checked on the raw files


def _kind_prefix(catalog: Catalog) -> Iterator[Finding]:
    kinds = catalog.config.kinds
    prefixed = [(k, d.prefix) for k, d in kinds.items() if d.prefix]
    if not prefixed:
        return
    for e in catalog.events:
        if e.event.standard:
            continue  # Segment's spec fixes the name
        declared = kinds.get(e.event.kind)
        own = declared.prefix if declared else None
        if own and not e.name.startswith(own):
            yield (object_key("event", e.name), ("name",), f"{e.event.kind} event '{e.name}' does not start "
                   f"with '{own}'", f"{e.event.kind} event names start with '{own}'")
            continue
        other = next(((k, p) for k, p in prefixed if k != e.event.kind and e.name.startswith(p)
                      and not (own and own.startswith(p))), None)
        if other:
            yield (object_key("event", e.name), ("kind",), f"'{e.name}' carries the prefix '{other[1]}' of "
                   f"{other[0]} events but is a {e.event.kind} event",
                   f"set kind: {other[0]}, or rename it")


def name_style_pattern(style: str) -> re.Pattern[str]:
    return re.compile(NAME_STYLES[style][0])


def name_style_hint(catalog: Catalog) -> str:
    return f"new names are in {NAME_STYLES[catalog.config.name_style][1]}"


def _name_style(catalog: Catalog) -> Iterator[Finding]:
    style = catalog.config.name_style
    pattern = name_style_pattern(style)
    for e in catalog.events:
        if e.event.legacy or e.event.standard or pattern.match(e.name):
            continue
        yield (object_key("event", e.name), ("name",),
               f"'{e.name}' is not in the catalog's naming style ({style})",
               name_style_hint(catalog) + "; mark an old name on the wire with legacy: true, or "
               "keep it as an alias of a new name")


def _api_name(catalog: Catalog) -> Iterator[Finding]:
    for e in catalog.events:
        for index, impl in enumerate(e.event.implementations):
            api = catalog.apis[impl.api]
            wire = impl.name or e.name
            if api.name_pattern and api.wire_name and not re.search(api.name_pattern, wire):
                where = ("implementations", index, "name" if impl.name else "api")
                rule = api.name_rule or "only what " + api.name_pattern + " matches"
                yield (object_key("event", e.name), where, f"{impl.api} cannot send the name '{wire}'",
                       f"its names allow {rule}; set name: on the implementation to the name "
                       "the code really sends")


def _docs_review(catalog: Catalog) -> Iterator[Finding]:
    kinds = catalog.config.kinds
    for e in catalog.events:
        kind = kinds.get(e.event.kind)
        if kind is not None and kind.review and not e.event.reviewed_by:
            yield (object_key("event", e.name), ("kind",), f"{e.event.kind} event '{e.name}' records no "
                   "documentation review", "add reviewed_by: who reviewed its documentation")


def _prefer_server(catalog: Catalog) -> Iterator[Finding]:
    for e in catalog.events:
        if set(e.sides) == {"browser"}:
            yield (object_key("event", e.name), ("implementations",), f"'{e.name}' is emitted only in the "
                   "browser", "server-side events carry more context and fewer false duplicates; "
                   "if the browser is the only place it can happen, say why with "
                   "suppress: {prefer-server: <reason>}")


def _segment_routing(catalog: Catalog) -> Iterator[Finding]:
    for e in catalog.events:
        for index, d in enumerate(e.destinations):
            if d.reached:
                continue
            if "segment" in d.tool.receives and "tracking-log" in e.channels:
                hint = "add segment_whitelist: true (the event must be on the Segment whitelist)"
            elif "segment" in d.tool.receives:
                calls = [a.name for a in catalog.apis.values() if a.channel == "segment"]
                hint = "send it to Segment" + (f" ({', '.join(calls)})" if calls else "")
            else:
                hint = f"{d.tool.name} receives data " + " or ".join(
                    CHANNEL_TEXT[r] for r in d.tool.receives)
            yield (object_key("event", e.name), ("destinations", index),
                   f"{d.tool.name} is listed as a destination but the event does not reach it", hint)
        if e.event.segment_whitelist and "tracking-log" not in e.channels:
            yield (object_key("event", e.name), ("segment_whitelist",), "segment_whitelist has no effect: no "
                   "implementation writes to the tracking log",
                   "the whitelist forwards tracking-log events; remove the key")


def _pii_classified(catalog: Catalog) -> Iterator[Finding]:
    for e in catalog.events:
        for index, f in enumerate(e.event.fields):
            if f.pii is None:
                yield (object_key("event", e.name), ("fields", index, "name"), f"field '{f.name}' has no PII "
                       "classification", "set pii: none, or the kind of personal data it holds")
    for group_id, group in catalog.groups.items():
        for index, f in enumerate(group.fields):
            if f.pii is None:
                yield (object_key("group", group_id), ("fields", index, "name"), f"field '{f.name}' has no "
                       "PII classification", "set pii: none, or the kind of personal data it holds")


def _pii_destination(catalog: Catalog) -> Iterator[Finding]:
    for e in catalog.events:
        forbidden = [d.tool for d in e.destinations if d.reached and d.tool.storage.pii_allowed is False]
        forbidden += [h for h in catalog.hubs.values() if h.hub in e.channels and h.storage.pii_allowed is False]
        if not forbidden:
            continue
        # The envelope is the channel's own metadata (the tracking log keeps it; Segment maps it
        # for each tool itself): what we choose to send is the payload.
        for f in e.fields:
            if not f.envelope and f.field.pii not in (None, "none", "pseudonymous"):
                own = [i for i, x in enumerate(e.event.fields) if x.name == f.field.name]
                loc = (("fields", own[0], "pii") if own
                       else ("field_groups",) if f.origin_kind == "group" else ("fields_from",))
                names = ", ".join(t.name for t in forbidden)
                yield (object_key("event", e.name), loc, f"field '{f.field.name}' ({f.field.pii} data) "
                       f"flows to {names}, whose storage notes forbid personal data",
                       "drop or pseudonymise the field, or stop sending the event there")


_COMPATIBLE = {"number": {"number", "integer"}}


def _ecommerce_standard(catalog: Catalog) -> Iterator[Finding]:
    for e in catalog.events:
        spec = ECOMMERCE_V2.get(e.event.standard or "")
        if spec is None:
            continue
        required, types = spec
        fields = {f.field.name: f for f in e.fields if not f.envelope}
        missing = [p for p in required if p not in fields]
        if missing:
            yield (object_key("event", e.name), ("standard",), f"'{e.event.standard}' events carry "
                   + ", ".join(f"'{p}'" for p in missing) + " but this one does not",
                   "add the fields Segment's Ecommerce v2 spec names, or remove standard")
        for name, f in fields.items():
            expected = types.get(name)
            if expected and f.field.type not in _COMPATIBLE.get(expected, {expected}):
                own = [i for i, x in enumerate(e.event.fields) if x.name == name]
                yield (object_key("event", e.name), ("fields", own[0], "type") if own else ("standard",),
                       f"field '{name}' is {f.field.type} but Segment's '{e.event.standard}' spec "
                       f"makes it {expected}", f"set type: {expected}")


def _deprecated_replacement(catalog: Catalog) -> Iterator[Finding]:
    for e in catalog.events:
        if e.event.status == "deprecated" and not e.event.replaced_by:
            yield (object_key("event", e.name), ("status",), f"deprecated event '{e.name}' names no "
                   "replacement", "add replaced_by: the event to use instead")


def todo_placeholders(documents: list[RawDocument]) -> Iterator[Diagnostic]:
    """Scaffolded files mark what is left to write with TODO. The loader notes where, so one run
    lists every placeholder, even where a TODO is not yet a valid value (the validator and
    linker stay quiet about those)."""
    for document in documents:
        for loc in document.placeholders:
            node = document.data
            for part in loc:
                node = node[part]
            line, column = document.position(loc)
            shown = node.strip().replace("\n", " ")
            yield Diagnostic(document.path, line, column, "todo-placeholder",
                             f"{'.'.join(map(str, loc))} is still a placeholder: {shown[:70]}",
                             "write the real value")


RULES: dict[LintId, Rule] = {rule.id: rule for rule in (
    Rule("todo-placeholder", "error", "No TODO placeholder is left in a definition.",
         "`eventcat new` marks every value you still have to write with `TODO`; the catalog is not "
         "done until none is left.", None),
    Rule("kind-prefix", "error", "Events of a kind with a prefix carry it; other events do not.",
         "A kind declared in `catalog.yaml` may name a `prefix` (internal events might all start "
         "with `bi.`, say), so anyone reading a name knows its kind. Events that declare a Segment "
         "`standard` keep the spec's name.", _kind_prefix),
    Rule("name-style", "warning", "New names follow the catalog's naming style.",
         "`name_style` in `catalog.yaml`: `dotted` (lower case, dots between words: "
         "`shop.cart.item_added`), `object-action` (Segment's \"Product Viewed\"), `snake` or "
         "`any`. Names already on the wire that cannot change are marked `legacy: true`, or kept "
         "as `aliases` of a new name; events that declare a `standard` keep the spec's name.",
         _name_style),
    Rule("api-name", "error", "Every name an implementation sends is one its API accepts.",
         "An API may restrict names with `name_pattern` (Firebase allows letters, digits and "
         "`_`, at most 40 characters); an implementation whose name breaks it sets `name:` to "
         "the name its code really sends, so the recipe and the catalog say the truth.",
         _api_name),
    Rule("docs-review", "warning", "Events of a reviewed kind record who reviewed their documentation.",
         "A kind declared with `review: true` (by default `research`) has its documentation "
         "reviewed before release; `reviewed_by` says who did.", _docs_review),
    Rule("prefer-server", "warning", "A browser-only event states why it cannot be server-side.",
         "Server-side events carry more context and suffer fewer false duplicates. When the "
         "browser is the only place an event can happen, suppress the rule with the reason.",
         _prefer_server),
    Rule("segment-routing", "error", "Every destination is reachable by the event's route.",
         "A tool fed by Segment only receives events that reach Segment: sent there directly, or "
         "written to the tracking log and on the Segment whitelist. A whitelist entry for an "
         "event that never reaches the tracking log does nothing.", _segment_routing),
    Rule("pii-classified", "warning", "Every field has a PII classification.",
         "`pii: none` is a decision; a missing classification is not.", _pii_classified),
    Rule("pii-destination", "error", "Personal data does not flow to tools that forbid it.",
         "A field classified as personal data must not reach a tool whose storage notes say "
         "`pii_allowed: false` (Google Analytics' terms, for one).", _pii_destination),
    Rule("ecommerce-standard", "error", "Events that declare a Segment Ecommerce v2 standard follow it.",
         "The spec's core properties are present, and every spec property has the spec's type.",
         _ecommerce_standard),
    Rule("deprecated-replacement", "warning", "A deprecated event names its replacement.",
         "Readers of old data need to know which event took over.", _deprecated_replacement),
)}


def lint(catalog: Catalog, documents: list[RawDocument],
         overrides: dict[str, RuleSetting] | None = None) -> list[Diagnostic]:
    """Run every rule not switched off; severities come from the rule, then catalog.yaml, then
    `overrides` (pyproject.toml). Suppressions apply per event and must name a real rule."""
    severities: dict[str, RuleSetting] = {rule_id: rule.severity for rule_id, rule in RULES.items()}
    problems: list[Diagnostic] = []
    config_def = catalog.definitions.get(CONFIG_KEY)
    for source, settings in (("config", catalog.config.rules), ("pyproject", overrides or {})):
        for rule_id, severity in settings.items():
            if rule_id in RULES:
                severities[rule_id] = severity
            elif source == "config" and config_def is not None:
                problems.append(Diagnostic(*config_def.at("rules", rule_id, key=True), "unknown-rule",
                                           f"unknown rule '{rule_id}'", did_you_mean(rule_id, RULES)))
    for e in catalog.events:
        for rule_id in e.event.suppress:
            if rule_id not in RULES:
                d = catalog.definitions[object_key("event", e.name)]
                problems.append(Diagnostic(*d.at("suppress", rule_id, key=True), "unknown-rule",
                                           f"unknown rule '{rule_id}'", did_you_mean(rule_id, RULES)))
    todo_severity = severities["todo-placeholder"]
    if todo_severity != "off":
        problems += [replace(d, severity=todo_severity) for d in todo_placeholders(documents)]
    for rule_id, rule in RULES.items():
        severity = severities[rule_id]
        if severity == "off" or rule.check is None:
            continue
        for key, loc, message, hint in rule.check(catalog):
            definition = catalog.definitions[key]
            if key_kind(key) == "event" and rule_id in definition.item.suppress:
                continue
            problems.append(Diagnostic(*definition.at(*loc), rule_id, message, hint, severity))
    return problems
