from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.okr_sales.tests.common import OkrCrmCase

# The points of the test survey's one question: an answer's score (%) is
# its choice's points out of 10.
SCORES = (0, 50, 80, 100)


class OkrSurveyCase(OkrCrmCase):
    """The seed's cascade (``OkrCrmCase``) and a customer satisfaction survey
    whose answers are invited for its salespeople."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey_manager = new_test_user(
            cls.env,
            login="okr_survey_manager",
            name="Survey Manager",
            groups="base.group_user,survey.group_survey_manager,"
            "sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.survey = cls._new_survey("Customer satisfaction")
        cls.other_survey = cls._new_survey("Product feedback")
        cls.colleague_objective = cls._new_objective(
            name="Reach my revenue goal",
            user_id=cls.colleague.id,
            parent_id=cls.team_objective.id,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )

    @classmethod
    def _new_survey(cls, title):
        survey = cls.env["survey.survey"].create(
            {
                "title": title,
                "survey_type": "survey",
                "user_id": cls.survey_manager.id,
                "access_mode": "token",
                "scoring_type": "scoring_without_answers",
                "question_and_page_ids": [
                    Command.create(
                        {
                            "title": "How satisfied are you?",
                            "question_type": "simple_choice",
                            "suggested_answer_ids": [
                                Command.create(
                                    {"value": f"{score}%", "answer_score": score / 10}
                                )
                                for score in SCORES
                            ],
                        }
                    )
                ],
            }
        )
        return survey

    @classmethod
    def _new_survey_key_result(cls, objective, preset, survey=None, **vals):
        values = {
            "name": f"Survey {preset}",
            "objective_id": objective.id,
            "preset_id": cls.env.ref(f"okr_sales_survey.okr_preset_survey_{preset}").id,
            "survey_id": (survey or cls.survey).id,
            "target_value": 90.0,
        }
        values.update(vals)
        key_result = cls.env["okr.key.result"].create(values)
        cls.env.cr.flush()
        return key_result

    def _choice(self, survey, score):
        question = survey.question_ids
        return question.suggested_answer_ids.filtered(
            lambda choice: choice.answer_score == score / 10
        )

    def _new_answer(self, user, score, survey=None, done=True, **vals):
        """An answer of a customer invited for ``user``, scoring ``score`` %."""
        survey = survey or self.survey
        values = {
            "survey_id": survey.id,
            "partner_id": self.customer_person.id,
            "okr_user_id": user.id,
            "user_input_line_ids": [
                Command.create(
                    {
                        "question_id": survey.question_ids.id,
                        "answer_type": "suggestion",
                        "suggested_answer_id": self._choice(survey, score).id,
                    }
                )
            ],
        }
        values.update(vals)
        answer = self.env["survey.user_input"].create(values)
        if done:
            answer._mark_done()
        return answer

    def _answers(self, **scope):
        """Completed answers of the test survey, by hand."""
        answers = self.env["survey.user_input"].search(
            [("survey_id", "=", self.survey.id), ("state", "=", "done")]
        )
        if "user" in scope:
            answers = answers.filtered(lambda a: a.okr_user_id == scope["user"])
        if "team" in scope:
            answers = answers.filtered(lambda a: a.okr_team_id == scope["team"])
        return answers

    def _hand_share(self, answers, threshold=80.0):
        if not answers:
            return None
        passed = answers.filtered(lambda a: a.scoring_percentage >= threshold)
        return 100.0 * len(passed) / len(answers)

    def _hand_average(self, answers):
        if not answers:
            return None
        return sum(answers.mapped("scoring_percentage")) / len(answers)
