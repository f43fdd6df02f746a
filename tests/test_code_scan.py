"""`eventcat code scan` as a library: each API, names from literals, constants (across modules),
keyword arguments, wrappers (of wrappers, methods), dynamic names, nested calls, look-alikes,
unresolved names, JSX/TSX, files that do not parse, and the findings against the catalog.

The fixture trees under tests/fixtures/code/ are small source trees written for these tests:
`platform` (Python and legacy JavaScript) and `learning` (JSX, TypeScript, TSX)."""

import json

import pytest

from conftest import FIXTURES, write

from eventcat.code.report import Report, parse_gate
from eventcat.code.scan import scan
from eventcat.pipeline import build_catalog

CODE = FIXTURES / "code"
PLATFORM = CODE / "platform"
LEARNING = CODE / "learning"


@pytest.fixture(scope="module")
def catalog():
    return build_catalog(CODE / "catalog")[0]


@pytest.fixture(scope="module")
def platform(catalog):
    return scan(catalog, [PLATFORM], PLATFORM)


@pytest.fixture(scope="module")
def learning(catalog):
    return scan(catalog, [LEARNING], LEARNING)


def rows(report):
    return {(c.file, c.line, c.api, c.name or c.pattern or c.expression, c.resolved) for c in report.calls}


def calls_at(report, file, line):
    return [c for c in report.calls if c.file == file and c.line == line]


def findings(report, kind):
    return [(f.event, f.file, f.line) for f in report.findings if f.kind == kind]


# --- Python --------------------------------------------------------------------------------------

def test_each_python_api(platform):
    found = rows(platform)
    assert ("lms/enrollment.py", 17, "tracker.emit", "edx.course.enrollment.activated", "constant") in found
    assert ("lms/register.py", 7, "segment.track", "edx.bi.user.account.registered", "literal") in found
    assert ("lms/register.py", 6, "segment.identify", "", "nameless") in found
    # analytics-python takes the name as the `event` keyword argument
    assert ("lms/register.py", 8, "analytics.track", "edx.bi.python.analytics", "literal") in found
    assert ("xmodule/capa_block.py", 7, "runtime.publish", "problem_check", "literal") in found


def test_payload_keys_from_literal_dicts_and_locals(platform):
    [activated] = calls_at(platform, "lms/enrollment.py", 17)
    assert activated.payload_keys == ["course_id", "mode", "user_id"] and activated.payload_complete
    # a local dict, with a key added by item assignment afterwards
    [deactivated] = calls_at(platform, "lms/enrollment.py", 21)
    assert deactivated.payload_keys == ["course_id", "mode"]
    [check] = calls_at(platform, "xmodule/capa_block.py", 7)
    assert check.payload_keys == ["problem_id", "success", "answers"]
    [analytics] = calls_at(platform, "lms/register.py", 8)
    assert analytics.payload_keys == ["a"]  # properties= keyword


def test_constants_across_modules_and_class_constants(platform):
    # SHARED = CERT_PREFIX + '.shared' in another module, imported by name
    [shared] = calls_at(platform, "lms/certificates/views.py", 18)
    assert shared.name == "edx.certificate.shared"
    # `from lms import event_names`, then event_names.CERT_PREFIX + '.created'
    [created] = calls_at(platform, "lms/certificates/views.py", 22)
    assert created.name == "edx.certificate.created"
    # self.EVENT_DEACTIVATED, a class attribute
    [deactivated] = calls_at(platform, "lms/enrollment.py", 21)
    assert deactivated.name == "edx.course.enrollment.deactivated"


def test_wrappers_of_wrappers_keyword_arguments_and_methods(platform):
    [shared] = calls_at(platform, "lms/certificates/views.py", 18)
    # send_tracker_event(event_name=SHARED) → publish_event(event_name, ...) → tracker.emit(name, ...)
    assert shared.resolved == "wrapper" and shared.via == ["send_tracker_event", "publish_event"]
    assert shared.payload_keys == ["certificate_id"]  # the payload the outer wrapper builds
    [graded] = calls_at(platform, "xmodule/capa_block.py", 8)
    assert (graded.api, graded.name, graded.via) == ("runtime.publish", "problem_graded",
                                                     ["ProblemBlock.publish"])
    assert graded.payload_keys == ["problem_id"]  # passed through the wrapper's data parameter
    # the emit calls inside wrappers are not reported as calls of their parameter's name
    assert not calls_at(platform, "lms/certificates/views.py", 10)
    assert not calls_at(platform, "xmodule/capa_block.py", 3)
    wrappers = {(w.file, w.function) for w in platform.wrappers}
    assert {("lms/certificates/views.py", "publish_event"),
            ("lms/certificates/views.py", "send_tracker_event"),
            ("lms/enrollment.py", "CourseEnrollment.emit_event"),
            ("xmodule/capa_block.py", "ProblemBlock.publish")} <= wrappers


def test_dynamic_names_become_patterns(platform):
    patterns = {c.line: c.pattern for c in platform.calls
                if c.file == "lms/certificates/views.py" and c.resolved == "dynamic"}
    # f-string, str.format, '.'.join and % formatting; `dynamic` is never called, so its
    # parameters stay unknown and the calls are listed where they are, not dropped
    assert patterns == {26: "edx.certificate.*", 27: "edx.certificate.*.*", 28: "edx.certificate.*",
                        29: "edx.certificate.*"}
    # patterns are matched against catalog names: edx.certificate.* matches two events, so it
    # is not undocumented; edx.certificate.*.* matches none, so it is
    assert [f for f in findings(platform, "undocumented") if f[0].startswith("edx.certificate.*")] == [
        ("edx.certificate.*.*", "lms/certificates/views.py", 27)]


def test_nested_calls_and_unresolved_names(platform):
    # an emit call inside a comprehension, and one inside a lambda inside map()
    [unresolved] = calls_at(platform, "lms/certificates/views.py", 33)
    assert (unresolved.resolved, unresolved.expression) == ("unresolved", "get_name(item)")
    [nested] = calls_at(platform, "lms/certificates/views.py", 34)
    assert nested.name == "edx.certificate.nested"
    assert ("", "lms/certificates/views.py", 33) in findings(platform, "unresolved")


def test_look_alikes_are_not_calls(platform, learning):
    names = {c.name for r in (platform, learning) for c in r.calls}
    text = json.dumps([r.to_json() for r in (platform, learning)])
    assert not {n for n in names if "fake" in n}
    assert "edx.fake" not in text  # docstrings, comments, URL paths, unused constants, strings


def test_syntax_error_is_reported_not_a_crash(platform, learning):
    assert [(e.file, e.line) for e in platform.errors] == [("lms/broken.py", 1)]
    assert findings(platform, "syntax-error") == [("", "lms/broken.py", 1)]
    # tree-sitter recovers: the JavaScript file's error is reported and the rest still read
    assert [(e.file, e.line) for e in learning.errors] == [("src/broken.js", 1)]


# --- JavaScript, JSX, TypeScript, TSX ----------------------------------------------------------

def test_each_javascript_api(platform, learning):
    found = rows(platform) | rows(learning)
    assert ("xmodule/js/video.js", 15, "Logger.log", "play_video", "literal") in found
    assert ("lms/static/banner.js", 1, "analytics.track", "edx.bi.marketing.banner.viewed", "literal") in found
    # trackLink takes the element first, the name second
    assert ("lms/static/banner.js", 2, "analytics.trackLink", "edx.bi.marketing.link.clicked", "literal") in found
    assert ("src/Sequence.jsx", 12, "sendTrackingLogEvent", "edx.ui.lms.sequence.next_selected", "constant") in found


def test_jsx_template_literals_and_imported_constants(learning):
    [constant] = calls_at(learning, "src/Sequence.jsx", 12)
    assert constant.payload_keys == ["current_tab", "tab_count"]
    [template] = calls_at(learning, "src/Sequence.jsx", 13)
    assert (template.resolved, template.pattern) == ("dynamic", "edx.ui.lms.sequence.*_selected")


def test_tsx_method_wrapper_default_export_and_wrapper_of_wrapper(learning):
    [upsell] = calls_at(learning, "src/Upgrade.tsx", 12)  # this.log(EVENTS.UPSELL, ...)
    assert (upsell.name, upsell.resolved, upsell.via) == (
        "edx.bi.course.upgrade.sidebarupsell.clicked", "wrapper", ["Upsell.log"])
    assert upsell.payload_keys == ["org_key", "courserun_key"]
    [shown] = calls_at(learning, "src/Upgrade.tsx", 16)  # default-imported track() in JSX
    assert (shown.api, shown.name, shown.via) == ("sendTrackEvent", "edx.bi.course.upgrade.shown", ["track"])
    [later] = calls_at(learning, "src/Upgrade.tsx", 21)  # trackCourse → track, a template literal
    assert (later.name, later.via) == ("edx.bi.course.upgrade.later", ["trackCourse", "track"])
    [unknown] = calls_at(learning, "src/Upgrade.tsx", 22)
    assert (unknown.resolved, unknown.expression) == ("unresolved", "getName()")


def test_method_wrapper_in_plain_javascript(platform):
    [wrapped] = calls_at(platform, "xmodule/js/video.js", 14)  # this.log('play_video', ...)
    assert (wrapped.name, wrapped.via) == ("play_video", ["Player.log"])
    assert wrapped.payload_keys == ["code"] and not wrapped.payload_complete  # {...data, code}
    # an object-literal method has no name callers use: its call stays listed, unresolved
    [inside] = calls_at(platform, "xmodule/js/video.js", 4)
    assert inside.resolved == "unresolved"


# --- against the catalog -----------------------------------------------------------------------

def test_findings_against_the_catalog(platform, learning):
    assert sorted(f[0] for f in findings(platform, "undocumented")) == [
        "edx.bi.marketing.link.clicked", "edx.bi.python.analytics", "edx.certificate.*.*",
        "edx.certificate.nested", "problem_graded"]
    assert ("edx.bi.user.account.registered", "lms/register.py", 7) in findings(platform, "unknown-key")
    assert ("problem_check", "xmodule/capa_block.py", 7) in findings(platform, "unknown-key")
    # edx.grades.gone's `where:` is under the scanned tree but the file is gone
    assert findings(platform, "stale-where") == [("edx.grades.gone", "events/edx.grades.gone.yaml", 0)]
    assert findings(platform, "missing") == [("edx.grades.gone", "events/edx.grades.gone.yaml", 0)]
    # the learning tree is another repository: only its two events are expected there
    assert sorted(learning.expected) == ["edx.bi.course.upgrade.sidebarupsell.clicked",
                                         "edx.ui.lms.sequence.next_selected"]
    assert learning.coverage() == 100.0
    assert sorted(f[0] for f in findings(learning, "undocumented")) == [
        "edx.bi.course.upgrade.later", "edx.bi.course.upgrade.shown"]


def test_certificate_events_found_only_through_a_pattern(platform):
    assert "edx.certificate.created" in platform.found  # exact, through a wrapper
    assert "edx.certificate.shared" in platform.found
    assert platform.by_pattern == []  # both have exact call sites too


def test_api_side_and_required_findings(catalog, tmp_path):
    root = tmp_path / "platform"
    write(root / "lms" / "enrollment.py", """
        from common.djangoapps.track import segment
        segment.track(1, 'edx.course.enrollment.activated', {'course_id': 'c'})
        """)
    write(root / "lms" / "static" / "enroll.js", """
        sendTrackingLogEvent('edx.course.enrollment.activated', {course_id: 'c', mode: 'm'});
        """)
    report = scan(catalog, [root], root)
    assert findings(report, "api") == [("edx.course.enrollment.activated", "lms/enrollment.py", 2),
                                       ("edx.course.enrollment.activated", "lms/static/enroll.js", 1)]
    # `mode` is required: one call passes it, so it is not reported
    assert findings(report, "required-not-passed") == []
    write(root / "lms" / "static" / "enroll.js", "// nothing here any more\n")
    report = scan(catalog, [root], root)
    assert findings(report, "required-not-passed") == [
        ("edx.course.enrollment.activated", "lms/enrollment.py", 2)]


def test_side_differs(catalog, tmp_path):
    # analytics-python's analytics.track on the server, for an event the catalog lists as sent by
    # analytics.js in the browser
    write(tmp_path / "banner.py", "import analytics\n"
          "analytics.track(1, 'edx.bi.marketing.banner.viewed', {'banner': 'b'})\n")
    report = scan(catalog, [tmp_path / "banner.py"], tmp_path)
    assert [(f.kind, f.line, f.detail) for f in report.findings] == [
        ("side", 2, "emitted from the server side; the catalog lists browser")]


def test_a_pattern_alone_finds_an_event(catalog, tmp_path):
    root = tmp_path / "platform"
    write(root / "lms" / "certificates" / "views.py", """
        from eventtracking import tracker
        def any_event(action):
            tracker.emit('edx.certificate.' + action, {})
        """)
    report = scan(catalog, [root], root)
    assert report.by_pattern == ["edx.certificate.created", "edx.certificate.shared"]
    assert "edx.certificate.created" in report.found
    assert not findings(report, "undocumented")


def test_declared_apis_of_the_catalog_are_recognised(catalog, tmp_path, monkeypatch):
    from eventcat.code import scan as scan_module
    monkeypatch.setattr(scan_module, "declared_apis",
                        lambda _catalog: [("braze.logCustomEvent", "javascript", True), ("audit.record", "python", True),
                                         ("braze.changeUser", "javascript", False)])
    write(tmp_path / "a.js", "braze.logCustomEvent('edx.bi.braze', {k: 1});\n")
    write(tmp_path / "b.py", "audit.record('edx.bi.audit', {'k': 1})\n")
    write(tmp_path / "c.js", "braze.changeUser({id: 1});\n")
    report = scan(catalog, [tmp_path], tmp_path)
    assert rows(report) == {("a.js", 1, "braze.logCustomEvent", "edx.bi.braze", "literal"),
                            ("b.py", 1, "audit.record", "edx.bi.audit", "literal"),
                            ("c.js", 1, "braze.changeUser", "", "nameless")}
    [nameless] = calls_at(report, "c.js", 1)
    assert nameless.payload_keys == ["id"]


def test_reassigned_locals_and_conditionals_give_every_name(catalog, tmp_path):
    write(tmp_path / "a.py", """
        from eventtracking import tracker
        def go(flag):
            name = 'edx.a.one' if flag else 'edx.a.two'
            tracker.emit(name, {})
            other = 'edx.a.three'
            if flag:
                other = 'edx.a.four'
            tracker.emit(other, {})
        """)
    assert {c.name for c in scan(catalog, [tmp_path], tmp_path).calls} == {
        "edx.a.one", "edx.a.two", "edx.a.three", "edx.a.four"}


def test_hostile_and_large_inputs(catalog, tmp_path):
    # deep nesting, a binary file with a .py name, a name built from itself, and a big file
    write(tmp_path / "deep.py", "x = " + "(" * 300 + "1" + ")" * 300 + "\n")
    (tmp_path / "binary.py").write_bytes(b"\x00\xff\xfe" * 100)
    write(tmp_path / "cycle.py", "A = B\nB = A\nfrom eventtracking import tracker\ntracker.emit(A, {})\n")
    write(tmp_path / "deep.js", "f(" * 2000 + ")" * 2000 + ";\n")
    write(tmp_path / "big.js", "sendTrackEvent('edx.big', {a: 1});\n" * 20_000)
    report = scan(catalog, [tmp_path], tmp_path)
    assert {e.file for e in report.errors} >= {"binary.py"}
    assert [c.resolved for c in report.calls if c.file == "cycle.py"] == ["unresolved"]
    assert sum(1 for c in report.calls if c.file == "big.js") == 20_000


def test_control_characters_are_escaped_in_text(catalog, tmp_path):
    from eventcat.code.text import to_text
    write(tmp_path / "evil\x1b[31m.py", "from eventtracking import tracker\n"
          "tracker.emit('edx.\\x1b[2J\u202eevil', {})\n")
    text = to_text(scan(catalog, [tmp_path], tmp_path))
    assert "\x1b" not in text and "\u202e" not in text
    assert "evil\\x1b[31m.py:2" in text and "edx.\\x1b[2J\\u202eevil" in text


def test_report_round_trips_through_json(platform):
    again = Report.from_json(platform.to_json())
    assert again.to_json() == platform.to_json()
    data = json.loads(platform.to_json())
    call = data["calls"][0]
    assert set(call) >= {"file", "line", "api", "resolved", "payload_keys"}
    assert all(("name" in c) != ("pattern" in c) or c["resolved"] in ("unresolved", "nameless")
               for c in data["calls"])
    with pytest.raises(ValueError, match="not a saved code report"):
        Report.from_json('{"format": "eventcat-log-report"}')


def test_gates(platform):
    assert parse_gate("undocumented=5").failed(platform) == ""
    assert parse_gate("undocumented=4").failed(platform) == "undocumented: 5 found, more than 4 allowed"
    assert parse_gate("coverage<90%").failed(platform).startswith("coverage 88.9% is below 90%")
    for bad, message in (("nope=1", "unknown kind 'nope'"), ("missing", "write KIND=N"),
                         ("missing=x", "whole number"), ("coverage<200%", "from 0 to 100")):
        with pytest.raises(ValueError, match=message):
            parse_gate(bad)


def test_text_conversions_keep_the_name_and_api_definitions_are_not_calls(catalog, tmp_path):
    # edx-platform's own segment.track wraps analytics.track: its inner call is how the API
    # works, not an emit call of an unknown name; six.text_type(NAME) is still NAME
    write(tmp_path / "common" / "djangoapps" / "track" / "segment.py", """
        import analytics
        def track(user_id, event_name, properties=None, context=None):
            analytics.track(user_id, event_name, properties, {})
        """)
    write(tmp_path / "lms" / "grades.py", """
        import six
        from eventtracking import tracker
        from common.djangoapps.track import segment
        SUBMITTED = u'edx.grades.problem.submitted'
        def graded():
            tracker.emit(six.text_type(SUBMITTED), {'user_id': 1})
            segment.track(1, str('edx.bi.graded'), {})
        """)
    write(tmp_path / "src" / "a.js", "sendTrackEvent(String(NAME), {});\nconst NAME = 'edx.bi.js';\n")
    report = scan(catalog, [tmp_path], tmp_path)
    assert rows(report) == {("lms/grades.py", 6, "tracker.emit", "edx.grades.problem.submitted", "constant"),
                            ("lms/grades.py", 7, "segment.track", "edx.bi.graded", "literal"),
                            ("src/a.js", 1, "sendTrackEvent", "edx.bi.js", "constant")}


def test_json_report_keeps_terminal_controls_escaped(catalog, tmp_path):
    write(tmp_path / "a.py", "from eventtracking import tracker\ntracker.emit('edx.\u202eevil\u0085', {})\n")
    text = scan(catalog, [tmp_path], tmp_path).to_json()
    assert "\u202e" not in text and "\u0085" not in text and "\\u202e" in text
    assert json.loads(text)["calls"][0]["name"] == "edx.\u202eevil\u0085"


def test_prototype_object_methods_are_wrappers(catalog, tmp_path):
    # edx-platform's video player: Plugin.prototype = {onPlay: ... this.log('play_video'), log: ...}
    write(tmp_path / "plugin.js", """
        var Plugin = function () {};
        Plugin.prototype = {
            onPlay: function () { this.log('play_video', {currentTime: 1}); },
            log: function (eventName, data) { Logger.log(eventName, data); }
        };
        var View = Backbone.View.extend({
            track(name) { window.analytics.track(name, {}); },
            click() { this.track('edx.bi.view.clicked'); },
        });
        """)
    assert rows(scan(catalog, [tmp_path], tmp_path)) == {
        ("plugin.js", 3, "Logger.log", "play_video", "wrapper"),
        ("plugin.js", 8, "analytics.track", "edx.bi.view.clicked", "wrapper")}
