"""Synthetic tracking-log records made from the catalog's own examples: the shipped sample log
(examples/make_sample_log.py) and the benchmark's large logs (bench/logs.py) are made with it.
Deterministic for a given seed, so the sample and the numbers can be reproduced."""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from collections.abc import Iterator
from typing import Any

from ..examples import example_record
from ..link import Catalog, EventEntry

USERS = ["learner1", "learner2", "staff", "audit_only", "verified_42", "honor"]
COURSES = ["course-v1:edX+DemoX+Demo_Course", "course-v1:OpenedX+Ana101+2024_T1",
           "course-v1:edX+Stats+2025_T2"]
START = datetime.datetime(2025, 3, 3, 8, 0, tzinfo=datetime.UTC)


def tracking_events(catalog: Catalog) -> list[EventEntry]:
    return [e for e in catalog.events if "tracking-log" in e.channels]


def record_for(entry: EventEntry, catalog: Catalog, rng: random.Random, moment: datetime.datetime,
               templates: dict[str, str]) -> dict[str, Any]:
    """A record of the event as its definition describes it, with varied envelope values."""
    text = templates.get(entry.name)
    if text is None:
        record = example_record(entry, catalog)
        # an event field may share its name with an envelope field (a search's `page`), and then
        # replaces it in the event's field list: the envelope still carries its own
        for group in catalog.groups.values():
            if group.envelope and group.payload_key == "event" and "event" in record:
                for f in group.fields:
                    if "." not in f.name and f.example is not None:
                        record.setdefault(f.name, f.example)
        text = templates[entry.name] = json.dumps(record, default=str)
    record = json.loads(text)  # a fresh copy each time
    impls = [i for i in entry.event.implementations if i.side in ("server", "browser", "task", "mobile")]
    impl = rng.choice(impls)
    wire = impl.name if impl.name and impl.side == "browser" else entry.name
    user = rng.choice(USERS)
    course = rng.choice(COURSES)
    record.update(username=user, event_source=impl.side, event_type=wire, name=entry.name,
                  time=moment.isoformat(), host="courses.example.org", ip="", agent="")
    if "session" in record:
        record["session"] = hashlib.md5(f"{user}{moment.date()}".encode()).hexdigest()
    context = record.get("context")
    if isinstance(context, dict):
        context["course_id"] = course
        context["org_id"] = course.split(":")[1].split("+")[0]
        context["user_id"] = USERS.index(user) + 10
        context["path"] = "/event" if impl.side == "browser" else "/courses/" + course + "/xblock/handler"
    if impl.side == "browser" and isinstance(record.get("event"), dict):
        record["event"] = json.dumps(record["event"])  # browser records carry JSON text
    return record


def records(catalog: Catalog, count: int, seed: int = 8) -> Iterator[dict[str, Any]]:
    """`count` records of the catalog's tracking-log events, a few seconds apart."""
    rng = random.Random(seed)
    events = tracking_events(catalog)
    templates: dict[str, str] = {}
    moment = START
    for _ in range(count):
        moment += datetime.timedelta(seconds=rng.randint(1, 9), microseconds=rng.randint(0, 999_999))
        yield record_for(rng.choice(events), catalog, rng, moment, templates)
