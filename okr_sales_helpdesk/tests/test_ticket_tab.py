"""The ticket's OKRs tab reads as the deal's (issue #25): the key result,
its owner, what the ticket adds in words and the period, as the ticket's
salesperson sees them."""

from odoo.tests import tagged

from .common import HelpdeskOkrCase


@tagged("post_install", "-at_install")
class TestTicketTab(HelpdeskOkrCase):
    def test_the_tab_says_what_the_ticket_adds_and_to_whose(self):
        solved = self._new_helpdesk_key_result(
            self.my_objective, "tickets_solved", scope="owner", target_value=50
        )
        ticket = self._new_ticket(opened_hours_ago=2)
        ticket.stage_id = self.stage_done
        self._commit_point()
        form = ticket.get_views([(False, "form")])["views"]["form"]["arch"]
        page = form[form.index('name="okr"') :]
        for column in ("key_result_user_id", "value_display", "period_display"):
            self.assertIn(f'name="{column}"', page)
        as_lan = ticket.with_user(self.salesperson)
        contribution = as_lan.okr_contribution_ids.filtered(
            lambda c: c.key_result_id == solved
        )
        self.assertEqual(contribution.key_result_user_id, self.salesperson)
        self.assertTrue(contribution.value_display.startswith("+1 "))
        # the period with its years, not a bare "1 Jan"
        start, end = solved.date_start, solved.date_end
        self.assertIn(str(start.year), contribution.period_display)
        self.assertIn(str(end.year), contribution.period_display)
