"""A customer answers the satisfaction survey she was invited to for her
salesperson: his key results, and his team's, move in the same transaction."""

from odoo.tests import tagged

from .common import OkrSurveyCase


@tagged("post_install", "-at_install")
class TestSurveyKeyResults(OkrSurveyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_survey_key_result
        cls.my_share = new(cls.my_objective, "score_share")
        cls.colleague_share = new(cls.colleague_objective, "score_share")
        cls.team_share = new(cls.team_objective, "score_share")
        cls.my_average = new(cls.my_objective, "average_score")
        cls.team_average = new(cls.team_objective, "average_score")
        cls.company_average = new(cls.department, "average_score")
        cls.key_results = (
            cls.my_share
            | cls.colleague_share
            | cls.team_share
            | cls.my_average
            | cls.team_average
            | cls.company_average
        )

    def _assert_hand_counts(self):
        """Every key result equals a count made by hand from the answers,
        and a rebuild from scratch finds nothing to correct."""
        mine = self._answers(user=self.salesperson)
        colleague = self._answers(user=self.colleague)
        team = self._answers(team=self.team)
        expected = {
            self.my_share: self._hand_share(mine),
            self.colleague_share: self._hand_share(colleague),
            self.team_share: self._hand_share(team),
            self.my_average: self._hand_average(mine),
            self.team_average: self._hand_average(team),
            self.company_average: self._hand_average(self._answers()),
        }
        for key_result, value in expected.items():
            with self.subTest(key_result=key_result.name, scope=key_result.scope):
                # no answers: an average or a share has no value, the
                # key result stays at its baseline
                self.assertAlmostEqual(
                    key_result.current_value,
                    key_result.baseline_value if value is None else value,
                    places=6,
                )
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute(self.key_results.ids),
            "a full recompute finds nothing to correct",
        )

    def test_key_results_use_the_scope_fields_of_the_answers(self):
        self.assertEqual(self.my_share.scope, "owner")
        self.assertEqual(self.team_share.scope, "team")
        self.assertEqual(self.company_average.scope, "company")
        self.assertFalse(self.key_results.filtered("computation_error"))

    def test_answers_of_two_salespeople_move_theirs_and_the_team_key_results(self):
        self._new_answer(self.salesperson, 100)
        self._new_answer(self.salesperson, 50)
        self._new_answer(self.colleague, 80)
        self._commit_point()
        # by hand: Lan 1 of 2 at 80% or more, Hung 1 of 1, the team 2 of 3
        self.assertEqual(self.my_share.current_value, 50.0)
        self.assertEqual(self.colleague_share.current_value, 100.0)
        self.assertAlmostEqual(self.team_share.current_value, 200.0 / 3, places=6)
        self.assertEqual(self.my_average.current_value, 75.0)
        self.assertAlmostEqual(self.team_average.current_value, 230.0 / 3, places=6)
        self._assert_hand_counts()

    def test_a_score_at_the_threshold_is_a_success(self):
        self._new_answer(self.salesperson, 80)
        self._new_answer(self.salesperson, 50)
        self._commit_point()
        self.assertEqual(self.my_share.current_value, 50.0)
        self.my_share.survey_score_threshold = 50.0
        self._commit_point()
        self.assertEqual(self.my_share.current_value, 100.0)
        self.my_share.survey_score_threshold = 100.0
        self._commit_point()
        self.assertEqual(self.my_share.current_value, 0.0)

    def test_only_completed_answers_count(self):
        answer = self._new_answer(self.salesperson, 100, done=False)
        answer._mark_in_progress()
        self._commit_point()
        self.assertEqual(self.my_average.current_value, self.my_average.baseline_value)
        self.assertFalse(self.my_average.contribution_count)
        answer._mark_done()
        self._commit_point()
        self.assertEqual(self.my_average.current_value, 100.0)
        self._assert_hand_counts()

    def test_answers_of_another_survey_do_not_count(self):
        self._new_answer(self.salesperson, 0, survey=self.other_survey)
        self._new_answer(self.salesperson, 100)
        self._commit_point()
        self.assertEqual(self.my_average.current_value, 100.0)
        self._assert_hand_counts()

    def test_a_changed_score_moves_the_key_results(self):
        answer = self._new_answer(self.salesperson, 100)
        self._commit_point()
        self.assertEqual(self.my_share.current_value, 100.0)
        # the score is a stored compute of the answer's lines
        answer.user_input_line_ids.suggested_answer_id = self._choice(self.survey, 50)
        self._commit_point()
        self.assertEqual(answer.scoring_percentage, 50.0)
        self.assertEqual(self.my_share.current_value, 0.0)
        self.assertEqual(self.my_average.current_value, 50.0)
        self._assert_hand_counts()

    def test_an_answer_reassigned_moves_between_key_results(self):
        answer = self._new_answer(self.salesperson, 100)
        self._new_answer(self.colleague, 0)
        self._commit_point()
        self.assertEqual(
            (self.my_share.current_value, self.colleague_share.current_value),
            (100.0, 0.0),
        )
        answer.with_user(self.survey_manager).okr_user_id = self.colleague
        self._commit_point()
        self.assertEqual(answer.okr_team_id, self.team)
        self.assertEqual(self.my_share.current_value, self.my_share.baseline_value)
        self.assertFalse(self.my_share.contribution_count)
        self.assertEqual(self.colleague_share.current_value, 50.0)
        self.assertEqual(self.team_share.current_value, 50.0)
        self._assert_hand_counts()

    def test_an_answer_moved_to_another_team_leaves_the_team_key_result(self):
        answer = self._new_answer(self.salesperson, 100)
        self._new_answer(self.colleague, 50)
        self._commit_point()
        other_team = self.env["crm.team"].create(
            {"name": "OKR Other Team", "company_id": self.company.id}
        )
        answer.with_user(self.survey_manager).okr_team_id = other_team
        self._commit_point()
        self.assertEqual(self.team_average.current_value, 50.0)
        # still the salesperson's answer, and the company's
        self.assertEqual(self.my_average.current_value, 100.0)
        self.assertEqual(self.company_average.current_value, 75.0)
        self._assert_hand_counts()

    def test_a_deleted_answer_withdraws(self):
        answer = self._new_answer(self.salesperson, 100)
        self._new_answer(self.salesperson, 50)
        self._commit_point()
        self.assertEqual(self.my_average.current_value, 75.0)
        answer.unlink()
        self._commit_point()
        self.assertEqual(self.my_average.current_value, 50.0)
        self.assertEqual(self.my_share.current_value, 0.0)
        self._assert_hand_counts()

    def test_a_rebuild_agrees_with_the_incremental_values(self):
        answers = [
            self._new_answer(user, score)
            for user, score in (
                (self.salesperson, 100),
                (self.salesperson, 80),
                (self.colleague, 50),
                (self.colleague, 0),
                (self.salesperson, 0),
            )
        ]
        self._commit_point()
        answers[0].unlink()
        answers[2].with_user(self.survey_manager).okr_user_id = self.salesperson
        self._commit_point()
        incremental = {kr: kr.current_value for kr in self.key_results}
        # rebuilt from nothing, as after a definition change
        self.env["okr.key.result"]._okr_recompute(self.key_results.ids, rebuild=True)
        self.key_results.invalidate_recordset(["current_value"])
        for key_result, value in incremental.items():
            self.assertAlmostEqual(key_result.current_value, value, places=6)
        action = self.key_results.action_recompute()
        self.assertEqual(action["params"]["type"], "success")
        self._assert_hand_counts()

    def test_another_survey_chosen_recounts_the_key_result(self):
        self._new_answer(self.salesperson, 100)
        self._new_answer(self.salesperson, 0, survey=self.other_survey)
        self._commit_point()
        self.assertEqual(self.my_average.current_value, 100.0)
        self.my_average.survey_id = self.other_survey
        self._commit_point()
        self.assertEqual(self.my_average.current_value, 0.0)
        self.assertFalse(self.my_average.computation_error)
