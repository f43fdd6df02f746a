"""Write examples/logs/tracking-sample.log, the small tracking log the shipped site's coverage page
is made from (conf.py: eventcat_coverage). Deterministic: run it again and the file is the same.

It holds records of most documented tracking-log events (a few are left out on purpose, so the page
shows events never seen), some undocumented and implicit events, and a handful of deliberate
problems: a missing required field, a value of the wrong type, a side the catalog does not list, an
undeclared field, an e-mail address in a field declared to hold none, two malformed lines, a record
without a name. Most lines are JSON Lines; a few use the LMS log-line form or the processed
event-tracking shape.

    python examples/make_sample_log.py [--catalog catalog] [--out examples/logs/tracking-sample.log]
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventcat.logs.synth import START, record_for, tracking_events  # noqa: E402
from eventcat.pipeline import build_catalog  # noqa: E402

LEFT_OUT = 7  # documented events kept out of the log: the page's "never seen"


def lines(catalog_dir: Path) -> list[str]:
    catalog, _ = build_catalog(catalog_dir)
    rng = random.Random(2025)
    events = tracking_events(catalog)
    kept = events[:-LEFT_OUT] if len(events) > LEFT_OUT else events
    templates: dict[str, str] = {}
    moment = START
    out: list[str] = []

    def tick() -> datetime.datetime:
        nonlocal moment
        moment += datetime.timedelta(seconds=rng.randint(5, 90), microseconds=rng.randint(0, 999_999))
        return moment

    def emit(record: dict) -> None:
        out.append(json.dumps(record, ensure_ascii=False))

    for _ in range(260):
        emit(record_for(rng.choice(kept), catalog, rng, tick(), templates))

    def base(name: str, side: str = "server", payload: object = None) -> dict:
        return {"username": rng.choice(["learner1", "learner2", "staff"]), "event_source": side,
                "event_type": name, "name": name, "time": tick().isoformat(), "ip": "", "agent": "",
                "host": "courses.example.org", "page": None,
                "context": {"course_id": "course-v1:edX+DemoX+Demo_Course", "org_id": "edX",
                            "user_id": 12, "path": "/api/bookmarks/v1/bookmarks/"},
                "event": payload if payload is not None else {}}

    # undocumented events: real names the shipped catalog does not describe (the course search of
    # edx-search, and a course home button of 2017)
    for _ in range(5):
        emit(base("edx.course.search.initiated", payload={"search_term": "entropy", "page_size": 20,
                                                          "page_number": 0}))
    for _ in range(2):
        emit(base("edx.course.search.results_displayed", payload={"search_term": "entropy", "page_size": 20,
                                                                  "page_number": 0, "results_count": rng.randint(0, 9)}))
    for _ in range(3):
        record = base("edx.course.home.resume_course.clicked", "browser", json.dumps({"url": "/courses/course-v1:edX+DemoX+Demo_Course/jump_to/block-v1:edX+DemoX+Demo_Course+type@vertical+block@3f"}))
        del record["name"]  # older browser records have no name
        emit(record)
    # implicit events: the event_type is the URL path
    for path in ["/courses/course-v1:edX+DemoX+Demo_Course/courseware/"] * 6 + ["/jsi18n/"] * 3 + ["/dashboard"] * 2:
        record = base(path, payload=json.dumps({"GET": {}, "POST": {}}))
        del record["name"]
        emit(record)

    by_name = {e.name: e for e in events}
    problems = []
    if "problem_check" in by_name:  # a missing required field
        record = record_for(by_name["problem_check"], catalog, rng, tick(), templates)
        record["event_source"] = "server"
        if isinstance(record["event"], str):
            record["event"] = json.loads(record["event"])
        record["event"].pop("attempts", None)
        problems.append(record)
    if "edx.video.played" in by_name:  # a number sent as text
        record = record_for(by_name["edx.video.played"], catalog, rng, tick(), templates)
        payload = json.loads(record["event"]) if isinstance(record["event"], str) else record["event"]
        payload["currentTime"] = "630.4"
        record["event"] = json.dumps(payload)
        problems.append(record)
    if "edx.course.enrollment.activated" in by_name:  # a side the catalog does not list
        record = record_for(by_name["edx.course.enrollment.activated"], catalog, rng, tick(), templates)
        record["event_source"] = "browser"
        problems.append(record)
        record = record_for(by_name["edx.course.enrollment.activated"], catalog, rng, tick(), templates)
        record["page"] = "https://courses.example.org/register?email=jane.doe@example.com"
        problems.append(record)  # an e-mail address where the catalog declares no personal data
        record = record_for(by_name["edx.course.enrollment.activated"], catalog, rng, tick(), templates)
        if isinstance(record["event"], dict):
            record["event"]["debug_flag"] = True  # a field the catalog does not declare
        problems.append(record)
    for record in problems:
        emit(record)

    # the LMS log-line form, and the processed event-tracking shape
    for record in [record_for(rng.choice(kept), catalog, rng, tick(), templates) for _ in range(4)]:
        stamp = datetime.datetime.fromisoformat(record["time"]).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
        out.append(f"{stamp} INFO 4242 [tracking] [user None] [ip None] logger.py:41 - "
                   + json.dumps(record, ensure_ascii=False))
    for entry in kept[:2]:
        record = record_for(entry, catalog, rng, tick(), templates)
        data = json.loads(record["event"]) if isinstance(record["event"], str) else record["event"]
        emit({"name": entry.name, "timestamp": record["time"], "context": record["context"], "data": data})

    # a record without a name, and two malformed lines
    emit({"username": "learner2", "time": tick().isoformat()})
    out.append('{"username": "learner1", "event_type": "edx.video.paused", "time": "2025-03-')
    out.append("Traceback (most recent call last): this line is not a record")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, default=ROOT / "catalog")
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "logs" / "tracking-sample.log")
    args = parser.parse_args()
    text = "\n".join(lines(args.catalog)) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temp = args.out.with_suffix(".tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(args.out)
    print(f"wrote {args.out} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
