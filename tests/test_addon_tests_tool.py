"""Unit tests of tools/addon_tests.py's decision logic (`make crm-test`,
`make helpdesk-test`), on synthetic junit reports: no database, no Odoo server."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "addon_tests.py"
spec = importlib.util.spec_from_file_location("addon_tests", TOOL)
addon_tests = importlib.util.module_from_spec(spec)
spec.loader.exec_module(addon_tests)
Run = addon_tests.Run

LEAD = "crm/tests/test_crm_lead.py"
PLS = "crm/tests/test_crm_pls.py"
MODULES = [LEAD, PLS]
TEST = f"{LEAD}::TestCRMLead::test_a"
MAIN = "main run (crm + okr_sales)"


def case(name="test_a", body="", cls="TestCRMLead", path=LEAD):
    classname = path.removesuffix(".py").replace("/", ".") + f".{cls}"
    return (
        f'<testcase classname="{classname}" name="{name}" file="{path}" line="1"'
        f' time="0.1">{body}</testcase>'
    )


def failure(message):
    return f'<failure message="{message}">traceback</failure>'


def error(message, when="setup"):
    return f'<error message="failed on {when} with &quot;{message}&quot;">tb</error>'


def collection_error(path=LEAD):
    name = path.removesuffix(".py").replace("/", ".")
    return (
        f'<testcase classname="" name="{name}" file="{path}" time="0">'
        '<error message="collection failure">E   ImportError: nope</error></testcase>'
    )


def junit(*cases):
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">'
        + "".join(cases)
        + "</testsuite></testsuites>"
    )


def verdict(main, alone, modules, baseline="crm"):
    return addon_tests.verdict(main, alone, modules, baseline)


def run(exit_code, *cases):
    return Run(exit_code, addon_tests.parse_junit(junit(*cases)))


def main_run(test_a_body, exit_code=1):
    """The main run: test_a with the given body, one passing test in each module."""
    return run(
        exit_code, case(body=test_a_body), case("test_b"), case(path=PLS, cls="TestPLS")
    )


BOOM = failure("AssertionError: boom")
MAIN_FAILED = main_run(BOOM)


# parse_junit


def test_parse_outcomes_and_signatures():
    results = addon_tests.parse_junit(
        junit(
            case("test_ok"),
            case("test_fail", failure("AssertionError: 1 != 2&#10;second line")),
            case("test_setup", error("RuntimeError: setUpClass broke")),
            case(
                "test_skip",
                '<skipped type="pytest.skip" message="no browser">x</skipped>',
            ),
            collection_error(PLS),
        )
    )
    assert results == {
        f"{LEAD}::TestCRMLead::test_ok": ("passed", ""),
        f"{LEAD}::TestCRMLead::test_fail": ("failure", "AssertionError: 1 != 2"),
        f"{LEAD}::TestCRMLead::test_setup": (
            "error",
            "setup: RuntimeError: setUpClass broke",
        ),
        f"{LEAD}::TestCRMLead::test_skip": ("skipped", "no browser"),
        PLS: ("collection error", "E   ImportError: nope"),
    }


def test_parse_subtests_and_teardown_keep_the_worst_kind():
    body = failure("AssertionError: 2 not less than 1") + failure(
        "AssertionError: 1 not less than 1"
    )
    results = addon_tests.parse_junit(junit(case(body=body)))
    assert results[TEST] == (
        "failure",
        "AssertionError: 1 not less than 1 | AssertionError: 2 not less than 1",
    )
    results = addon_tests.parse_junit(
        junit(case(body=BOOM + error("X: y", "teardown")))
    )
    assert results[TEST] == ("error", "teardown: X: y")


def test_parse_unreadable_report():
    with pytest.raises(ValueError):
        addon_tests.parse_junit("<testsuites><testcase")


@pytest.mark.parametrize(
    "one, other",
    [
        ("<Environment object at 0x7f3a2b>", "<Environment object at 0x7f99cc>"),
        ('database "okr_test_crm_123"', 'database "okr_test_crmonly_123"'),
        ("http://127.0.0.1:40123/odoo/crm", "http://127.0.0.1:38811/odoo/crm"),
        ("tour timed out after 12.5s", "tour timed out after 30 s"),
        ("expected crm.lead(12, 13)", "expected crm.lead(40, 41)"),
    ],
)
def test_normalise_volatile_parts(one, other):
    assert addon_tests.normalise(one) == addon_tests.normalise(other)


@pytest.mark.parametrize(
    "one, other",
    [
        (
            "Query count more than expected: 45 > 40",
            "Query count more than expected: 41 > 40",
        ),
        ("expected crm.lead()", "expected crm.lead(3,)"),
    ],
)
def test_normalise_keeps_meaningful_numbers(one, other):
    assert addon_tests.normalise(one) != addon_tests.normalise(other)


TOUR = (
    "AssertionError: The test code &quot;odoo.startTour('crm_forecast')&quot; failed"
    "&#10;&#10;FAILED: [{step}/21] Tour crm_forecast → Step {name}."
    "&#10;TIMEOUT step failed to complete within {ms} ms."
)


def test_a_tour_signature_names_the_failed_step():
    results = addon_tests.parse_junit(
        junit(case(body=failure(TOUR.format(step=21, name="won", ms=10000))))
    )
    assert results[TEST] == (
        "failure",
        "AssertionError: The test code \"odoo.startTour('crm_forecast')\" failed"
        " / FAILED: [21/21] Tour crm_forecast → Step won.",
    )


def test_a_tour_failing_at_another_step_alone_is_not_excused():
    main = main_run(failure(TOUR.format(step=21, name="won", ms=10000)))
    same = run(1, case(body=failure(TOUR.format(step=21, name="won", ms=20000))))
    other = run(1, case(body=failure(TOUR.format(step=3, name="open", ms=10000))))
    assert verdict(main, same, MODULES).ok
    assert not verdict(main, other, MODULES).ok


# verdict


def test_all_passing_passes():
    result = verdict(main_run("", exit_code=0), None, MODULES)
    assert result.ok and not result.lines


def test_excused_when_it_fails_the_same_way_alone():
    alone = run(1, case(body=failure("AssertionError: boom")))
    result = verdict(MAIN_FAILED, alone, MODULES)
    assert result.ok, result.lines
    excuse = "excused, fails the same way with crm alone"
    assert result.excused == [f"{excuse}: {TEST}: failure AssertionError: boom"]


def test_excused_when_only_volatile_parts_differ():
    main = main_run(failure("AssertionError: &lt;obj at 0x7f01&gt; on okr_test_crm_7"))
    alone = run(
        1,
        case(
            body=failure("AssertionError: &lt;obj at 0x7fee&gt; on okr_test_crmonly_7")
        ),
    )
    assert verdict(main, alone, MODULES).ok


@pytest.mark.parametrize(
    "alone_body, why",
    [
        (
            failure("AssertionError: other"),
            "with crm alone: failure AssertionError: other",
        ),
        (failure("ValueError: boom"), "with crm alone: failure ValueError: boom"),
        ("", "passes with crm alone"),
    ],
)
def test_not_excused_when_it_fails_differently_or_passes_alone(alone_body, why):
    alone = run(1 if alone_body else 0, case(body=alone_body))
    result = verdict(MAIN_FAILED, alone, MODULES)
    assert not result.ok
    assert result.ours == [f"OURS ({why}): {TEST}: failure AssertionError: boom"]


def test_an_error_is_not_excused_even_if_alone_fails_the_same_way():
    main = main_run(error("RuntimeError: setUpClass broke"))
    alone = run(1, case(body=error("RuntimeError: setUpClass broke")))
    result = verdict(main, alone, MODULES)
    assert not result.ok and not result.excused
    assert "crm-only run: error in" in "\n".join(result.problems)


def test_not_excused_when_the_test_has_no_result_alone():
    alone = run(1, case("test_other", BOOM))
    result = verdict(MAIN_FAILED, alone, MODULES)
    assert not result.ok
    assert result.ours[0].startswith("OURS (no result with crm alone)")


@pytest.mark.parametrize("code", [2, 3, 4, 5, -9])
def test_not_excused_when_the_alone_run_exits_oddly(code):
    alone = run(code, case(body=BOOM))
    result = verdict(MAIN_FAILED, alone, MODULES)
    assert not result.ok and not result.excused
    assert result.problems[0].startswith(
        f"crm-only run: pytest {'exited' if code > 0 else 'was'}"
    )
    assert result.problems[-1] == "so no failure is excused"


def test_not_excused_when_the_alone_run_has_a_collection_error():
    alone = run(1, case(body=BOOM), collection_error(PLS))
    result = verdict(MAIN_FAILED, alone, MODULES)
    assert not result.ok and not result.excused
    assert result.problems[0].startswith(f"crm-only run: collection error in {PLS}")


def test_not_excused_when_a_class_setup_fails_in_the_alone_run():
    alone = run(1, case(body=BOOM), case("test_b", error("RuntimeError: setUpClass")))
    result = verdict(MAIN_FAILED, alone, MODULES)
    assert not result.ok and not result.excused


@pytest.mark.parametrize(
    "alone",
    [
        Run(None, None, "installing crm in okr_test_crmonly_1 failed (exit 255)"),
        Run(1, None, "no junit report"),
        None,
    ],
)
def test_not_excused_when_the_alone_run_did_not_happen(alone):
    result = verdict(MAIN_FAILED, alone, MODULES)
    assert not result.ok and not result.excused
    assert result.ours == [
        f"NOT EXCUSED (crm-only run unusable): {TEST}: failure AssertionError: boom"
    ]


# the main run


@pytest.mark.parametrize("code", [2, 3, 4, 5])
def test_main_run_exit_codes_other_than_0_or_1_fail(code):
    result = verdict(main_run("", exit_code=code), None, MODULES)
    assert not result.ok
    meaning = addon_tests.PYTEST_EXIT[code]
    assert result.problems == [f"{MAIN}: pytest exited {code} ({meaning})"]


def test_main_run_exiting_1_without_a_failed_test_fails():
    result = verdict(main_run("", exit_code=1), None, MODULES)
    assert result.problems == [
        f"{MAIN}: pytest exited 1 but its report names no failed test"
    ]


def test_main_run_collection_error_fails():
    main = run(2, case(), collection_error(PLS))
    result = verdict(main, None, MODULES)
    assert not result.ok
    assert (
        f"main run (crm + okr_sales): collection error in {PLS}: E   ImportError: nope"
        in (result.problems)
    )


def test_main_install_failure_fails():
    main = Run(
        None, None, "installing crm,okr_sales in okr_test_crm_1 failed (exit 255)"
    )
    result = verdict(main, None, MODULES)
    assert not result.ok
    assert "failed (exit 255); pytest did not run" in result.problems[0]


def test_a_module_missing_from_the_main_run_fails():
    result = verdict(run(0, case()), None, MODULES)
    assert not result.ok
    assert result.problems == [f"{PLS}: no test result in the main run"]


def test_a_module_skipped_with_a_reason_counts_as_run_without_a_reason_not():
    skipped = '<skipped type="pytest.skip" message="{}">x</skipped>'
    main = run(
        0, case(), case(path=PLS, cls="TestPLS", body=skipped.format("no browser"))
    )
    assert verdict(main, None, MODULES).ok
    main = run(0, case(), case(path=PLS, cls="TestPLS", body=skipped.format("")))
    assert verdict(main, None, MODULES).problems == [
        f"{PLS}: no test result in the main run"
    ]


# the expected modules


def test_test_modules_exempts_modules_without_tests(tmp_path):
    tests = tmp_path / "crm" / "tests"
    tests.mkdir(parents=True)
    (tests / "common.py").write_text("class TestCrmCommon:\n    pass\n")
    (tests / "test_lead.py").write_text(
        "from . import common\nclass TestLead:\n    pass\n"
    )
    (tests / "test_func.py").write_text("def test_it():\n    pass\n")
    (tests / "test_helpers.py").write_text("VALUE = 1\ndef helper():\n    pass\n")
    expected, without = addon_tests.find_test_modules(tmp_path / "crm")
    assert expected == ["crm/tests/test_func.py", "crm/tests/test_lead.py"]
    assert without == ["crm/tests/test_helpers.py"]


def test_test_modules_of_several_addons_are_relative_to_their_common_folder(tmp_path):
    for addon in ("helpdesk_mgmt", "helpdesk_mgmt_rating"):
        (tmp_path / addon / "tests").mkdir(parents=True)
        (tmp_path / addon / "tests" / "test_it.py").write_text(
            "class TestIt:\n    pass\n"
        )
    expected, _without = addon_tests.find_test_modules(
        tmp_path / "helpdesk_mgmt_rating", tmp_path
    )
    assert expected == ["helpdesk_mgmt_rating/tests/test_it.py"]


# another suite


def test_messages_name_the_suite_baseline():
    alone = run(1, case(body=failure("AssertionError: boom")))
    result = verdict(MAIN_FAILED, alone, MODULES, baseline="helpdesk")
    assert result.excused == [
        f"excused, fails the same way with helpdesk alone: {TEST}: failure"
        " AssertionError: boom"
    ]
    result = verdict(MAIN_FAILED, run(3, case(body=BOOM)), MODULES, "helpdesk")
    assert result.problems[0].startswith("helpdesk-only run: pytest exited 3")
    result = verdict(main_run("", exit_code=2), None, MODULES, "helpdesk")
    assert result.problems[0].startswith("main run (helpdesk + okr_sales)")


def test_the_helpdesk_suite_installs_the_bridge_when_it_exists():
    suite = addon_tests.SUITES["helpdesk"]
    assert suite.addons == ("helpdesk_mgmt", "helpdesk_mgmt_rating")
    assert suite.modules(lambda name: True) == [
        "helpdesk_mgmt", "helpdesk_mgmt_rating", "okr_sales", "okr_sales_helpdesk",
    ]  # fmt: skip
    assert suite.modules(lambda name: False) == [
        "helpdesk_mgmt", "helpdesk_mgmt_rating", "okr_sales",
    ]  # fmt: skip
    assert addon_tests.SUITES["crm"].modules(lambda name: True) == ["crm", "okr_sales"]


# the selection of tests, as Odoo's loader makes it (tools/odoo_selection.py)

spec = importlib.util.spec_from_file_location(
    "odoo_selection", TOOL.parent / "odoo_selection.py"
)
odoo_selection = importlib.util.module_from_spec(spec)
spec.loader.exec_module(odoo_selection)
JS_MODULE = "odoo.addons.helpdesk_mgmt.tests.test_js"


def noop(self):
    pass


def odoo_case(module, name="TestIt", tags=(), base=None, **methods):
    """A test class as if defined in `module`."""
    from odoo.tests import BaseCase, tagged

    cls = type(name, (base or BaseCase,), {"__module__": module, **methods})
    return tagged(*tags)(cls) if tags else cls


def item(cls, name, module=JS_MODULE):
    return SimpleNamespace(cls=cls, name=name, module=SimpleNamespace(__name__=module))


def selected(test_item, spec="/helpdesk_mgmt,/helpdesk_mgmt_rating"):
    from odoo.tests.tag_selector import TagsSelector

    return odoo_selection.odoo_runs(test_item, TagsSelector(spec))


def test_selection_keeps_a_class_own_test_methods():
    own = odoo_case(JS_MODULE, test_a=noop)
    assert selected(item(own, "test_a"))
    post = odoo_case(JS_MODULE, tags=("post_install", "-at_install"), test_a=noop)
    assert selected(item(post, "test_a"))


def test_selection_drops_imported_classes_and_inherited_methods():
    web = odoo_case("odoo.addons.web.tests.test_js", "WebSuite", test_unit=noop)
    assert not selected(item(web, "test_unit"))
    heir = odoo_case(JS_MODULE, "TestHeir", base=web, test_mine=noop)
    assert selected(item(heir, "test_mine"))
    assert not selected(item(heir, "test_unit"))


def test_selection_follows_the_tags():
    own = odoo_case(JS_MODULE, test_a=noop)
    assert not selected(item(own, "test_a"), spec="/crm")
    assert not selected(
        item(odoo_case(JS_MODULE, tags=("-standard",), test_a=noop), "test_a")
    )
    assert not selected(SimpleNamespace(cls=None, name="test_f", module=None))
