"""Stage 2: model validation, with messages in our words at the right place."""


from conftest import write

from eventcat.load import load_file
from eventcat.validate import validate

GOOD = """
name: edx.video.played
summary: A learner played a video.
kind: research
owner: learner
implementations:
  - side: browser
    api: Logger.log
"""


def messages(tmp_path, text, section="events"):
    path = write(tmp_path / "e.yaml", text)
    definitions, invalid, problems = validate([load_file(path, section)])
    assert not definitions and invalid
    return [str(d).replace(f"{path}:", "") for d in problems]


def test_valid_event(tmp_path):
    (definition,), invalid, problems = validate([load_file(write(tmp_path / "e.yaml", GOOD), "events")])
    assert invalid == [] and problems == []
    assert definition.item.name == "edx.video.played"
    assert definition.item.status == "active"  # the default


def test_unknown_key_suggests_the_right_one(tmp_path):
    assert messages(tmp_path, GOOD + "sumary: typo\n") == [
        "8:1: error unknown-key: unknown key 'sumary' (did you mean 'summary'?)"]


def test_unknown_key_in_a_nested_mapping(tmp_path):
    text = GOOD.replace("    api: Logger.log", "    api: Logger.log\n    wher: x")
    assert messages(tmp_path, text) == [
        "8:5: error unknown-key: unknown key 'wher' (did you mean 'where'?)"]


def test_missing_required_key(tmp_path):
    text = GOOD.replace("owner: learner\n", "")
    assert messages(tmp_path, text) == [
        "1:1: error missing-key: missing required key 'owner' (The id of the team that owns the event.)"]


def test_wrong_word_lists_the_choices(tmp_path):
    assert messages(tmp_path, GOOD.replace("kind: research", "kind: reserch")) == [
        "3:7: error bad-value: kind: 'reserch' is not allowed (did you mean 'research'?)"]


def test_number_where_text_is_expected_says_to_quote(tmp_path):
    assert messages(tmp_path, GOOD + "since: 2.0\n") == [
        "8:8: error wrong-type: since: expected text, got a number (2.0) (put the value in quotes)"]


def test_bad_event_name(tmp_path):
    # a '/' has been on the wire, so the model takes it; a leading space never has
    (message,) = messages(tmp_path, GOOD.replace("name: edx.video.played", "name: ' /etc/passwd'"))
    assert message.startswith("1:7: error bad-name: name: ' /etc/passwd' is not a valid event name")


def test_control_characters_and_overlong_names_are_refused(tmp_path):
    (message,) = messages(tmp_path, GOOD.replace("name: edx.video.played", 'name: "a\\tb"'))
    assert "is not a valid event name" in message
    (message,) = messages(tmp_path, GOOD.replace("name: edx.video.played", "name: " + "a" * 10_000))
    assert message == "1:7: error too-long: name: text is too long (10,000 characters; the limit is 128)"


def test_empty_implementations(tmp_path):
    text = GOOD.replace("implementations:\n  - side: browser\n    api: Logger.log\n", "implementations: []\n")
    assert messages(tmp_path, text) == ["5:18: error empty-value: implementations: needs at least one entry"]


def test_list_expected(tmp_path):
    assert messages(tmp_path, GOOD + "aliases: play_video\n") == [
        "8:10: error wrong-type: aliases: expected a list, got text (write one '- item' per line)"]


def test_tool_storage_must_be_stated(tmp_path):
    tool = "id: ga\nname: GA\ncategory: web-analytics\nreceives: [segment]\nstorage:\n  limits: x\n  access: y\n"
    assert messages(tmp_path, tool, "tools") == [
        "6:3: error missing-key: missing required key 'retention' in storage (How long the data lives.)"]


def test_pii_allowed_accepts_true_false_or_unknown(tmp_path):
    tool = ("id: ga\nname: GA\ncategory: web-analytics\nreceives: [segment]\nstorage:\n"
            "  limits: x\n  access: y\n  retention: z\n  pii_allowed: maybe\n")
    (message,) = messages(tmp_path, tool, "tools")
    assert message == "9:16: error bad-value: storage.pii_allowed: expected true, false or 'unknown', got text"
