from odoo.tests import tagged

from odoo.addons.okr_sales.wizards.okr_breakdown_line import PERIOD_CURRENT

from .common import HelpdeskOkrCase


@tagged("post_install", "-at_install")
class TestTicketBreakdown(HelpdeskOkrCase):
    """A satisfaction key result broken down: ratings placed by their ticket's
    salesperson, her team and the customer who rated."""

    def test_ratings_are_placed_by_their_ticket(self):
        hanoi = self.env["res.country.state"].create(
            {
                "name": "Hà Nội (test)",
                "code": "OKRHN",
                "country_id": self.env.ref("base.vn").id,
            }
        )
        self.customer.state_id = hanoi
        satisfaction = self._new_helpdesk_key_result(
            self.team_objective, "ticket_satisfaction", scope="team"
        )
        self._rate(self._new_ticket(), 5)
        self._rate(self._new_ticket(user=self.colleague), 1)
        self._commit_point()
        self.assertEqual(satisfaction.current_value, 50.0)
        action = satisfaction.action_open_breakdown()
        lines = self.env["okr.breakdown.line"].search(action["domain"])
        self.assertEqual(set(lines.mapped("period")), {PERIOD_CURRENT})
        self.assertEqual(set(lines.mapped("res_model")), {"rating.rating"})
        self.assertEqual(
            {(line.user_id, line.successes) for line in lines},
            {(self.salesperson, 1), (self.colleague, 0)},
        )
        self.assertEqual(lines.team_id, self.team)
        self.assertEqual(lines.partner_id, self.customer)
        # a ticket has no province of its own: the customer's
        self.assertEqual(lines.state_id, hanoi)
