"""A ticket someone may not read does not show through key results."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import HelpdeskOkrCase


@tagged("post_install", "-at_install")
class TestRights(HelpdeskOkrCase):
    def test_a_colleague_sees_the_team_value_not_my_tickets(self):
        team_solved = self._new_helpdesk_key_result(
            self.team_objective, "tickets_solved", scope="team", target_value=10
        )
        mine = self._new_ticket(
            name="Private matter of Lan's customer", opened_hours_ago=1
        )
        theirs = self._new_ticket(
            user=self.colleague, name="Hung's ticket", opened_hours_ago=1
        )
        (mine | theirs).stage_id = self.stage_done
        self._rate(mine, 5)
        self._commit_point()
        self.assertEqual(team_solved.current_value, 2)

        # helpdesk_mgmt's "own tickets" users read only their own tickets
        as_colleague = self.env(user=self.colleague)
        self.assertFalse(as_colleague["helpdesk.ticket"].search([("id", "=", mine.id)]))
        contributions = as_colleague["okr.contribution"].search(
            [("key_result_id", "=", team_solved.id)]
        )
        self.assertEqual(contributions.mapped("res_id"), theirs.ids)
        self.assertNotIn("Private matter", str(contributions.mapped("record_name")))
        action = team_solved.with_env(as_colleague).action_open_contributing_records()
        self.assertEqual(action["domain"], [("id", "in", theirs.ids)])
        # nor through the rating
        ratings = as_colleague["okr.contribution"].search(
            [("res_model", "=", "rating.rating")]
        )
        self.assertFalse(ratings.filtered(lambda c: c.res_id in mine.rating_ids.ids))

    def test_nobody_sets_what_the_rules_compare_by_hand(self):
        ticket = self._new_ticket(opened_hours_ago=30)
        ticket.stage_id = self.stage_done
        rating = self._rate(ticket, 2)
        self._commit_point()
        as_lan = ticket.with_user(self.salesperson)  # her own ticket
        self.assertTrue(as_lan.has_access("write"))
        # (its solved time: test_source_guards.py)
        for vals in (
            {"okr_resolution_hours": 1.0},
            {"okr_resolution_working_hours": 1.0},
        ):
            with (
                self.assertRaisesRegex(AccessError, "computed for the key results"),
                self.env.cr.savepoint(),
            ):
                as_lan.write(vals)
        with (
            self.assertRaisesRegex(AccessError, "computed for the key results"),
            self.env.cr.savepoint(),
        ):
            self.env["helpdesk.ticket"].with_user(self.salesperson).create(
                {
                    "name": "Solved in no time",
                    "description": "<p>.</p>",
                    "team_id": self.helpdesk_team.id,
                    "user_id": self.salesperson.id,
                    "okr_resolution_hours": 0.5,
                }
            )
        with (
            self.assertRaises(AccessError),
            self.env.cr.savepoint(),
        ):
            rating.with_user(self.salesperson).write({"okr_ticket_id": False})
        # her own ticket's other fields stay hers, and the values are the rules'
        as_lan.write({"priority": "2"})
        self.env.invalidate_all()
        self.assertAlmostEqual(ticket.okr_resolution_hours, 30.0, places=1)
        self.assertEqual(rating.okr_ticket_id, ticket)
