from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import OkrCrmCase


class PeriodCloseCase(OkrCrmCase):
    """A quarter to close: Lan's revenue rolled up into the team's, and her
    calls weighing three times as much."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_revenue = cls._new_rollup(
            cls.team_objective, name="Team revenue", target_value=2000.0
        )
        cls.my_revenue = cls._new_auto_key_result(
            cls.my_objective,
            "won_revenue",
            name="Lan's revenue",
            scope="owner",
            parent_id=cls.team_revenue.id,
        )
        cls.my_calls = cls._new_key_result(
            cls.my_objective, name="Calls", unit="number", weight=3.0
        )


@tagged("post_install", "-at_install")
class TestPeriodClose(PeriodCloseCase):
    """The end of a quarter: scores, frozen values, archived objectives, the
    next quarter prepared and its reviews scheduled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reviews = cls._new_auto_key_result(
            cls.team_objective,
            "reviews_done",
            name="Review each salesperson",
            user_id=cls.leader.id,
            scope="owner",
            target_value=2.0,
        )

    def _wizard(self, **values):
        form = Form(self.env["okr.period.close"])
        form.date_start = self.period_start
        form.date_end = self.period_end
        # The test's own cascade, not the demo's objectives of the year.
        form.objective_ids.clear()
        for objective in self.department | self.team_objective | self.my_objective:
            form.objective_ids.add(objective)
        for fname, value in values.items():
            setattr(form, fname, value)
        return form.save()

    def test_closing_scores_freezes_and_prepares_the_next_period(self):
        self._new_deal(amount=500.0).action_set_won()
        self._check_in(self.my_calls, 70.0)
        self._commit_point()
        wizard = self._wizard()
        self.assertIn(self.my_objective, wizard.objective_ids)
        line = wizard.line_ids.filtered(
            lambda line: line.key_result_id == self.my_revenue
        )
        line.next_target_value = 1500.0
        wizard.action_close()
        self._commit_point()

        # Scores: the progress on the last day, 0.0 to 1.0; the objective's
        # weighted by the key results' weights (1 and 3).
        self.assertAlmostEqual(self.my_revenue.closing_score, 0.5)
        self.assertAlmostEqual(self.my_calls.closing_score, 0.7)
        self.assertAlmostEqual(self.my_objective.closing_score, (0.5 + 3 * 0.7) / 4)
        self.assertAlmostEqual(self.team_revenue.closing_score, 0.25)
        # Archived, and frozen: a deal won afterwards moves none of them.
        self.assertFalse(self.my_objective.active)
        self._new_deal(amount=300.0).action_set_won()
        self._commit_point()
        self.assertAlmostEqual(self.my_revenue.current_value, 500.0)
        self.assertAlmostEqual(self.team_revenue.current_value, 500.0)

        # The next period: copies with their new dates and targets.
        next_start = self.period_end + relativedelta(days=1)
        copies = self.env["okr.objective"].search(
            [("date_start", "=", next_start), ("name", "=", self.my_objective.name)]
        )
        self.assertEqual(len(copies), 1)
        new_objective = copies
        self.assertEqual(
            new_objective.date_end, self.period_end + relativedelta(years=1)
        )
        self.assertEqual(new_objective.parent_id.date_start, next_start)
        self.assertEqual(new_objective.parent_id.name, self.team_objective.name)
        new_revenue = new_objective.key_result_ids.filtered(
            lambda kr: kr.name == "Lan's revenue"
        )
        self.assertEqual(new_revenue.target_value, 1500.0)
        self.assertEqual(new_revenue.preset_id, self.my_revenue.preset_id)
        self.assertEqual(new_revenue.source_model, "crm.lead")
        self.assertEqual(new_revenue.measure_field_id, self.my_revenue.measure_field_id)
        self.assertEqual(new_revenue.scope, "owner")
        self.assertEqual(new_revenue.user_id, self.salesperson)
        self.assertAlmostEqual(new_revenue.current_value, 0.0)
        self.assertFalse(new_revenue.closing_score)
        # Alignment kept, to the copies: the new team sum takes the new revenue.
        new_team_revenue = new_revenue.parent_id
        self.assertEqual(new_team_revenue.objective_id, new_objective.parent_id)
        self.assertEqual(new_team_revenue.source, "rollup")
        new_calls = new_objective.key_result_ids - new_revenue
        self.assertEqual(new_calls.target_value, self.my_calls.target_value)
        self.assertAlmostEqual(new_calls.current_value, new_calls.baseline_value)

        # The next review, for Lan's team leader, due at the period's end.
        review = new_objective.activity_ids
        self.assertEqual(len(review), 1)
        self.assertEqual(review.user_id, self.leader)
        self.assertEqual(review.date_deadline, new_objective.date_end)
        self.assertEqual(
            review.activity_type_id,
            self.env.ref("okr_sales.mail_activity_type_okr_review"),
        )

    def test_a_done_review_counts_for_the_team_leader(self):
        self.my_objective._okr_schedule_review(self.period_end)
        review = self.my_objective.activity_ids
        self.assertEqual(review.user_id, self.leader)
        review.with_user(self.leader).action_done()
        self._commit_point()
        self.assertAlmostEqual(self.reviews.current_value, 1.0)

    def test_only_managers_close_a_period(self):
        with self.assertRaises(AccessError):
            self.env["okr.period.close"].with_user(self.leader).create(
                {"date_start": self.period_start, "date_end": self.period_end}
            )
        wizard = self._wizard()
        with self.assertRaises(AccessError):
            wizard.with_user(self.leader).action_close()
        self.assertTrue(self.my_objective.active)
