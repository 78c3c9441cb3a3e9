import logging
from contextlib import contextmanager
from unittest.mock import patch

from odoo import sql_db
from odoo.tests import tagged
from odoo.tools import format_amount, html2plaintext

from ..engine.engine import ProgressEngine
from ..engine.pg import PreparedStatements
from .common import OkrCrmCase, skip_or_fail

# The model writes and logs what the engine returns, errors included.
ENGINE_GLUE = "odoo.addons.okr_sales.models.okr_key_result_engine"
# A deal's name no rule of the tests reads: marks a rule whose contribution
# statement fails when it runs (see ``_failing_statements``).
FAILING_MARK = "okr-failing-statement"


@tagged("post_install", "-at_install")
class TestEngineFaults(OkrCrmCase):
    """A CRM user is never blocked by an OKR problem; nothing is lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", scope="owner"
        )

    def _break_rule(self, key_result):
        # As after an uninstall removed a field the rule names: the stored
        # definition is no longer valid, whatever the form had checked.
        self.env.cr.execute(
            "UPDATE okr_key_result SET source_domain = %s WHERE id = %s",
            ("[('x_removed_field', '=', 1)]", key_result.id),
        )
        key_result.invalidate_recordset(["source_domain"])
        self.env.registry.clear_cache()

    def test_failure_is_recorded_and_the_deal_is_still_won(self):
        self._break_rule(self.revenue)
        deal = self._new_deal(amount=60.0)
        with self.assertLogs(ENGINE_GLUE, logging.ERROR):
            deal.action_set_won()
            self._commit_point()
        self.assertEqual(deal.won_status, "won")
        self.assertIn("x_removed_field", self.revenue.computation_error)
        self.assertEqual(self.revenue.current_value, 0.0)
        # Fixed by a manager: the rebuild counts the deal, the error is gone.
        self.revenue.source_domain = "[('won_status', '=', 'won')]"
        self._commit_point()
        self.assertFalse(self.revenue.computation_error)
        self.assertEqual(self.revenue.current_value, 60.0)

    def test_a_broken_key_result_does_not_stop_the_others(self):
        team_revenue = self._new_auto_key_result(
            self.team_objective, "won_revenue", scope="team"
        )
        self._break_rule(self.revenue)
        with self.assertLogs(ENGINE_GLUE, logging.ERROR):
            self._new_deal(amount=60.0).action_set_won()
            self._commit_point()
        self.assertEqual(team_revenue.current_value, 60.0)

    def test_a_write_on_many_deals_is_processed_once(self):
        team_revenue = self._new_auto_key_result(
            self.team_objective, "won_revenue", scope="team"
        )
        deals = self.env["crm.lead"].browse(
            [self._new_deal(amount=10.0).id for _i in range(20)]
        )
        self._commit_point()
        with self._engine_passes() as calls:
            for deal in deals:
                deal.action_set_won()
            deals.write({"expected_revenue": 20.0})
            self._commit_point()
        self.assertEqual(calls, [("crm.lead", 20)])
        self.assertEqual(team_revenue.current_value, 400.0)
        self.assertEqual(self.revenue.current_value, 400.0)

    def test_recompute_corrects_and_reports_drift(self):
        deal = self._new_deal(amount=100.0)
        deal.action_set_won()
        self._commit_point()
        # A change no ORM hook sees (raw SQL, as Odoo's probability cron does).
        self.env.cr.execute(
            "UPDATE crm_lead SET expected_revenue = 130 WHERE id = %s", (deal.id,)
        )
        with self.assertLogs(
            "odoo.addons.okr_sales.models.okr_key_result_engine", "WARNING"
        ):
            self.revenue.action_recompute()
        self.assertEqual(self.revenue.current_value, 130.0)
        # in the key result's currency, every digit, as Odoo writes amounts
        currency = self.revenue.currency_id
        self.assertIn(
            f"corrected the value from {format_amount(self.env, 100, currency)} to "
            f"{format_amount(self.env, 130, currency)}",
            html2plaintext(self.revenue.message_ids[0].body),
        )

    def test_nightly_recompute_finds_nothing_to_correct(self):
        for amount in (10.0, 20.0, 30.0):
            self._new_deal(amount=amount).action_set_won()
        self._commit_point()
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute(self.revenue.ids),
            "incremental updates agree with a full recompute",
        )
        self.env["okr.key.result"]._cron_recompute_all()
        self.assertEqual(self.revenue.current_value, 60.0)

    def test_recompute_corrects_drift_of_each_scope_and_leaves_the_rest(self):
        # Three key results of one rule at three scopes: totalled by one
        # grouped query, each compared with what it stores.
        team_revenue = self._new_auto_key_result(
            self.team_objective, "won_revenue", scope="team"
        )
        company_revenue = self._new_auto_key_result(
            self.department, "won_revenue", scope="company"
        )
        all_three = self.revenue | team_revenue | company_revenue
        for amount in (10.0, 20.0):
            self._new_deal(amount=amount).action_set_won()
        self._new_deal(amount=5.0, user=self.leader).action_set_won()
        self._commit_point()
        self.assertEqual(all_three.mapped("current_value"), [30.0, 35.0, 35.0])
        contributions = self.env["okr.contribution"].search(
            [("key_result_id", "in", all_three.ids)]
        )
        with patch.object(
            ProgressEngine,
            "_family_totals",
            autospec=True,
            side_effect=ProgressEngine._family_totals,
        ) as grouped:
            self.assertFalse(self.env["okr.key.result"]._okr_recompute(all_three.ids))
        self.assertEqual(grouped.call_count, 1, "one grouped query for the three")
        self.assertEqual(
            contributions,
            contributions.exists(),
            "a recompute that finds nothing to correct rewrites nothing",
        )
        others = contributions.filtered(lambda c: c.key_result_id != team_revenue)
        # Drift: raw SQL behind the engine's back on the team's totals.
        self.env.cr.execute(
            "UPDATE okr_key_result_period SET value_sum = 1.0, value = 1.0"
            " WHERE key_result_id = %s",
            (team_revenue.id,),
        )
        self.env.cr.execute(
            "UPDATE okr_key_result SET current_value = 1.0 WHERE id = %s",
            (team_revenue.id,),
        )
        all_three.invalidate_recordset()
        drift = self.env["okr.key.result"]._okr_recompute(all_three.ids)
        self.assertEqual(drift, {team_revenue.id: (1.0, 35.0)})
        self.assertEqual(all_three.mapped("current_value"), [30.0, 35.0, 35.0])
        self.assertEqual(others.exists(), others, "the others were left alone")

    def test_an_unexpected_failure_queues_the_deal_and_loses_nothing(self):
        deal = self._new_deal(amount=40.0)
        self._commit_point()
        with (
            patch.object(
                ProgressEngine, "fold_totals", side_effect=RuntimeError("disk full")
            ),
            self.assertLogs(
                "odoo.addons.okr_sales.models.okr_key_result_engine", "ERROR"
            ),
        ):
            deal.action_set_won()
            self._commit_point()
        self.assertEqual(deal.won_status, "won")
        self.assertEqual(self.revenue.current_value, 0.0)
        self.assertEqual(
            self.env["okr.pending.change"].search([]).mapped("res_ids"), [[deal.id]]
        )
        self.env["okr.key.result"]._cron_fold_pending()
        self.assertEqual(self.revenue.current_value, 40.0)
        self.assertFalse(self.env["okr.pending.change"].search([]))

    @contextmanager
    def _failing_statements(self, times=None):
        """Contribution statements of rules naming ``FAILING_MARK`` fail in
        PostgreSQL when they run (aborting the transaction up to the last
        savepoint), every time or the first ``times`` times."""
        original = PreparedStatements.execute
        failures = []

        def execute(prepared, name, prepare, record_ids):
            if FAILING_MARK in repr(prepare.params) and (
                times is None or len(failures) < times
            ):
                failures.append(name)
                prepared.cr.execute("SELECT 1 / 0", log_exceptions=False)
            return original(prepared, name, prepare, record_ids)

        with patch.object(PreparedStatements, "execute", execute):
            yield failures

    def _new_marked_key_result(self):
        """The team's won revenue, by a rule naming ``FAILING_MARK``."""
        marked = self._new_auto_key_result(
            self.team_objective, "won_revenue", scope="team"
        )
        marked.source_domain = (
            f"['&', ('won_status', '=', 'won'), ('name', '!=', '{FAILING_MARK}')]"
        )
        self._commit_point()
        self.assertFalse(marked.computation_error)
        return marked

    def test_a_rule_failing_in_the_shared_statement_is_isolated(self):
        # One statement evaluates both rules: it fails, the run starts again
        # with one savepoint per key result, and only the failing one fails.
        marked = self._new_marked_key_result()
        deal = self._new_deal(amount=60.0)
        self._commit_point()
        with (
            self._failing_statements() as failures,
            self.assertLogs(ENGINE_GLUE, logging.ERROR),
        ):
            deal.action_set_won()
            self._commit_point()
        self.assertEqual(len(failures), 2, "the shared statement, then its own")
        self.assertEqual(deal.won_status, "won")
        self.assertEqual(self.revenue.current_value, 60.0)
        self.assertFalse(self.revenue.computation_error)
        self.assertEqual(marked.current_value, 0.0)
        self.assertIn("division by zero", marked.computation_error)
        self.assertFalse(self.env["okr.pending.change"].search([]))

    def test_a_shared_statement_failing_once_loses_nothing(self):
        marked = self._new_marked_key_result()
        deal = self._new_deal(amount=60.0)
        self._commit_point()
        with self._failing_statements(times=1) as failures:
            deal.action_set_won()
            self._commit_point()
        self.assertEqual(len(failures), 1)
        self.assertEqual((self.revenue | marked).mapped("current_value"), [60.0, 60.0])
        self.assertFalse((self.revenue | marked).filtered("computation_error"))
        self.assertFalse(self.env["okr.pending.change"].search([]))

    def test_a_busy_objective_defers_the_deal(self):
        # The engine locks the key results' objectives with them (the
        # objective's progress moves too): another transaction holding one
        # sends the deal's records after the commit, as a busy key result
        # does. The objective must be committed to be held elsewhere; KEY
        # SHARE lets this transaction write it, not lock it for update.
        self.env.cr.execute(
            "SELECT min(id) FROM okr_objective WHERE create_date < now()"
        )
        objective = self.env["okr.objective"].browse(self.env.cr.fetchone()[0])
        if not objective:
            skip_or_fail("no committed objective to hold (demo data)")
        self.env.cr.execute("SET LOCAL lock_timeout = '10s'")
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SET lock_timeout = '10s'")
            other.execute(
                "SELECT id FROM okr_objective WHERE id = %s FOR KEY SHARE",
                [objective.id],
            )
            key_result = self._new_auto_key_result(
                objective, "won_revenue", scope="company"
            )
            deal = self._new_deal(
                amount=40.0,
                user=self.env.user,
                team_id=False,
                company_id=objective.company_id.id,
            )
            deal.action_set_won()
            self._commit_point()
            other.rollback()
        self.assertEqual(deal.won_status, "won")
        self.assertEqual(
            self.env["okr.pending.change"].search([]).mapped("res_ids"), [[deal.id]]
        )
        contributions = self.env["okr.contribution"].search(
            [("key_result_id", "=", key_result.id)]
        )
        self.assertNotIn(deal.id, contributions.mapped("res_id"))
        self.env["okr.key.result"]._cron_fold_pending()
        self.assertFalse(self.env["okr.pending.change"].search([]))
        self.assertFalse(self._recomputed_values(key_result))
