from odoo import api, models

from odoo.addons.okr_sales.engine.sources import UserRecordsSpec

HELPDESK_SOURCES = (
    # A ticket is its assigned user's, his sales teams' (helpdesk teams are
    # not sales teams) and its company's.
    UserRecordsSpec(
        model="helpdesk.ticket",
        label="Helpdesk Tickets",
        user_field="user_id",
        team_field="user_id.crm_team_member_ids.crm_team_id",
        company_field="company_id",
        default_date_field="okr_solved_date",
    ),
    # A rating is the rated ticket's.
    UserRecordsSpec(
        model="rating.rating",
        label="Ticket Ratings",
        user_field="okr_ticket_id.user_id",
        team_field="okr_ticket_id.user_id.crm_team_member_ids.crm_team_id",
        company_field="okr_ticket_id.company_id",
        default_date_field="rated_on",
    ),
)


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"

    @api.model
    def _okr_sources(self):
        sources = super()._okr_sources()
        sources.update({spec.model: spec for spec in HELPDESK_SOURCES})
        return sources
