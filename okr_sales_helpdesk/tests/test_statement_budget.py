"""The statement budget of a ticket closed (issue #23): okr_sales's
``test_statement_budget.py`` for the helpdesk bridge, helpdesk alone as the
reference."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.okr_sales.tests.test_statement_budget import StatementBudgetCase

from ..models.helpdesk_ticket import HelpdeskTicket
from .common import HelpdeskOkrCase

# Today's counts (helpdesk alone: 37 statements a ticket closed), for the
# engine's refactor to lower, as a win's (issue #23's target: at most 15
# added, whatever the number of key results; MISSED).
# 25 in most runs, 26 in some (the same code, one run after the other): a
# fetch of the users' company (res_users.company_id) that an earlier read
# does not always bring along. Cause not found: the budget is the larger.
TICKET_CLOSED_ADDED = 26
# A ticket no key result counts: the solved time the bridge records, and
# the engine's look-up of the key results that might count it.
TICKET_CLOSED_UNREAD_ADDED = 10

# The seed's support key results: (preset, objective attribute, scope,
# values). Values that keep each status where it is whatever the day:
# solved within 24 hours and resolution time achieved (tickets solved as
# soon as they are opened), tickets solved off track.
SUPPORT_KEY_RESULTS = [
    (preset, objective, scope, values)
    for preset, values in (
        ("tickets_solved_24h", {"target_value": 90.0}),
        ("tickets_solved", {"target_value": 1e6}),
    )
    for objective, scope in (
        ("my_objective", "owner"),
        ("team_objective", "team"),
        ("department", "company"),
    )
] + [
    (
        "ticket_resolution_time",
        "department",
        "company",
        {"baseline_value": 48.0, "target_value": 12.0},
    ),
    ("ticket_satisfaction", "team_objective", "team", {"target_value": 90.0}),
    ("ticket_satisfaction", "my_objective", "owner", {"target_value": 90.0}),
]


@tagged("post_install", "-at_install")
class TestTicketStatementBudget(StatementBudgetCase, HelpdeskOkrCase):
    """The seed's deal and support key results; a ticket of the test team
    moved into a solved stage by its salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        helpdesk_user = cls.env.ref("helpdesk_mgmt.group_helpdesk_user_own")
        reference_people = (
            cls.reference_salesperson | cls.reference_colleague | cls.reference_leader
        )
        reference_people.group_ids |= helpdesk_user
        cls.reference_helpdesk_team = cls.env["helpdesk.ticket.team"].create(
            {
                "name": "OKR Reference Support",
                "company_id": cls.reference_company.id,
                "user_ids": [Command.set(reference_people.ids)],
            }
        )
        cls.solved_key_results = cls.env["okr.key.result"]
        for preset, objective, scope, values in SUPPORT_KEY_RESULTS:
            key_result = cls._new_helpdesk_key_result(
                getattr(cls, objective), preset, scope=scope, **values
            )
            if preset == "tickets_solved":
                cls.solved_key_results |= key_result
        cls.env.cr.flush()

    @contextmanager
    def _okr_sales_off(self):
        """Also without the bridge's write, which records the solved time:
        helpdesk alone."""

        def helpdesk_write(ticket, vals):
            return super(HelpdeskTicket, ticket).write(vals)

        with (
            super()._okr_sales_off(),
            patch.object(HelpdeskTicket, "write", helpdesk_write),
        ):
            yield

    def _new_open_ticket(self, counted):
        values = {
            "name": "Ticket",
            "description": "<p>Please help.</p>",
            "partner_id": self.customer.id,
            "stage_id": self.stage_in_progress.id,
        }
        if counted:
            values.update(team_id=self.helpdesk_team.id, user_id=self.salesperson.id)
        else:
            values.update(
                team_id=self.reference_helpdesk_team.id,
                user_id=self.reference_salesperson.id,
                company_id=self.reference_company.id,
            )
        return self.env["helpdesk.ticket"].create(values)

    def _close(self, ticket, counted):
        company, salesperson, _leader, _colleague = self._people(counted)
        self._as(ticket, salesperson, company).stage_id = self.stage_done

    def test_a_ticket_closed_adds_its_budget(self):
        costs = self._costs(self._close, self._new_open_ticket)
        # The engine's path: the two tickets closed (the warm-up and the
        # measured one) counted at every scope.
        self.env.invalidate_all()
        self.assertEqual(set(self.solved_key_results.mapped("current_value")), {2.0})
        self._assert_budget(costs, TICKET_CLOSED_ADDED, TICKET_CLOSED_UNREAD_ADDED)
