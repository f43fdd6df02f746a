"""Editor schemas: JSON Schema for each kind of file, generated from the validator's own model, so
an editor with the YAML language server completes and checks keys exactly as `eventcat check`."""

from __future__ import annotations

import json

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


def schema_text(kind: str) -> str:
    schema = SCHEMAS[kind].model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def all_schemas() -> dict[str, str]:
    return {f"{kind}.schema.json": schema_text(kind) for kind in SCHEMAS}
