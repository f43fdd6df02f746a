"""Editor schemas: JSON Schema for each kind of file, generated from the validator's own model, so
an editor with the YAML language server completes and checks keys exactly as `eventcat check`."""

from __future__ import annotations

import json
import re

from .model import ApiDefinition, CatalogConfig, Event, FieldGroup, Strict, Team, Tool

SCHEMAS: dict[str, type[Strict]] = {
    "event": Event,
    "field-group": FieldGroup,
    "tool": Tool,
    "team": Team,
    "api": ApiDefinition,
    "catalog": CatalogConfig,
}
SECTION_SCHEMA = {"events": "event", "fields": "field-group", "tools": "tool", "teams": "team", "apis": "api",
                  "config": "catalog"}


# Marks the files `eventcat schema` writes, so it replaces them and never a hand-written schema.
SCHEMA_COMMENT = "Made by `eventcat schema` from eventcat's own model; run it again rather than edit."


def schema_text(kind: str) -> str:
    schema = SCHEMAS[kind].model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$comment": SCHEMA_COMMENT, **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def all_schemas() -> dict[str, str]:
    return {f"{kind}.schema.json": schema_text(kind) for kind in SCHEMAS}


# What eventcat 0.1 wrote before the comment existed: its exact opening, which pydantic's key order
# and our indent make; an upgraded project's schemas/ must not need --force.
_UNMARKED_OPENING = re.compile(rb'\{\n  "\$schema": "https://json-schema.org/draft/2020-12/schema",\n'
                               rb'  "(?:\$defs|additionalProperties)": ')


def written_by_eventcat(head: bytes) -> bool:
    """Whether a file's first bytes are those of an editor schema eventcat made."""
    return (json.dumps(SCHEMA_COMMENT, ensure_ascii=False).encode("utf-8") in head
            or _UNMARKED_OPENING.match(head) is not None)
