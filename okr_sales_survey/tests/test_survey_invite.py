"""Whom an answer counts for is set when the participant is invited, and
changed on the answer by survey managers only."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OkrSurveyCase


@tagged("post_install", "-at_install")
class TestSurveyInvite(OkrSurveyCase):
    def _invite(self, partners, **vals):
        invite = (
            self.env["survey.invite"]
            .with_user(self.survey_manager)
            .create(
                {
                    "survey_id": self.survey.id,
                    "partner_ids": [(6, 0, partners.ids)],
                    "existing_mode": "new",
                    **vals,
                }
            )
        )
        invite.action_invite()
        return self.env["survey.user_input"].search(
            [("survey_id", "=", self.survey.id), ("partner_id", "in", partners.ids)]
        )

    def test_invited_for_a_salesperson_counts_for_him_and_his_team(self):
        customer = self.env["res.partner"].create(
            {"name": "Đỗ Thị Hoa", "email": "hoa@example.com"}
        )
        wizard = self.env["survey.invite"].new({"okr_user_id": self.colleague.id})
        self.assertEqual(wizard.okr_team_id, self.team, "the salesperson's team")
        answer = self._invite(customer, okr_user_id=self.colleague.id)
        self.assertEqual(len(answer), 1)
        self.assertEqual(answer.okr_user_id, self.colleague)
        self.assertEqual(answer.okr_team_id, self.team)
        self.assertEqual(answer.okr_company_id, self.company)

    def test_invited_for_a_team_only(self):
        customer = self.env["res.partner"].create(
            {"name": "Vũ Văn Nam", "email": "nam@example.com"}
        )
        answer = self._invite(customer, okr_team_id=self.team.id)
        self.assertFalse(answer.okr_user_id)
        self.assertEqual(answer.okr_team_id, self.team)
        self.assertEqual(answer.okr_company_id, self.company)

    def test_only_survey_managers_change_whom_an_answer_counts_for(self):
        survey_user = new_test_user(
            self.env,
            login="okr_survey_user",
            groups="base.group_user,survey.group_survey_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        answer = self._new_answer(self.salesperson, 100)
        self.assertTrue(answer.with_user(survey_user).has_access("write"))
        with self.assertRaises(AccessError):
            answer.with_user(survey_user).okr_user_id = survey_user
        answer.with_user(survey_user).nickname = "Hoa"  # the rest stays theirs
        answer.with_user(self.survey_manager).okr_user_id = self.colleague
        self.assertEqual(answer.okr_user_id, self.colleague)
