from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tools import SQL

from odoo.addons.okr_sales.tests.common import OkrCrmCase


class HelpdeskOkrCase(OkrCrmCase):
    """The test organisation of okr_sales with a helpdesk: its salespeople
    answer the tickets of one helpdesk team, in the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        helpdesk_user = cls.env.ref("helpdesk_mgmt.group_helpdesk_user_own")
        (cls.salesperson | cls.colleague | cls.leader).group_ids |= helpdesk_user
        cls.helpdesk_team = cls.env["helpdesk.ticket.team"].create(
            {
                "name": "OKR Test Support",
                "company_id": cls.company.id,
                "user_ids": [
                    Command.set((cls.salesperson | cls.colleague | cls.leader).ids)
                ],
            }
        )
        cls.stage_new = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_in_progress = cls.env.ref(
            "helpdesk_mgmt.helpdesk_ticket_stage_in_progress"
        )
        cls.stage_done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.stage_cancelled = cls.env.ref(
            "helpdesk_mgmt.helpdesk_ticket_stage_cancelled"
        )
        cls.stage_rejected = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_rejected")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Công ty Dược Hà Nội", "email": "duoc@example.com"}
        )

    @classmethod
    def _new_helpdesk_key_result(cls, objective, preset, **vals):
        return cls._new_auto_key_result(
            objective,
            f"okr_sales_helpdesk.okr_preset_{preset}",
            **{"target_value": 90.0, **vals},
        )

    @classmethod
    def _new_colleague_objective(cls):
        """The colleague's own objective, under the team's."""
        return cls._new_objective(
            name="Serve my customers",
            user_id=cls.colleague.id,
            parent_id=cls.team_objective.id,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )

    def _new_ticket(self, user=None, opened_hours_ago=0.0, **vals):
        """A ticket of the test team, opened ``opened_hours_ago`` hours ago
        (its ``create_date`` is the database's clock: moved back by SQL)."""
        values = {
            "name": "Ticket",
            "description": "<p>Please help.</p>",
            "team_id": self.helpdesk_team.id,
            "user_id": (user or self.salesperson).id,
            "partner_id": self.customer.id,
        }
        values.update(vals)
        ticket = self.env["helpdesk.ticket"].create(values)
        if opened_hours_ago:
            self._set_opened(
                ticket, fields.Datetime.now() - timedelta(hours=opened_hours_ago)
            )
        return ticket

    def _set_opened(self, ticket, moment):
        self.env.cr.execute(
            SQL(
                "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
                moment,
                ticket.id,
            )
        )
        ticket.invalidate_recordset(["create_date"])

    def _commit_point(self):
        """As okr_sales's, then read as a new request would (counts of
        contributions are computed, not stored)."""
        result = super()._commit_point()
        self.env.invalidate_all()
        return result

    def _rate(self, ticket, rate):
        """The ticket's customer rates it, as the rating e-mail's page does."""
        token = ticket._rating_get_access_token()
        return ticket.sudo().rating_apply(rate, token=token)

    def _assert_rebuild_agrees(self, key_results):
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute(key_results.ids),
            "a full recompute finds nothing to correct",
        )
