"""A helpdesk rule that cannot mean what it says is refused at save, with
the field named."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import HelpdeskOkrCase


@tagged("post_install", "-at_install")
class TestDefinitionErrors(HelpdeskOkrCase):
    def test_within_n_hours_needs_more_than_0_hours(self):
        key_result = self._new_helpdesk_key_result(
            self.team_objective, "tickets_solved_24h", scope="team"
        )
        for rule in (
            "[('okr_resolution_hours', '<=', 0)]",
            "[('okr_resolution_hours', '<', -5)]",
            "[('okr_resolution_working_hours', '<=', 0)]",
        ):
            with (
                self.assertRaisesRegex(
                    ValidationError, r"Successes: .*must be more than 0"
                ),
                self.cr.savepoint(),
            ):
                key_result.numerator_domain = rule
        preset = self.env.ref("okr_sales_helpdesk.okr_preset_tickets_solved_24h")
        with (
            self.assertRaisesRegex(ValidationError, "must be more than 0"),
            self.cr.savepoint(),
        ):
            preset.numerator_domain = "[('okr_resolution_hours', '<=', 0)]"
        key_result.numerator_domain = "[('okr_resolution_hours', '<=', 8)]"
        self.assertEqual(
            key_result.numerator_domain, "[('okr_resolution_hours', '<=', 8)]"
        )

    def test_working_hours_need_a_schedule(self):
        self.company.resource_calendar_id = False
        with self.assertRaisesRegex(
            ValidationError, "Successes: .*Working Hours.* has no working schedule"
        ):
            self._new_helpdesk_key_result(
                self.team_objective, "tickets_solved_24_working_hours", scope="team"
            )

    def test_the_solved_stages_cannot_be_empty(self):
        with self.assertRaisesRegex(
            ValidationError, "Solved Ticket Stages: choose at least one"
        ):
            self.company.okr_ticket_solved_stage_ids = False
        with self.assertRaisesRegex(ValidationError, "Solved Ticket Stages"):
            settings = self.env["res.config.settings"].create({})
            settings.okr_ticket_solved_stage_ids = False
            settings.execute()

    def test_a_new_company_counts_done_but_not_cancelled(self):
        company = self.env["res.company"].create({"name": "Second branch"})
        self.assertIn(self.stage_done, company.okr_ticket_solved_stage_ids)
        self.assertNotIn(self.stage_cancelled, company.okr_ticket_solved_stage_ids)
        self.assertNotIn(self.stage_rejected, company.okr_ticket_solved_stage_ids)
