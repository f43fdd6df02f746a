"""The catalog's data model: one source of truth for validation, the format reference and schemas.

Every key a YAML file may hold is declared here once, with its type, default, description and an
example. The validator (`validate.py`), the reference page of the site and the editor schema are all
derived from these classes, so they cannot disagree.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .diagnostics import RuleSetting

# --- vocabularies --------------------------------------------------------------------------------

Status = Literal["proposed", "active", "deprecated"]
Side = Literal["server", "browser", "mobile", "task"]
FieldType = Literal["string", "integer", "number", "boolean", "datetime", "object", "array"]
Pii = Literal["none", "pseudonymous", "identifier", "contact", "network", "location", "free-text",
              "sensitive"]
Hub = Literal["segment", "tracking-log"]  # a channel that is also a tool, with its own page
Channel = Literal["direct", Hub]
ToolCategory = Literal[
    "web-analytics",
    "tag-manager",
    "ab-testing",
    "survey",
    "session-recording",
    "email-marketing",
    "ad-reporting",
    "customer-data-platform",
    "log-store",
    "diagnostics",
    "business-intelligence",
    "data-warehouse",
]

PII_TEXT: dict[Pii, str] = {
    "none": "no personal data",
    "pseudonymous": "an opaque id (user id, anonymous id, device id) that points to a person "
                    "only together with other data",
    "identifier": "identifies a person directly (username, full name)",
    "contact": "contact data (email address, phone, postal address)",
    "network": "network data (IP address, user agent, session)",
    "location": "location data (country, city, coordinates)",
    "free-text": "text a person typed, which may contain anything",
    "sensitive": "special-category data (health, beliefs, payment details)",
}
CHANNEL_TEXT: dict[Channel, str] = {
    "direct": "directly from the emitting code",
    "segment": "through Segment",
    "tracking-log": "through the tracking-log pipeline",
}
CATEGORY_TEXT = {
    "web-analytics": "Web analytics",
    "tag-manager": "Tag manager",
    "ab-testing": "A/B testing",
    "survey": "Survey",
    "session-recording": "Session recording / heat map",
    "email-marketing": "Email marketing",
    "ad-reporting": "Ad reporting",
    "customer-data-platform": "Customer data platform",
    "log-store": "Log store",
    "diagnostics": "Diagnostics / APM",
    "business-intelligence": "Business intelligence / dashboards",
    "data-warehouse": "Data warehouse",
}
# The forms of record an emitting API produces, as the example on an event page shows it (see
# examples.py); `logs check` reads each of them.
RecordShape = Literal["tracking-log", "segment-track", "segment-identify", "segment-webhook",
                      "event-tracking", "none"]
RECORD_TEXT = {
    "tracking-log": "a tracking-log record (server and task records carry `event` as an object, "
                    "browser records as a JSON-encoded string)",
    "segment-track": "a Segment `track` message, the event's fields under `properties`",
    "segment-identify": "a Segment `identify` message, the fields under `traits`",
    "segment-webhook": "a Segment `track` message that a webhook writes to the tracking log: "
                       "`properties.name` becomes the record's name and `properties.data` its "
                       "`event`",
    "event-tracking": "the processed event-tracking shape: `name`, `timestamp`, `context`, `data`",
    "none": "no record the catalog can show (the tool keeps it)",
}
# The record an API produces when its definition does not say.
CHANNEL_RECORD = {"tracking-log": "tracking-log", "segment": "segment-track", "direct": "none"}
# What a recipe template may hold: {{name}}, {{payload}} and {{payload:params}}; the rest is text.
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
RECIPE_PLACEHOLDERS = ("name", "payload", "payload:params")
RecipeLanguage = Literal["python", "javascript", "typescript", "kotlin", "json", "text"]
NameStyle = Literal["dotted", "object-action", "snake", "any"]
NAME_STYLES = {
    # dotted lower case: namespace.object.action (Open edX, OpenTelemetry)
    "dotted": (r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$", "dotted lower case, like 'shop.cart.item_added'"),
    # Segment's spec: "Object Action" in title case; short joining words stay lower case
    "object-action": (r"^[A-Z][A-Za-z0-9]*( ([A-Z][A-Za-z0-9]*|a|an|and|as|at|by|for|from|in|"
                      r"into|of|on|or|the|to|with))+$",
                      "Segment's 'Object Action' style: title-case words, like 'Product Viewed'"),
    "snake": (r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$", "snake case, like 'product_viewed'"),
    "any": (r"^.+$", "any valid event name"),
}

# --- constrained strings -------------------------------------------------------------------------

# Event names travel on the wire, and the catalog must accept every one that has been seen there:
# dotted lower case, snake case, hyphens and capitals, spaces, even a '/' (the old instructor
# dashboard's `get_students_features/csv`). What a name may not hold is a control character (it
# would break a line of output), a leading or trailing space, or a run of spaces. Page file names
# never come from the name directly: `link.page_slug` makes them safe and unique.
EVENT_NAME_PATTERN = r"^[^\s\x00-\x1f\x7f]+( [^\s\x00-\x1f\x7f]+)*$"
EVENT_NAME_MAX = 128
EventName = Annotated[
    StrictStr, StringConstraints(pattern=EVENT_NAME_PATTERN, max_length=EVENT_NAME_MAX)
]
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Id = Annotated[StrictStr, StringConstraints(pattern=ID_PATTERN, max_length=64)]
FIELD_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)*$"
FieldName = Annotated[StrictStr, StringConstraints(pattern=FIELD_NAME_PATTERN, max_length=128)]
Line = Annotated[StrictStr, StringConstraints(min_length=1, max_length=300)]
Text = Annotated[StrictStr, StringConstraints(max_length=20_000)]
Tag = Annotated[StrictStr, StringConstraints(pattern=ID_PATTERN, max_length=40)]
API_NAME_PATTERN = r"^[A-Za-z_$][A-Za-z0-9_$.:/\-]*$"
ApiName = Annotated[StrictStr, StringConstraints(pattern=API_NAME_PATTERN, max_length=80)]
Url = Annotated[StrictStr, StringConstraints(pattern=r"^https?://[^\s<>\"'`]+$", max_length=500)]

# Dates are quoted text, as `since` is: the JSON Schema an editor reads cannot describe YAML's
# own date type, and ISO text sorts and compares like the days it names.
IsoDate = Annotated[StrictStr, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]

RuleId = Annotated[StrictStr, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]
# YAML 1.1 reads a bare `off` as false: take it as the word the author meant.
YamlRuleSetting = Annotated[RuleSetting,
                            BeforeValidator(lambda v: "off" if v is False else v,
                                            json_schema_input_type=Literal[RuleSetting, False])]

NAME_RE = re.compile(EVENT_NAME_PATTERN)
ID_RE = re.compile(ID_PATTERN)


def doc(description: str, example: Any = None, **kwargs: Any) -> Any:
    """A pydantic Field carrying the text the reference page and the schema show."""
    return Field(description=description, examples=None if example is None else [example], **kwargs)


class Strict(BaseModel):
    # Unknown keys are errors (typos must not be silently ignored); models are immutable.
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- events --------------------------------------------------------------------------------------


class PayloadField(Strict):
    """One field of an event's payload."""

    name: FieldName = doc(
        "The field's name; dots address nested keys.", "context.course_id"
    )
    type: FieldType = doc("The JSON type of the value.", "string")
    required: StrictBool = doc("Whether every emitted event carries the field.", True, default=False)
    description: Text = doc(
        "What the value means, in a sentence or two (inline Markdown: `code`, *emphasis*, links).",
        "The course run's key.",
    )
    pii: Pii | None = doc(
        "What kind of personal data the value is; `none` when it is none. Left out, the field "
        "shows as not classified.",
        "identifier",
        default=None,
    )
    example: Any = doc("A typical value, shown in the field table and the example payload.",
                       "course-42", default=None)
    nullable: StrictBool | None = doc(
        "Whether the value may be null (\"no value\"); left out, the catalog's `nullable` "
        "setting decides. Exported JSON Schemas accept null only where this is true.",
        True, default=None,
    )
    allowed: tuple[Any, ...] = doc(
        "The only values the field may take, if it is an enumeration.", ["free", "paid"],
        default=(),
    )


class Implementation(Strict):
    """Where and how the code emits the event."""

    side: Side = doc("Where the emitting code runs.", "server")
    api: ApiName = doc(
        "The call that emits it: the name of one of the APIs the catalog declares in `apis/`.",
        "analytics.track",
    )
    name: EventName | None = doc(
        "The name this implementation puts on the wire, when it differs from the event's name "
        "(a mobile app that sends a display name, say).",
        "Played Video",
        default=None,
    )
    where: Text = doc(
        "The repository path or URL of the code that emits it.",
        "shop/web: src/player/events.js",
        default="",
    )
    notes: Text = doc("Anything a developer should know about this implementation.", default="")


class KnownIssue(Strict):
    """A dated data-quality note: something wrong or different in the records of a period."""

    since: IsoDate | None = doc(
        "The first day the note applies to, quoted: `'2016-03-14'`.", "2016-03-14", default=None,
    )
    until: IsoDate | None = doc(
        "The last day the note applies to, or the day the problem was fixed, quoted.",
        "2015-06-25", default=None,
    )
    note: Text = doc(
        "What is wrong or different in the records of that period (inline Markdown).",
        "Records from the mobile apps lack `code`.",
    )

    @model_validator(mode="after")
    def _dated(self) -> KnownIssue:
        for day in (self.since, self.until):
            if day is not None:
                try:
                    datetime.date.fromisoformat(day)
                except ValueError:
                    raise ValueError(f"'{day}' is not a day of the calendar") from None
        if self.since is None and self.until is None:
            raise ValueError("a known issue needs a date: 'since', 'until' or both")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"'since' ({self.since}) is after 'until' ({self.until})")
        return self


class Source(Strict):
    """Where the facts about an event come from: a documentation page or the emitting code."""

    title: Line = doc(
        "The document and heading, or the repository and file path.",
        "Tracking plan: Video events",
    )
    url: Url | None = doc(
        "A link to it.",
        "https://example.org/tracking-plan/video",
        default=None,
    )


class Event(Strict):
    """One analytics event: a file under `events/`."""

    name: EventName = doc("The name on the wire; unique in the catalog.", "video.played")
    summary: Line = doc("One line saying what happened.", "A learner started playing a video.")
    description: Text = doc(
        "A longer explanation in Markdown (paragraphs, emphasis, code, lists, links, tables).",
        "Emitted when the player starts or resumes playback.",
        default="",
    )
    kind: Tag = doc("One of the kinds `catalog.yaml` declares (by default `research` or "
                    "`internal`).", "research")
    @field_validator("kind")
    @classmethod
    def _declared_kind(cls, kind: str, info: ValidationInfo) -> str:
        """The catalog's kinds come in the validation context (validate.py reads catalog.yaml
        first); a word outside them reads like any other wrong word of a fixed list."""
        kinds = (info.context or {}).get("kinds")
        if kinds and kind not in kinds:
            raise PydanticCustomError("literal_error", "Input should be {expected}",
                                      {"expected": " or ".join(repr(k) for k in kinds)})
        return kind

    status: Status = doc("`proposed`, `active` or `deprecated`.", "active", default="active")
    replaced_by: EventName | None = doc(
        "For a deprecated event: the event to use instead.", "video.played", default=None
    )
    owner: Id = doc("The id of the team that owns the event.", "mercury")
    domain: Tag | None = doc(
        "The product area; derived from the name (the part after the organisation prefix) when "
        "left out.",
        "video",
        default=None,
    )
    aliases: tuple[EventName, ...] = doc(
        "Other names the same event has had or still has (legacy names).", ["play_video"],
        default=(),
    )
    implementations: tuple[Implementation, ...] = doc(
        "One entry for each place that emits the event.",
        [{"side": "browser", "api": "analytics.track", "where": "web: src/player/"}],
        min_length=1,
    )
    segment_whitelist: StrictBool = doc(
        "Whether the event is on the Segment whitelist, so that tracking-log events also reach "
        "Segment and the tools behind it.",
        True,
        default=False,
    )
    destinations: tuple[Id, ...] = doc(
        "Ids of the downstream tools that receive the event.", ["google-analytics"], default=()
    )
    field_groups: tuple[Id, ...] = doc(
        "Ids of shared field groups whose fields the event carries.", ["tracking-log-envelope"],
        default=(),
    )
    fields_from: EventName | None = doc(
        "The name of another event whose fields this one carries too.", "video.played",
        default=None,
    )
    fields: tuple[PayloadField, ...] = doc(
        "The event's own payload fields (they override inherited fields of the same name).",
        [{"name": "code", "type": "string", "required": True, "description": "Video id.",
          "pii": "none"}],
        default=(),
    )
    since: Annotated[StrictStr, StringConstraints(max_length=40)] | None = doc(
        "The release or date the event first shipped in (quote it: `'2.0'`).", "2014-04-18",
        default=None,
    )
    tags: tuple[Tag, ...] = doc("Free keywords for finding the event.", ["video"], default=())
    standard: Line | None = doc(
        "The Segment Ecommerce v2 event this one conforms to.", "Promotion Viewed", default=None
    )
    related: tuple[EventName, ...] = doc(
        "Names of events worth reading alongside this one.", ["video.paused"], default=()
    )
    legacy: StrictBool = doc(
        "True for an old name that predates the naming convention and cannot change (it is on "
        "the wire already); the `name-style` rule then accepts it.",
        True,
        default=False,
    )
    known_issues: tuple[KnownIssue, ...] = doc(
        "Dated data-quality notes: periods whose records are missing, wrong or shaped differently.",
        [{"until": "2015-06-25", "note": "`currentTime` was missing from mobile records."}],
        default=(),
    )
    sources: tuple[Source, ...] = doc(
        "Where the facts on the event's page come from (documentation pages, emitting code).",
        [{"title": "shop/web: src/player/events.js"}],
        default=(),
    )
    reviewed_by: Line | None = doc(
        "Who reviewed the documentation of a research event (the docs team member).",
        "docs team (A. Writer)",
        default=None,
    )
    suppress: dict[RuleId, Line] = doc(
        "Lint rules switched off for this event, each with the reason why.",
        {"prefer-server": "The player only exists in the browser."},
        default_factory=dict,
    )


class FieldGroup(Strict):
    """A set of fields many events share: a file under `fields/`."""

    id: Id = doc("The group's id, used in an event's `field_groups`.", "tracking-log-envelope")
    name: Line = doc("A readable name.", "Tracking-log envelope")
    description: Text = doc("What the group is and where it comes from (Markdown).", default="")
    envelope: StrictBool = doc(
        "True when the tracker or SDK adds these fields by itself (the record's envelope), so "
        "that implementation recipes leave them out.",
        True,
        default=False,
    )
    payload_key: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                                                        max_length=40)] | None = doc(
        "For an envelope: the key under which an event's own fields sit in a record "
        "(`event` in the tracking log, `properties` in Segment). Example payloads use it.",
        "event",
        default=None,
    )
    fields: tuple[PayloadField, ...] = doc("The fields, as in an event.", min_length=1)


# --- tools and teams -----------------------------------------------------------------------------


class Storage(Strict):
    """The three storage questions, plus where the data lives. Say 'not documented' when unknown."""

    limits: Text = doc("Volume, quota or sampling limits.", "Not documented; ask the tool owner.")
    access: Text = doc("Who can see the data.", "Analytics team and marketing, through SSO.")
    retention: Text = doc("How long the data lives.", "Not documented; ask the tool owner.")
    region: Text = doc("Where the data is stored.", "Not documented; ask the tool owner.",
                       default="Not documented.")
    pii_allowed: StrictBool | Literal["unknown"] = doc(
        "Whether personal data may be sent to the tool: `true`, `false` or `unknown`.", False,
        default="unknown",
    )


class Tool(Strict):
    """An analytics or diagnostic tool: a file under `tools/`."""

    id: Id = doc("The tool's id, used in destinations and team tool lists.", "google-analytics")
    name: Line = doc("The tool's name.", "Google Analytics")
    category: ToolCategory = doc("What kind of tool it is.", "web-analytics")
    url: Url | None = doc("The vendor's page.", "https://marketingplatform.google.com/",
                          default=None)
    description: Text = doc("What the tool is used for here (Markdown).", default="")
    receives: tuple[Channel, ...] = doc(
        "How data reaches it: `direct`, `segment` or `tracking-log`.", ["segment"], min_length=1
    )
    hub: Hub | None = doc(
        "Set on the tool that *is* a channel (the Segment workspace, the tracking log), so that "
        "routes show its storage notes.",
        default=None,
    )
    owner: Id | None = doc("The id of the team that administers the tool.", "mercury", default=None)
    storage: Storage = doc("Limits, access, retention, region and whether PII is allowed.")


class Team(Strict):
    """A team or sub-team: a file under `teams/`."""

    id: Id = doc("The team's id, used as an event's owner.", "mercury")
    name: Line = doc("The team's name.", "Mercury")
    parent: Id | None = doc("The id of the team this one belongs to.", "learner", default=None)
    description: Text = doc("What the team does (Markdown).", default="")
    how_we_work: Text = doc("How the team works: text, or a link to its page.", default="")
    tools: tuple[Id, ...] = doc("Ids of the tools the team uses.", ["google-analytics"],
                                default=())
    contact: Text = doc("How to reach the team.", default="")


class KindDefinition(Strict):
    """One kind of event, as `catalog.yaml` declares it under `kinds`."""

    description: Line = doc("What an event of this kind is, as its page says.",
                            "Shared with partners.")
    prefix: Annotated[StrictStr, StringConstraints(max_length=40)] | None = doc(
        "A prefix every event name of this kind carries, and no other kind's names do.",
        "bi.", default=None,
    )
    review: StrictBool = doc("Whether the documentation of events of this kind is reviewed "
                             "(the `docs-review` rule asks for `reviewed_by`).", True, default=False)


DEFAULT_KINDS = {
    "research": KindDefinition(description="Research event: documented for analysts outside "
                               "the team that emits it.", review=True),
    "internal": KindDefinition(description="Internal event: for the organisation's own "
                               "analysis only."),
}


class ApiDefinition(Strict):
    """An emitting API: a file under `apis/`. Implementations name it in `api`."""

    name: ApiName = doc("The call, as an implementation's `api` names it.", "analytics.track")
    summary: Line = doc("What the call does and where its data goes, in one line.",
                        "Writes to the tracking log.")
    sides: tuple[Side, ...] = doc("Where code that calls it runs.", ["server"], min_length=1)
    channel: Channel = doc(
        "How its data leaves: `tracking-log`, `segment` or `direct` (straight to one tool).",
        "tracking-log")
    record: RecordShape | None = doc(
        "The record it produces, as the event page's example shows it: " + "; ".join(
            f"`{k}`: {v}" for k, v in RECORD_TEXT.items()) + ". Left out: from the channel.",
        "tracking-log", default=None)
    language: RecipeLanguage = doc("The language of the recipe (for literals and highlighting).",
                                   "python")
    recipe: Text = doc(
        "The code a developer copies, as a template: `{{name}}` becomes the event's name on the "
        "wire and `{{payload}}` its own fields, each as a literal of `language` "
        "(`{{payload:params}}`: one `param(key, value)` line per field, for Kotlin builders). "
        "For a `segment-webhook` API the fields go under `data`, beside `name` (the event's "
        "catalog name), as the webhook expects. Nothing else in it is evaluated.",
        "analytics.track({{name}}, {{payload}});\n")
    wire_name: StrictBool = doc(
        "Whether the call puts an event name on the wire (an `identify` call does not).",
        True, default=True)
    name_pattern: Annotated[StrictStr, StringConstraints(max_length=200)] | None = doc(
        "A regular expression every name this API sends must match (Firebase: letters, digits "
        "and `_`).", "^[A-Za-z][A-Za-z0-9_]{0,39}$", default=None)
    name_rule: Line | None = doc("The same rule in words, for messages.",
                                 "letters, digits and '_', starting with a letter, at most 40",
                                 default=None)
    default: StrictBool = doc("Whether `eventcat new event` uses it for its sides.", True,
                              default=False)

    @field_validator("recipe")
    @classmethod
    def _known_placeholders(cls, text: str) -> str:
        for match in PLACEHOLDER_RE.finditer(text):
            if match.group(1) not in RECIPE_PLACEHOLDERS:
                raise ValueError(f"unknown placeholder '{match.group(0)}' (the recipe may use "
                                 + ", ".join("{{" + p + "}}" for p in RECIPE_PLACEHOLDERS) + ")")
        return text

    @field_validator("name_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"not a regular expression: {error}") from None
        return pattern

    @property
    def shape(self) -> str:
        return self.record or CHANNEL_RECORD[self.channel]


class CatalogConfig(Strict):
    """Settings for one catalog: the optional file `catalog.yaml` at its root."""

    title: Line = doc("The site's title.", "Analytics tracking plan",
                      default="Event catalog")
    organization: Text = doc("Who the catalog belongs to.", "Example Corp", default="")
    name_prefix: Annotated[StrictStr, StringConstraints(max_length=40)] = doc(
        "The organisation prefix of event names, left out when deriving an event's domain.",
        "shop.", default="",
    )
    kinds: dict[Tag, KindDefinition] = doc(
        "The kinds of event the catalog tells apart, each with what it means; an event's `kind` "
        "names one. Left out: `research` and `internal`, with neutral wording.",
        {"research": {"description": "Shared with partners.", "review": True},
         "internal": {"description": "Business intelligence only.", "prefix": "bi."}},
        default_factory=lambda: dict(DEFAULT_KINDS),
    )
    name_style: NameStyle = doc(
        "How new event names are written: `dotted` (lower case, dots between words), "
        "`object-action` (Segment's title-case \"Product Viewed\"), `snake` (product_viewed) or "
        "`any`. Events that declare a `standard` or are `legacy` keep their names.",
        "dotted", default="dotted",
    )
    nullable: StrictBool = doc(
        "Whether any field may be null (\"no value\") unless the field says otherwise. A "
        "catalog whose logs write null for missing values sets it; exported JSON Schemas follow "
        "it.",
        True, default=False,
    )
    rules: dict[RuleId, YamlRuleSetting] = doc(
        "Lint rules set to `off`, `warning` or `error` for this catalog (see the rules page).",
        {"docs-review": "off"},
        default_factory=dict,
    )


# The folders of a catalog and the model each file in them holds.
SECTIONS: dict[str, type[Strict]] = {
    "apis": ApiDefinition,
    "events": Event,
    "fields": FieldGroup,
    "tools": Tool,
    "teams": Team,
}
