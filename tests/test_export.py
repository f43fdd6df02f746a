"""`eventcat export` and the site's downloads: JSON, CSV, JSON Schemas, the Segment whitelist."""

import csv
import io
import json
import subprocess
import sys
import zipfile

import jsonschema
import pytest
import yaml

from conftest import MINI, ROOT, write

from eventcat import export
from eventcat.examples import example_payload
from eventcat.pipeline import build_catalog

SHIPPED = build_catalog(ROOT / "catalog")[0]
MINI_CATALOG = build_catalog(MINI)[0]


def eventcat(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "eventcat", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


# --- JSON Schemas ---------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", SHIPPED.events, ids=lambda e: e.name)
def test_every_shipped_example_payload_validates_against_its_schema(entry):
    schema = export.payload_schema(entry)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [e.message for e in validator.iter_errors(example_payload(entry))]
    assert errors == []


def _wrong(value_type):
    return {"string": 12345, "datetime": 12345, "integer": "twelve", "number": "twelve",
            "boolean": "yes", "object": [1], "array": {"a": 1}}[value_type]


@pytest.mark.parametrize("entry", [e for e in SHIPPED.events if any(not f.envelope for f in e.fields)],
                         ids=lambda e: e.name)
def test_a_payload_with_a_wrong_type_is_rejected(entry):
    schema = export.payload_schema(entry)
    field = next(rf.field for rf in entry.fields if not rf.envelope)
    payload = example_payload(entry)
    *parents, leaf = field.name.split(".")
    node = payload
    for part in parents:
        node = node[part]
    node[leaf] = _wrong(field.type)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(payload))
    assert errors, f"{entry.name}: {field.name} = {node[leaf]!r} passed"


def test_schema_nests_dotted_fields_and_requires_their_parents():
    entry = next(e for e in SHIPPED.events if any("." in rf.field.name and rf.field.required
                                                   and not rf.envelope for rf in e.fields))
    schema = export.payload_schema(entry)
    field = next(rf.field for rf in entry.fields if "." in rf.field.name and rf.field.required
                 and not rf.envelope)
    parent, leaf = field.name.split(".")[0], field.name.split(".")[-1]
    assert parent in schema["required"]
    assert leaf in schema["properties"][parent]["required"]
    payload = example_payload(entry)
    del payload[parent]
    assert list(jsonschema.Draft7Validator(schema).iter_errors(payload))


def test_schema_carries_enums_formats_and_optional_strictness():
    entry = MINI_CATALOG.event("promotion-viewed") if "promotion-viewed" in MINI_CATALOG.lookup \
        else MINI_CATALOG.event("Promotion Viewed")
    open_schema = export.payload_schema(entry)
    closed = export.payload_schema(entry, additional_properties=False)
    payload = example_payload(entry)
    payload["not_in_the_catalog"] = 1
    assert not list(jsonschema.Draft7Validator(open_schema).iter_errors(payload))
    assert list(jsonschema.Draft7Validator(closed).iter_errors(payload))
    played = export.payload_schema(MINI_CATALOG.event("edx.video.played"))
    assert played["required"] == ["code"]  # currentTime is optional; the envelope is left out
    assert "username" not in played["properties"]
    assert played["title"] == "edx.video.played"


def test_schemas_zip_is_identical_for_an_identical_catalog():
    first, second = export.schemas_zip(MINI_CATALOG), export.schemas_zip(build_catalog(MINI)[0])
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert "event-schemas/edx.video.played.schema.json" in names and len(names) == len(MINI_CATALOG.events)


# --- Segment whitelist ----------------------------------------------------------------------------

def test_whitelist_lists_whitelisted_tracking_log_events_their_wire_names_and_aliases():
    text = export.segment_whitelist_yaml(MINI_CATALOG)
    setting = yaml.safe_load(text)
    assert list(setting) == ["EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST"]
    names = setting["EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST"]
    assert names == ["edx.video.paused", "edx.video.played", "pause_video", "play_video"]
    # sent with segment.track, not through the tracking log: the whitelist does not concern it
    assert "edx.bi.email.sent" not in names


def test_whitelist_quotes_names_that_yaml_would_misread(mini):
    path = mini / "events" / "edx.video.played.yaml"
    path.write_text(path.read_text().replace("aliases: [play_video]", "aliases: ['on: yes', 'null']"))
    names = yaml.safe_load(export.segment_whitelist_yaml(build_catalog(mini)[0]))[
        "EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST"]
    assert "on: yes" in names and "null" in names


def test_whitelist_is_an_empty_list_when_nothing_is_whitelisted(mini):
    for path in (mini / "events").glob("*.yaml"):
        path.write_text(path.read_text().replace("segment_whitelist: true", "segment_whitelist: false")
                        .replace("destinations: [google-analytics]", "destinations: []"))
    assert yaml.safe_load(export.segment_whitelist_yaml(build_catalog(mini)[0])) == {
        "EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST": []}


# --- JSON and CSV ---------------------------------------------------------------------------------

def test_json_holds_the_resolved_catalog():
    document = json.loads(export.catalog_json(MINI_CATALOG))
    assert [e["name"] for e in document["events"]] == [e.name for e in MINI_CATALOG.events]
    played = next(e for e in document["events"] if e["name"] == "edx.video.played")
    fields = {f["name"]: f for f in played["fields"]}
    assert fields["username"]["from"] == "group:envelope" and fields["code"]["from"] is None
    assert played["reaches"] == [{"tool": "google-analytics", "via": "segment", "reached": True}]
    assert played["since"] == "2014-04-18" and played["aliases"] == ["play_video"]
    assert {t["id"] for t in document["tools"]} == set(MINI_CATALOG.tools)


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_one_row_per_event_and_one_per_field():
    events, fields = rows(export.events_csv(MINI_CATALOG)), rows(export.fields_csv(MINI_CATALOG))
    assert [r["name"] for r in events] == [e.name for e in MINI_CATALOG.events]
    assert len(fields) == sum(len(e.fields) for e in MINI_CATALOG.events)
    played = next(r for r in events if r["name"] == "edx.video.played")
    assert played["sides"] == "browser mobile" and played["destinations"] == "google-analytics"
    assert played["pii"] == "identifier" and played["aliases"] == "play_video"
    email = next(r for r in fields if r["field"] == "email")
    assert email["event"] == "edx.bi.email.sent" and email["pii"] == "contact"


def test_csv_cells_cannot_become_spreadsheet_formulas(mini):
    path = mini / "events" / "edx.video.played.yaml"
    path.write_text(path.read_text().replace("summary: A learner started playing a video.",
                                             "summary: '=HYPERLINK(\"http://x\",\"y\")'")
                    .replace("description: The video's id.", "description: |\n      @SUM(A1)\n      two lines"))
    catalog = build_catalog(mini)[0]
    played = next(r for r in rows(export.events_csv(catalog)) if r["name"] == "edx.video.played")
    assert played["summary"] == "'=HYPERLINK(\"http://x\",\"y\")"
    code = next(r for r in rows(export.fields_csv(catalog)) if r["field"] == "code")
    assert code["description"] == "'@SUM(A1) two lines"


# --- the command ----------------------------------------------------------------------------------

def test_cli_writes_each_format(tmp_path):
    result = eventcat("export", "csv", "--catalog", MINI, "--out", tmp_path / "csv")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["events.csv", "fields.csv"]
    result = eventcat("export", "jsonschema", "--catalog", MINI, "--out", tmp_path / "schemas",
                      "--no-additional-properties")
    assert result.returncode == 0 and "wrote 6 files" in result.stdout
    schema = json.loads((tmp_path / "schemas" / "edx.video.played.schema.json").read_text())
    assert schema["additionalProperties"] is False
    result = eventcat("export", "json", "--catalog", MINI)
    assert json.loads(result.stdout)["format"] == "eventcat-catalog/1"
    result = eventcat("export", "segment-whitelist", "--catalog", MINI, "--out", tmp_path / "w.yaml")
    assert result.returncode == 0 and "play_video" in (tmp_path / "w.yaml").read_text()
    result = eventcat("export", "processing-record", "--catalog", MINI)
    assert result.stdout.startswith("recipient,")


def test_cli_explains_a_missing_or_wrong_out(tmp_path):
    result = eventcat("export", "csv", "--catalog", MINI)
    assert result.returncode == 2 and "give --out DIR" in result.stderr
    (tmp_path / "file").write_text("x")
    result = eventcat("export", "jsonschema", "--catalog", MINI, "--out", tmp_path / "file")
    assert result.returncode == 2 and "must be a folder" in result.stderr
    assert (tmp_path / "file").read_text() == "x"
    assert "Traceback" not in result.stderr


def test_cli_writes_nothing_for_an_invalid_catalog(mini, tmp_path):
    write(mini / "events" / "broken.yaml", "name: edx.broken\nsummary: [unclosed\n")
    result = eventcat("export", "json", "--catalog", mini, "--out", tmp_path / "c.json")
    assert result.returncode == 1
    assert "broken.yaml:2:" in result.stderr and "nothing was written" in result.stderr
    assert not (tmp_path / "c.json").exists()


def test_the_site_offers_every_export_for_download(shipped_site):
    page = (shipped_site / "catalog" / "downloads.html").read_text()
    for name in ("catalog.json", "events.csv", "fields.csv", "event-schemas.zip",
                 "segment-whitelist.yaml", "record-of-processing.csv"):
        links = list((shipped_site / "_downloads").rglob(name))
        assert len(links) == 1, name
        assert links[0].relative_to(shipped_site).as_posix() in page, name
    shipped_json = next((shipped_site / "_downloads").rglob("catalog.json")).read_text()
    assert json.loads(shipped_json) == json.loads(export.catalog_json(SHIPPED))


def test_live_preview_leaves_the_downloads_out_and_says_so(tmp_path):
    from eventcat.pipeline import generate
    out = tmp_path / "out"
    generate(MINI, out, downloads=False)
    assert not (out / "downloads").exists()
    assert "leaves the downloads out" in (out / "downloads.md").read_text()
    assert "{download}" not in (out / "privacy.md").read_text()
    generate(MINI, out)  # the setting is part of what the pages are made from
    assert (out / "downloads" / "catalog.json").is_file()
    assert "{download}`record of processing" in (out / "privacy.md").read_text()


def test_null_is_no_value_for_any_field_as_in_logs_check():
    """logs check accepts null for any field (the tracker writes it for "no value"); a schema
    that rejected it would fail records the tool calls valid (newcomer review). The shipped
    catalog says so with `nullable: true`."""
    assert SHIPPED.config.nullable
    for entry in SHIPPED.events:
        schema = export.payload_schema(entry, nullable=SHIPPED.config.nullable)
        payload = example_payload(entry)
        for key in payload:
            payload[key] = None
        assert not list(jsonschema.Draft7Validator(schema).iter_errors(payload)), entry.name


def test_an_option_for_another_format_is_refused():
    result = eventcat("export", "json", "--catalog", MINI, "--no-additional-properties")
    assert result.returncode == 2 and "for jsonschema only" in result.stderr
