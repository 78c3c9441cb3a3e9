from odoo.tests import TransactionCase, tagged

from odoo.addons.okr_sales.tests.common import require_demo


@tagged("post_install", "-at_install")
class TestSurveyDemoData(TransactionCase):
    """The demo survey's answers drive the demo's survey key results."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_demo(cls.env, "okr_sales_survey")

    def _answers(self, key_result, **scope):
        survey = self.env.ref("okr_sales_survey.okr_survey_customer_satisfaction")
        answers = self.env["survey.user_input"].search(
            [("survey_id", "=", survey.id), ("state", "=", "done")]
        )
        return answers.filtered(
            lambda a: (
                key_result.date_start <= a.end_datetime.date() <= key_result.date_end
                and all(a[fname] == value for fname, value in scope.items())
            )
        )

    def test_demo_answers_are_invited_for_the_demo_salespeople(self):
        survey = self.env.ref("okr_sales_survey.okr_survey_customer_satisfaction")
        answers = survey.user_input_ids
        team = self.env.ref("okr_sales.okr_team_b2b_hanoi")
        self.assertEqual(set(answers.mapped("state")), {"done"})
        self.assertEqual(answers.okr_team_id, team)
        self.assertEqual(
            set(answers.okr_user_id.mapped("login")), {"lan", "hung", "ha"}
        )
        scores = answers.mapped("scoring_percentage")
        self.assertTrue(any(score >= 80 for score in scores))
        self.assertTrue(any(score < 80 for score in scores))

    def test_team_share_of_satisfied_customers_is_counted_from_the_answers(self):
        key_result = self.env.ref("okr_sales_survey.okr_kr_team_survey_satisfied")
        self.assertEqual(key_result.source, "automatic")
        self.assertEqual(key_result.scope, "team")
        self.assertFalse(key_result.computation_error)
        answers = self._answers(key_result, okr_team_id=key_result.team_id)
        satisfied = answers.filtered(lambda a: a.scoring_percentage >= 80)
        self.assertTrue(answers)
        self.assertAlmostEqual(
            key_result.current_value, 100.0 * len(satisfied) / len(answers), places=6
        )
        self.assertGreater(key_result.progress, 0)

    def test_salesperson_average_score_is_counted_from_his_answers(self):
        key_result = self.env.ref("okr_sales_survey.okr_kr_hung_survey_score")
        self.assertEqual(key_result.scope, "owner")
        self.assertFalse(key_result.computation_error)
        answers = self._answers(key_result, okr_user_id=key_result.user_id)
        self.assertTrue(answers)
        self.assertAlmostEqual(
            key_result.current_value,
            sum(answers.mapped("scoring_percentage")) / len(answers),
            places=6,
        )
