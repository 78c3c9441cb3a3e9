from datetime import timedelta

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestPipelineForecast(OkrCrmCase):
    """The forecast of a revenue key result: what is won, plus the open
    opportunities expected in the period, weighted by probability."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.my_revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", scope="owner", target_value=3000.0
        )
        cls.team_b2b = cls._new_auto_key_result(
            cls.team_objective, "b2b_won_revenue", scope="team", target_value=3000.0
        )
        cls.in_period = cls.period_end - timedelta(days=3)

    def _open(self, amount, probability, deadline=None, **vals):
        return self._new_deal(
            amount=amount,
            probability=probability,
            date_deadline=deadline or self.in_period,
            **vals,
        )

    def test_forecast_equals_a_hand_computation(self):
        won = self._new_deal(amount=1000.0)
        won.action_set_won()
        pipeline = [
            self._open(800.0, 50.0),
            self._open(400.0, 25.0, partner=self.customer_person),
            self._open(2000.0, 10.0, deadline=self.period_start),
        ]
        # Not in the forecast: expected after the period, someone else's,
        # lost, a lead (not an opportunity).
        self._open(5000.0, 90.0, deadline=self.period_end + timedelta(days=1))
        self._open(7000.0, 90.0, user_id=self.colleague.id)
        lost = self._open(6000.0, 60.0)
        lost.action_set_lost()
        self._open(9000.0, 70.0, type="lead")
        self._commit_point()
        # By hand: 1000 won + 800 x 0.5 + 400 x 0.25 + 2000 x 0.1.
        expected = 1000.0 + 400.0 + 100.0 + 200.0
        self.assertAlmostEqual(self.my_revenue.current_value, 1000.0)
        self.assertAlmostEqual(self.my_revenue.forecast_value, expected)
        self.assertEqual(self.my_revenue.forecast_count, len(pipeline))
        self.assertAlmostEqual(
            self.my_revenue.forecast_progress, 100.0 * expected / 3000, places=1
        )
        self.assertIn("57%", self.my_revenue.forecast_summary)
        # beside its "Forecast" label: not "Forecast: Forecast: ..."
        self.assertFalse(self.my_revenue.forecast_summary.startswith("Forecast"))
        # The team's B2B revenue: its rule keeps companies' deals only.
        self.assertAlmostEqual(
            self.team_b2b.forecast_value, 1000.0 + 400.0 + 200.0 + 6300.0
        )

    def test_forecast_follows_the_pipeline_at_once(self):
        deal = self._open(1000.0, 30.0)
        self.assertAlmostEqual(self.my_revenue.forecast_value, 300.0)
        deal.probability = 80.0
        self.my_revenue.invalidate_recordset(["forecast_value"])
        self.assertAlmostEqual(self.my_revenue.forecast_value, 800.0)
        deal.action_set_won()
        self._commit_point()
        self.my_revenue.invalidate_recordset(["forecast_value"])
        # Won: counted once, in the value, not also in the pipeline.
        self.assertAlmostEqual(self.my_revenue.current_value, 1000.0)
        self.assertAlmostEqual(self.my_revenue.forecast_value, 1000.0)

    def test_the_opportunities_behind_it_in_one_click(self):
        mine = self._open(100.0, 50.0)
        colleagues = self._open(100.0, 50.0, user_id=self.colleague.id)
        action = self.my_revenue.action_open_forecast()
        self.assertEqual(action["res_model"], "crm.lead")
        leads = self.env["crm.lead"].search(action["domain"])
        self.assertEqual(leads, mine)
        # The team's, opened by a salesperson, show only what she may read.
        team_key_result = self._new_auto_key_result(
            self.team_objective, "won_revenue", scope="team"
        )
        action = team_key_result.with_user(self.salesperson).action_open_forecast()
        shown = self.env["crm.lead"].search(action["domain"])
        self.assertIn(mine, shown)
        self.assertNotIn(colleagues, shown)
        self.assertEqual(team_key_result.forecast_count, 2)

    def test_no_forecast_without_a_pipeline(self):
        days = self._new_auto_key_result(
            self.department, "days_to_close", scope="company", baseline_value=30
        )
        self.assertFalse(days.forecast_summary)
        self.assertFalse(days.action_open_forecast())
        with self.assertRaises(ValidationError) as caught:
            days.forecast_domain = "[('won_status', '=', 'pending')]"
        self.assertIn("Open Pipeline", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.my_revenue.forecast_domain = "[('no_such_field', '=', 1)]"
        self.assertIn("Open Pipeline", str(caught.exception))
        # A forecast that no longer applies (the measure changed) is not shown.
        self.my_revenue.measure = "average"
        self.assertFalse(self.my_revenue.forecast_summary)

    def test_a_pipeline_covering_the_target_keeps_it_on_track(self):
        # A key result whose period is almost over, whatever today's date.
        today = self.env["okr.key.result"]._okr_today()
        key_result = self._new_auto_key_result(
            self.my_objective,
            "won_revenue",
            scope="owner",
            target_value=3000.0,
            date_start=self.period_start,
            date_end=min(today + timedelta(days=1), self.period_end),
        )
        self._new_deal(amount=100.0).action_set_won()
        self._commit_point()
        self.assertIn(key_result.status, ("at_risk", "off_track"))
        # Open opportunities expected in it: 100 + 5800 x 50% = 3000.
        self._open(5800.0, 50.0, deadline=today)
        self.env["okr.objective"]._cron_refresh_status()
        key_result.invalidate_recordset(["status"])
        self.assertAlmostEqual(key_result.forecast_value, 3000.0)
        self.assertEqual(key_result.status, "on_track")

    def test_the_open_pipeline_rule_is_the_managers(self):
        rule = self.my_revenue.forecast_domain
        with self.assertRaises(AccessError):
            self.my_revenue.with_user(
                self.salesperson
            ).forecast_domain = "[('won_status', '=', 'pending')]"
        with self.assertRaises(AccessError):
            self.env["okr.key.result"].with_user(self.salesperson).create(
                {
                    "name": "My pipeline",
                    "objective_id": self.my_objective.id,
                    "preset_id": self.env.ref("okr_sales.okr_preset_won_revenue").id,
                    "target_value": 10.0,
                    "forecast_domain": "[('won_status', '=', 'pending')]",
                }
            )
        self.assertEqual(self.my_revenue.forecast_domain, rule)

    def test_a_checkin_cannot_write_through_to_its_key_result(self):
        key_result = self._new_key_result(self.my_objective, name="Calls")
        checkins = self.env["okr.checkin"].with_user(self.salesperson)
        for fname in ("key_result_target", "key_result_value"):
            with self.assertRaises(AccessError):
                checkins.create(
                    {"key_result_id": key_result.id, "value": 10.0, fname: 1.0}
                )
        checkin = checkins.create({"key_result_id": key_result.id, "value": 10.0})
        self.assertEqual(checkin.key_result_target, 100.0)
        self.assertEqual(key_result.target_value, 100.0)
        self.assertEqual(key_result.current_value, 10.0)
