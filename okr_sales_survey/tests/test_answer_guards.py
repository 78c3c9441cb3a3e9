"""What a survey key result counts is the customer's answer: its completion,
its date and its score come from the survey's own answering flow. A survey
user is refused (the field named) and the key results stay as a hand count
says; a survey manager may correct, and the answer's chatter tells it."""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OkrSurveyCase


@tagged("post_install", "-at_install")
class TestAnswerGuards(OkrSurveyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey_user = new_test_user(
            cls.env,
            login="okr_survey_user",
            name="Survey User",
            groups="base.group_user,survey.group_survey_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.hung_average = cls._new_survey_key_result(
            cls.colleague_objective, "average_score"
        )
        cls.hung_share = cls._new_survey_key_result(
            cls.colleague_objective, "score_share"
        )

    def setUp(self):
        super().setUp()
        self.hung_good = self._new_answer(self.colleague, 100)
        self.hung_half = self._new_answer(self.colleague, 50)
        self._commit_point()
        self._assert_hand_counts(75.0)

    def _assert_hand_counts(self, average):
        self.env.invalidate_all()
        hung = self._answers(user=self.colleague)
        self.assertAlmostEqual(self.hung_average.current_value, average, places=6)
        self.assertAlmostEqual(
            self.hung_average.current_value, self._hand_average(hung), places=6
        )
        self.assertAlmostEqual(
            self.hung_share.current_value, self._hand_share(hung), places=6
        )

    def _refused(self, field_label, call):
        with (
            self.assertRaisesRegex(AccessError, field_label),
            self.env.cr.savepoint(),
        ):
            call()
        self._commit_point()
        self._assert_hand_counts(75.0)

    def test_a_survey_user_cannot_write_a_score(self):
        as_user = self.hung_good.with_user(self.survey_user)
        self.assertTrue(as_user.has_access("write"), "core Odoo lets him write it")
        self._refused("Score", lambda: as_user.write({"scoring_percentage": 0.0}))
        self._refused("Score", lambda: as_user.write({"scoring_total": 0.0}))

    def test_a_survey_user_cannot_undo_or_hide_an_answer(self):
        as_user = self.hung_good.with_user(self.survey_user)
        self._refused("Status", lambda: as_user.write({"state": "in_progress"}))
        self._refused("Test Entry", lambda: as_user.write({"test_entry": True}))
        self._refused("End date", lambda: as_user.write({"end_datetime": False}))
        self._refused("Status", lambda: as_user.unlink())

    def test_a_survey_user_cannot_create_an_answered_answer(self):
        self._refused(
            "Status",
            lambda: (
                self.env["survey.user_input"]
                .with_user(self.survey_user)
                .create(
                    {
                        "survey_id": self.survey.id,
                        "partner_id": self.customer_person.id,
                        "okr_user_id": self.colleague.id,
                        "state": "done",
                        "end_datetime": fields.Datetime.now(),
                        "scoring_percentage": 0.0,
                    }
                )
            ),
        )

    def test_a_survey_user_still_invites_and_tests(self):
        survey = self.survey.with_user(self.survey_user)
        invited = survey._create_answer(
            partner=self.customer_person,
            check_attempts=False,
            okr_user_id=self.colleague.id,
        )
        self.assertEqual((invited.state, invited.okr_user_id), ("new", self.colleague))
        trial = survey._create_answer(user=self.survey_user, test_entry=True)
        trial.unlink()
        invited.unlink()  # nothing answered yet
        self._commit_point()
        self._assert_hand_counts(75.0)

    def test_the_customer_answering_flow_counts(self):
        # the survey's controllers run as the customer, in sudo
        answer = self.survey.sudo()._create_answer(
            partner=self.customer_person,
            check_attempts=False,
            okr_user_id=self.colleague.id,
        )
        question = self.survey.question_ids
        answer._save_lines(question, self._choice(self.survey, 0).id)
        answer._mark_done()
        self._commit_point()
        self.assertEqual(answer.scoring_percentage, 0.0)
        self._assert_hand_counts(50.0)

    def test_a_survey_manager_corrects_a_score_and_the_answer_tells_it(self):
        self.hung_half.with_user(self.survey_manager).write(
            {"scoring_percentage": 80.0}
        )
        self._commit_point()
        self._assert_hand_counts(90.0)
        self.assertEqual(self.hung_share.current_value, 100.0)
        notes = "\n".join(self.hung_half.message_ids.mapped("body"))
        self.assertIn("Score (%)", notes)
        self.assertIn("Survey Manager", notes)
