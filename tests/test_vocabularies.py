"""Each vocabulary has one typed source, and what is derived from it stays in step with it."""

import re
from pathlib import Path
from typing import get_args

import eventcat
from eventcat import diagnostics, model
from eventcat.ecommerce import ECOMMERCE_V2
from eventcat.link import CONFIG_KEY, key_kind, object_key
from eventcat.lint import RULES

SOURCES = "\n".join(p.read_text(encoding="utf-8") for p in Path(eventcat.__file__).parent.rglob("*.py")
                    if p.name != "diagnostics.py")


def test_every_lint_rule_has_its_id_and_no_id_is_left_without_a_rule():
    assert list(RULES) == list(diagnostics.LINT_IDS)
    assert all(rule.id == rule_id for rule_id, rule in RULES.items())


def test_every_problem_id_is_reported_somewhere_and_names_no_lint_rule():
    check_ids = get_args(diagnostics.CheckId)
    assert not set(check_ids) & set(diagnostics.LINT_IDS)
    unused = [i for i in check_ids if not re.search(rf'"{re.escape(i)}"', SOURCES)]
    assert unused == []


def test_the_reader_texts_cover_their_vocabularies_exactly():
    assert set(model.PII_TEXT) == set(get_args(model.Pii))
    assert set(model.CHANNEL_TEXT) == {"direct", *get_args(model.Hub)}


def test_object_keys_are_spelled_in_one_place():
    assert object_key("event", "edx.video.played") == "event:edx.video.played"
    assert key_kind(object_key("group", "context")) == "group" and key_kind(CONFIG_KEY) == "config"
    built_by_hand = re.findall(r'f"(?:event|tool|team|group):\{', SOURCES)
    assert built_by_hand == []


def test_the_ecommerce_spec_requires_only_properties_it_types():
    for name, (required, properties) in ECOMMERCE_V2.items():
        assert set(required) <= set(properties), name
