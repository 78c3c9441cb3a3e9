"""A salesperson without survey rights sees her key results' values, never
the answers behind them."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import OkrSurveyCase


@tagged("post_install", "-at_install")
class TestSurveySecurity(OkrSurveyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_share = cls._new_survey_key_result(cls.team_objective, "score_share")
        cls.my_share = cls._new_survey_key_result(cls.my_objective, "score_share")

    def test_salesperson_without_survey_rights_sees_values_not_answers(self):
        self._new_answer(self.salesperson, 100)
        self._new_answer(self.colleague, 50)
        self._commit_point()
        lan = self.salesperson
        self.assertFalse(lan.has_group("survey.group_survey_user"))
        self.assertFalse(
            self.env["survey.user_input"].with_user(lan).has_access("read")
        )
        # the values count every answer
        self.assertEqual(self.team_share.with_user(lan).current_value, 50.0)
        self.assertEqual(self.my_share.with_user(lan).current_value, 100.0)
        # the answers behind them are not hers to read, even her own
        contributions = self.env["okr.contribution"].with_user(lan)
        self.assertFalse(
            contributions.search([("res_model", "=", "survey.user_input")])
        )
        self.assertFalse(
            contributions.search([("key_result_id", "=", self.team_share.id)])
        )
        self.assertEqual(self.team_share.with_user(lan).contribution_count, 0)
        action = self.team_share.with_user(lan).action_open_contributing_records()
        self.assertEqual(action["domain"], [("id", "in", [])])

    def test_survey_manager_sees_the_answers_behind_the_value(self):
        answer = self._new_answer(self.salesperson, 100)
        self._new_answer(self.colleague, 50)
        self._commit_point()
        contributions = (
            self.env["okr.contribution"]
            .with_user(self.survey_manager)
            .sudo(False)
            .search([("key_result_id", "=", self.my_share.id)])
        )
        self.assertEqual(contributions.mapped("res_id"), answer.ids)
        self.assertEqual(contributions.record_name, answer.display_name)

    def test_only_okr_managers_choose_the_survey_and_the_threshold(self):
        lan = self.salesperson
        other = self._new_survey("Another survey")
        mine = self.my_share.with_user(lan)
        for vals in ({"survey_id": other.id}, {"survey_score_threshold": 50.0}):
            with (
                self.assertRaisesRegex(AccessError, "Only OKR managers"),
                self.env.cr.savepoint(),  # what a refused request rolls back
            ):
                mine.write(vals)
        preset = self.env.ref("okr_sales_survey.okr_preset_survey_score_share")
        with (
            self.assertRaisesRegex(AccessError, "Only OKR managers"),
            self.env.cr.savepoint(),
        ):
            self.env["okr.key.result"].with_user(lan).create(
                {
                    "name": "My survey score",
                    "objective_id": self.my_objective.id,
                    "preset_id": preset.id,
                    "survey_id": other.id,
                    "target_value": 90.0,
                }
            )
        self.env.invalidate_all()
        # her own target stays hers
        mine.target_value = 95.0
        self.assertEqual(self.my_share.survey_id, self.survey)
        self.assertEqual(self.my_share.survey_score_threshold, 80.0)
        # a manager chooses
        self.my_share.with_user(self.director).survey_id = other
        self.assertEqual(self.my_share.survey_id, other)
