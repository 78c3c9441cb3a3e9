"""Unit tests of tools/upgrade_test.py's pure parts (`make upgrade-test`): the
release's resolution and the comparison of two snapshots with the
differences the migrations mean. No database, no Odoo server."""

import copy
import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "upgrade_test.py"
spec = importlib.util.spec_from_file_location("upgrade_test", TOOL)
upgrade_test = importlib.util.module_from_spec(spec)
spec.loader.exec_module(upgrade_test)

SHA = "414be3317701d0ee97dee4ace55709fcddd19b68"
KNOWN = {"19.0.1.4.0": SHA}


def fake_git(tags=(), commits=()):
    """A `git` that knows these tags (name -> sha) and these commits."""
    tags = dict(tags)

    def run_git(*args):
        if args[0] == "rev-parse":
            name = args[-1].removeprefix("refs/tags/").removesuffix("^{commit}")
            return tags.get(name)
        if args[0] == "cat-file":
            return "" if args[-1].removesuffix("^{commit}") in commits else None
        raise AssertionError(args)

    return run_git


# the release


def test_a_tag_resolves_first():
    run_git = fake_git(tags={"19.0.1.4.0": "f" * 40})
    assert upgrade_test.resolve_release("19.0.1.4.0", run_git, KNOWN) == "f" * 40


def test_without_the_tag_the_table_resolves_when_the_commit_is_there():
    run_git = fake_git(commits=[SHA])
    assert upgrade_test.resolve_release("19.0.1.4.0", run_git, KNOWN) == SHA


def test_a_shallow_clone_without_the_commit_fails_clearly():
    with pytest.raises(upgrade_test.ToolError, match="shallow clone"):
        upgrade_test.resolve_release("19.0.1.4.0", fake_git(), KNOWN)


def test_an_unknown_release_fails_clearly():
    with pytest.raises(upgrade_test.ToolError, match="no such tag"):
        upgrade_test.resolve_release("19.0.1.9.9", fake_git(commits=[SHA]), KNOWN)


def test_the_table_holds_the_release_tested_by_default():
    assert upgrade_test.RELEASES[upgrade_test.DEFAULT_RELEASE] == SHA


# the log


def test_log_problems_are_errors_criticals_and_tracebacks():
    log = "\n".join(
        [
            "2026-12-08 00:43:24,755 12014 WARNING db odoo.upgrade: 1 check-in",
            "2026-12-08 00:43:24,756 12014 ERROR db odoo.sql_db: bad query",
            "2026-12-08 00:43:24,757 12014 CRITICAL db odoo.modules: failed",
            "Traceback (most recent call last):",
            "<string>:38: (ERROR/3) Unexpected indentation.",
            "2026-12-08 00:43:24,758 12014 INFO db odoo: an ERROR in a message",
        ]
    )
    problems = upgrade_test.log_problems(log)
    assert [line.split()[3] for line in problems[:2]] == ["ERROR", "CRITICAL"]
    assert problems[2].startswith("Traceback")
    assert len(problems) == 3


# the comparison

KR = "okr_sales.okr_kr_ha_revenue"
MANUAL = "okr_sales.okr_kr_q4_review"
ROLLUP = "okr_sales.okr_kr_team_revenue"
TICKETS = "okr_sales_helpdesk.okr_kr_tickets"
CHECKIN = f"{MANUAL} | check-in 1"


def key_result(kind="automatic", value=10.0, objective="obj", **values):
    return {
        "objective": objective,
        "type": kind,
        "preset": False,
        "source_model": "crm.lead" if kind == "automatic" else False,
        "baseline_value": 0.0,
        "target_value": 100.0,
        "current_value": value,
        "progress": value,
        "status": "on_track",
        "date_end": "2026-12-31",
        "rolls_up": [],
        **values,
    }


def snapshot():
    return {
        "today": "2026-12-08",
        "tz": "Asia/Ho_Chi_Minh",
        "objectives": {
            "obj": {
                "progress": 10.0,
                "status": "on_track",
                "state": "approved",
                "date_end": "2026-12-31",
            },
            "old_obj": {
                "progress": 50.0,
                "status": "missed",
                "state": "approved",
                "date_end": "2025-12-31",
            },
        },
        "key_results": {
            KR: key_result(),
            MANUAL: key_result("manual", 20.0, objective="old_obj"),
            ROLLUP: key_result("rollup", rolls_up=[KR]),
            TICKETS: key_result(source_model="helpdesk.ticket", objective="old_obj"),
        },
        "checkins": {
            CHECKIN: {
                "key_result": MANUAL,
                "date": "2026-12-11",
                "value": 20.0,
                "made": "2026-12-08",
                "made_utc": "2026-12-08",
                "company_today": "2026-12-08",
            }
        },
        "history": {
            f"{MANUAL} | {CHECKIN}": {
                "key_result": MANUAL,
                "checkin": CHECKIN,
                "date": "2026-12-11",
                "value": 20.0,
            },
            f"{KR} | 2026-12-08": {
                "key_result": KR,
                "checkin": False,
                "date": "2026-12-08",
                "value": 10.0,
            },
        },
        "contributions": {
            f"{KR} | crm.lead,1 | 2026-01-01": {
                "key_result": KR,
                "record": "crm.lead,1",
                "date": "2026-01-01",
                "value": 10.0,
                "shifted": False,
            }
        },
    }


def test_equal_snapshots_pass_and_count_every_kind():
    result = upgrade_test.compare(snapshot(), snapshot())
    assert result.ok and not result.allowed
    assert result.counts == {
        "objectives": 2,
        "key_results": 4,
        "checkins": 1,
        "history": 2,
        "contributions": 1,
    }


def test_values_equal_to_the_cent_are_equal():
    new = snapshot()
    new["key_results"][KR]["current_value"] = 10.004
    new["history"][f"{KR} | 2026-12-08"]["value"] = 9.996
    assert upgrade_test.compare(snapshot(), new).ok


@pytest.mark.parametrize(
    "kind, key",
    [
        ("objectives", "obj"),
        ("key_results", MANUAL),
        ("checkins", CHECKIN),
        ("history", f"{KR} | 2026-12-08"),
    ],
)
def test_anything_lost_fails(kind, key):
    new = snapshot()
    del new[kind][key]
    result = upgrade_test.compare(snapshot(), new)
    assert f"LOST {upgrade_test.ONE[kind]}: {key}" in result.problems


def test_a_lost_contribution_no_migration_explains_fails():
    new = snapshot()
    new["contributions"] = {}
    result = upgrade_test.compare(snapshot(), new)
    assert result.problems == [
        f"contribution {KR} | crm.lead,1 | 2026-01-01: lost: contribution"
        f" {KR} | crm.lead,1 | 2026-01-01 lost (10.0 -> None)"
    ]


def test_a_value_changed_without_a_migration_fails_with_a_readable_line():
    new = snapshot()
    new["key_results"][KR]["target_value"] = 200.0
    result = upgrade_test.compare(snapshot(), new)
    assert result.problems == [
        f"key result {KR}: target_value of key result {KR} from 100.0 to 200.0"
    ]


def test_a_check_in_dated_ahead_is_redated_as_1_6_0_means():
    new = snapshot()
    new["checkins"][CHECKIN]["date"] = "2026-12-08"
    new["history"][f"{MANUAL} | {CHECKIN}"]["date"] = "2026-12-08"
    new["key_results"][MANUAL].update(current_value=10.0, progress=10.0)
    new["objectives"]["old_obj"]["progress"] = 40.0
    result = upgrade_test.compare(snapshot(), new)
    assert result.ok, result.problems
    assert {migration for migration, _line in result.allowed} == {
        upgrade_test.MIG_CHECKIN_DAY
    }
    assert (
        upgrade_test.MIG_CHECKIN_DAY,
        f"date of check-in {CHECKIN} from 2026-12-11 to 2026-12-08",
    ) in result.allowed
    assert len(result.allowed) == 5


def test_a_check_in_redated_elsewhere_fails():
    new = snapshot()
    new["checkins"][CHECKIN]["date"] = "2026-12-01"
    assert not upgrade_test.compare(snapshot(), new).ok
    # nor may a check-in dated today or before move
    old = snapshot()
    old["checkins"][CHECKIN]["date"] = "2026-12-07"
    new["checkins"][CHECKIN]["date"] = "2026-12-06"
    assert not upgrade_test.compare(old, new).ok


def added_deal(new, shifted=True):
    new["contributions"][f"{KR} | crm.lead,2 | 2026-01-01"] = {
        "key_result": KR,
        "record": "crm.lead,2",
        "date": "2026-01-01",
        "value": 5.0,
        "shifted": shifted,
    }
    new["key_results"][KR].update(current_value=15.0, progress=15.0)
    new["key_results"][ROLLUP].update(current_value=15.0, progress=15.0)
    new["history"][f"{KR} | 2026-12-08"]["value"] = 15.0
    new["objectives"]["obj"]["progress"] = 15.0
    return new


def test_a_deal_counted_on_its_company_day_is_allowed_by_1_7_0():
    result = upgrade_test.compare(snapshot(), added_deal(snapshot()))
    assert result.ok, result.problems
    assert {migration for migration, _line in result.allowed} == {
        upgrade_test.MIG_COMPANY_DAY
    }
    lines = [line for _migration, line in result.allowed]
    assert f"current_value of key result {ROLLUP} from 10.0 to 15.0" in lines
    assert "progress of objective obj from 10.0 to 15.0" in lines


def test_a_deal_whose_day_is_the_same_in_utc_is_not_explained_by_1_7_0():
    result = upgrade_test.compare(snapshot(), added_deal(snapshot(), shifted=False))
    assert not result.ok
    assert f"key result {KR}: current_value of key result {KR}" in "\n".join(
        result.problems
    )


def test_statuses_of_running_periods_may_change_as_1_8_0_means_not_of_closed():
    new = snapshot()
    new["key_results"][KR]["status"] = False
    new["objectives"]["obj"]["status"] = False
    result = upgrade_test.compare(snapshot(), new)
    assert result.ok
    assert result.allowed == [
        (
            upgrade_test.MIG_STATUSES,
            f"status of key result {KR} from 'on_track' to False",
        ),
        (upgrade_test.MIG_STATUSES, "status of objective obj from 'on_track' to False"),
    ]
    closed = snapshot()
    closed["objectives"]["old_obj"]["status"] = "achieved"
    assert not upgrade_test.compare(snapshot(), closed).ok


def test_ticket_key_results_are_totalled_again_by_the_helpdesk_migration():
    new = snapshot()
    new["contributions"][f"{TICKETS} | helpdesk.ticket,3 | 2026-01-01"] = {
        "key_result": TICKETS,
        "record": "helpdesk.ticket,3",
        "date": "2026-01-01",
        "value": 2.0,
        "shifted": False,
    }
    new["key_results"][TICKETS]["current_value"] = 12.0
    result = upgrade_test.compare(snapshot(), new)
    assert result.ok, result.problems
    assert {migration for migration, _line in result.allowed} == {
        upgrade_test.MIG_SOLVED_TIME
    }


def test_records_made_by_the_upgrade_are_counted_not_failed():
    new = copy.deepcopy(snapshot())
    new["key_results"]["okr_sales.okr_kr_new"] = key_result()
    result = upgrade_test.compare(snapshot(), new)
    assert result.ok and result.added["key_results"] == 1


# the rebuild


def rebuild(**changes):
    before = snapshot()
    after = copy.deepcopy(before)
    for key, value in changes.items():
        after["key_results"][key]["current_value"] = value
    return {"drift": {}, "stale": [], "before": before, "after": after}


def test_a_rebuild_equal_to_the_upgrade_passes():
    problems, key_results, contributions = upgrade_test.compare_rebuild(rebuild())
    assert problems == [] and key_results == 2 and contributions == 1


def test_a_rebuild_that_differs_fails():
    result = rebuild(**{KR: 11.0})
    del result["after"]["contributions"][f"{KR} | crm.lead,1 | 2026-01-01"]
    result["drift"] = {"7": [10.0, 11.0]}
    result["stale"] = [["okr.key.result", "has_alignment_warning", KR, "True", "False"]]
    problems, _kr, _contributions = upgrade_test.compare_rebuild(result)
    assert problems == [
        "the nightly check corrected key result id 7: 10.0 -> 11.0",
        f"okr.key.result.has_alignment_warning of {KR}: stored True, computed now"
        " False (a compute changed without a migration recomputing it)",
        f"key result {KR}: upgraded 10.0, rebuilt 11.0",
        f"contribution {KR} | crm.lead,1 | 2026-01-01: upgraded 10.0, rebuilt None",
    ]


def test_a_manual_key_result_is_not_rebuilt():
    problems, _kr, _contributions = upgrade_test.compare_rebuild(
        rebuild(**{MANUAL: 99.0})
    )
    assert problems == []
