"""The statement budget of the deal's transaction (issue #23).

A CRM operation and its commit point (the engine runs in a precommit
callback) cost SQL statements, counted as Odoo's ``assertQueryCount`` does
(``cr.sql_log_count``). The same operation is measured three times, on the
second deal of the day (the first one warms the caches):

- crm alone: a deal of a company without key results, okr_sales's hooks
  switched off (nothing followed, no won-deal note): the reference;
- unread: the same deal with okr_sales on: no key result reads it, but the
  engine looks for those that might;
- counted: a deal of the test company, which the seed's key results count.

``counted - crm alone`` is what okr_sales adds to the deal's transaction. A
feature that adds a statement to the hot path fails here: lower a budget
when a change saves statements, never raise it without saying why in the
commit.
"""

from contextlib import contextmanager, nullcontext
from datetime import timedelta
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from ..models.base import Base
from .common import QUIET_CONTEXT, OkrCrmCase

# Issue #23's target: a win adds at most 15 statements to crm's, whatever
# the number of key results. MISSED today: the budgets are today's counts
# (crm alone: a win 26 statements, a reassign 45). The engine's own part of
# a win is 9 of them (a savepoint and its release, stored contributions,
# record facts, the locks with the planner settings, one contribution
# statement, contributions written, buckets folded, values read): the rest
# is the model's reactions.
TARGET_WIN_ADDED = 15
WIN_ADDED = 30
# The statuses behind pace ask the pipeline forecast in one statement
# (``_okr_forecasts``), and the contributions of all of a model's rules are
# one statement: what grows with the key results is per step.
WIN_ADDED_5X = 30
# The same at 1x and 5x: an open deal reassigned moves no revenue, so no
# status asks the forecast again.
REASSIGN_ADDED = 8
# A deal no key result counts: the engine's look-up of those that might
# (the won-deal notification reads nothing: the engine counted nothing).
WIN_UNREAD_ADDED = 5
REASSIGN_UNREAD_ADDED = 3

# The seed's automatic key results: (preset, objective attribute, scope).
SEED_KEY_RESULTS = [
    (preset, objective, scope)
    for preset in ("won_revenue", "lead_conversion_rate", "days_to_close")
    for objective, scope in (
        ("my_objective", "owner"),
        ("team_objective", "team"),
        ("department", "company"),
    )
]
# Values that keep each key result's status where it is, whatever the day
# the test runs (the period is placed around today): revenue and
# conversion off track (conversion over many open deals), days to close
# achieved (deals won the day they are created).
SEED_VALUES = {
    "won_revenue": {"baseline_value": 0.0, "target_value": 1e6},
    "lead_conversion_rate": {"baseline_value": 0.0, "target_value": 100.0},
    "days_to_close": {"baseline_value": 30.0, "target_value": 10.0},
}
OPEN_DEALS = 30

# A new request's context: tracking on, as a salesperson's write has it.
REQUEST_CONTEXT = dict.fromkeys(QUIET_CONTEXT, False)


class StatementBudgetCase(OkrCrmCase):
    """The test company with the seed's key results, and a reference company
    without: the same people and team, whose deals nothing counts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Today is day 31 of 60: the pace a status compares with is the
        # same whatever the day.
        today = cls.env["okr.key.result"]._okr_today()
        (cls.department | cls.team_objective | cls.my_objective).write(
            {
                "date_start": today - timedelta(days=30),
                "date_end": today + timedelta(days=29),
            }
        )
        cls.reference_company = cls.env["res.company"].create(
            {
                "name": "OKR Reference Company",
                "currency_id": cls.env.company.currency_id.id,
            }
        )
        cls.env.user.company_ids |= cls.reference_company
        cls.reference_leader = cls._new_reference_user(
            "okr_ref_leader", "sale_salesman_all_leads"
        )
        cls.reference_salesperson = cls._new_reference_user(
            "okr_ref_lan", "sale_salesman"
        )
        cls.reference_colleague = cls._new_reference_user(
            "okr_ref_hung", "sale_salesman"
        )
        cls.reference_team = cls.env["crm.team"].create(
            {
                "name": "OKR Reference Team",
                "company_id": cls.reference_company.id,
                "user_id": cls.reference_leader.id,
                "member_ids": [
                    Command.link(cls.reference_salesperson.id),
                    Command.link(cls.reference_colleague.id),
                ],
            }
        )
        cls.env["crm.lead"].create(
            [cls._deal_values(cls.company, cls.team, cls.salesperson)] * OPEN_DEALS
        )
        cls.revenue_key_results = cls._new_key_results(1)

    @classmethod
    def _new_reference_user(cls, login, sales_group):
        return new_test_user(
            cls.env,
            login=login,
            name=login,
            groups=f"base.group_user,sales_team.group_{sales_group}",
            company_id=cls.reference_company.id,
            company_ids=[cls.reference_company.id],
        )

    @classmethod
    def _new_key_results(cls, copies):
        """``copies`` times the seed's set: revenue, conversion and days to
        close at salesperson, team and company scope, and a roll-up of the
        salesperson's revenue on the team's objective. Returns the won
        revenue key results."""
        revenue = cls.env["okr.key.result"]
        for _copy in range(copies):
            for preset, objective, scope in SEED_KEY_RESULTS:
                key_result = cls._new_auto_key_result(
                    getattr(cls, objective), preset, scope=scope, **SEED_VALUES[preset]
                )
                if preset == "won_revenue":
                    revenue |= key_result
                if (preset, scope) == ("won_revenue", "owner"):
                    salesperson_revenue = key_result
            cls._new_rollup(
                cls.team_objective, children=salesperson_revenue, target_value=1e6
            )
        cls.env.cr.flush()
        return revenue

    @classmethod
    def _deal_values(cls, company, team, user):
        return {
            "name": "Deal",
            "type": "opportunity",
            "user_id": user.id,
            "team_id": team.id,
            "expected_revenue": 1000.0,
            "partner_id": cls.customer_company.id,
            "stage_id": cls.open_stage.id,
            "company_id": company.id,
        }

    # ------------------------------------------------------------------
    # Counting
    # ------------------------------------------------------------------

    def _statements(self, operation):
        """Statements of ``operation()`` and of the commit point after it,
        read as a new request would (record cache empty, caches warm)."""
        self.env.cr.flush()
        self.env.invalidate_all()
        # A request is a new transaction: what okr_sales keeps until the
        # commit (the key results moved, the roll-up tree changed by the
        # test's set-up, the bus row written) starts empty, as in production.
        postcommit = self.env.cr.postcommit.data
        for key in [key for key in postcommit if key.startswith("okr_sales.")]:
            del postcommit[key]
        before = self.env.cr.sql_log_count
        operation()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    @contextmanager
    def _okr_sales_off(self):
        """okr_sales's hooks switched off (also in the flush of the commit
        point, which runs in the test's environment): what crm alone costs."""
        key_result = type(self.env["okr.key.result"])
        with (
            patch.object(Base, "_okr_tracking", lambda self: False),
            patch.object(key_result, "_okr_note_won_deals", lambda self, leads: None),
        ):
            yield

    def _measure(self, operation, new_record, counted=True, alone=False):
        """Statements of ``operation(record, counted)`` on the
        second of two records from ``new_record(counted)``: the first warms
        the caches, as an earlier deal of the day did."""
        warm_up, record = new_record(counted), new_record(counted)
        with self._okr_sales_off() if alone else nullcontext():
            self._statements(lambda: operation(warm_up, counted))
            return self._statements(lambda: operation(record, counted))

    def _costs(self, operation, new_record=None):
        """``{"alone": n, "unread": n, "counted": n}`` statements of
        ``operation``: crm alone, okr_sales on a record no key result
        counts, on one they count."""
        new_record = new_record or self._new_open_deal
        return {
            "alone": self._measure(operation, new_record, counted=False, alone=True),
            "unread": self._measure(operation, new_record, counted=False),
            "counted": self._measure(operation, new_record),
        }

    def _assert_budget(self, costs, added, unread_added, target=None):
        """What okr_sales adds: at most ``added`` statements on a counted
        record and ``unread_added`` on an unread one. Fewer is progress:
        lower the budget in the same change."""
        measured = {
            "added": costs["counted"] - costs["alone"],
            "unread added": costs["unread"] - costs["alone"],
        }
        message = f"statements: {costs}, okr_sales adds {measured}"
        if target is not None:
            message += f"; issue #23's target: at most {target} added"
        self.assertLessEqual(measured["added"], added, message)
        self.assertLessEqual(measured["unread added"], unread_added, message)

    # ------------------------------------------------------------------
    # The operations, as the people who do them
    # ------------------------------------------------------------------

    def _new_open_deal(self, counted):
        if counted:
            values = self._deal_values(self.company, self.team, self.salesperson)
        else:
            values = self._deal_values(
                self.reference_company, self.reference_team, self.reference_salesperson
            )
        return self.env["crm.lead"].create(values)

    def _people(self, counted):
        """``(company, salesperson, leader, colleague)``."""
        if counted:
            return self.company, self.salesperson, self.leader, self.colleague
        return (
            self.reference_company,
            self.reference_salesperson,
            self.reference_leader,
            self.reference_colleague,
        )

    def _as(self, record, user, company):
        return record.with_user(user).with_context(
            allowed_company_ids=[company.id], **REQUEST_CONTEXT
        )

    def _win(self, deal, counted):
        company, salesperson, _leader, _colleague = self._people(counted)
        self._as(deal, salesperson, company).action_set_won()

    def _reassign(self, deal, counted):
        company, _salesperson, leader, colleague = self._people(counted)
        self._as(deal, leader, company).user_id = colleague

    def _write_unread(self, deal, counted):
        company, salesperson, _leader, _colleague = self._people(counted)
        self._as(deal, salesperson, company).write(
            {"description": "<p>Called back: a quote next week.</p>", "priority": "2"}
        )


@tagged("post_install", "-at_install")
class TestStatementBudget(StatementBudgetCase):
    def _assert_wins_counted(self):
        """The path measured is the engine's: the two deals won (the warm-up
        and the measured one) moved every won-revenue key result."""
        self.env.invalidate_all()
        self.assertEqual(
            set(self.revenue_key_results.mapped("current_value")), {2000.0}
        )

    def test_a_win_adds_its_budget(self):
        costs = self._costs(self._win)
        self._assert_wins_counted()
        self._assert_budget(costs, WIN_ADDED, WIN_UNREAD_ADDED, TARGET_WIN_ADDED)

    def test_a_win_with_five_times_the_key_results(self):
        self.revenue_key_results |= self._new_key_results(4)
        costs = self._costs(self._win)
        self.assertEqual(len(self.revenue_key_results), 15)
        self._assert_wins_counted()
        self._assert_budget(costs, WIN_ADDED_5X, WIN_UNREAD_ADDED, TARGET_WIN_ADDED)

    def test_a_reassign_adds_its_budget(self):
        self._assert_budget(
            self._costs(self._reassign), REASSIGN_ADDED, REASSIGN_UNREAD_ADDED
        )

    def test_a_reassign_with_five_times_the_key_results(self):
        self._new_key_results(4)
        self._assert_budget(
            self._costs(self._reassign), REASSIGN_ADDED, REASSIGN_UNREAD_ADDED
        )

    def test_first_time_counts_cost_the_same_however_many(self):
        """New customers at salesperson, team and company scope, then five
        times as many: a deal won today widens no "first time ever" count
        (only a record dated before the period can), so none of them costs
        a statement of its own."""

        def new_first_time_key_results(copies):
            for _copy in range(copies):
                for _preset, objective, scope in SEED_KEY_RESULTS[:3]:
                    self._new_auto_key_result(
                        getattr(self, objective), "new_customers", scope=scope
                    )

        new_first_time_key_results(1)
        once = self._costs(self._win)
        new_first_time_key_results(4)
        five_times = self._costs(self._win)
        self.assertLessEqual(five_times["counted"], once["counted"], (once, five_times))

    def test_a_write_no_rule_reads_adds_nothing(self):
        self._assert_budget(self._costs(self._write_unread), 0, 0)
