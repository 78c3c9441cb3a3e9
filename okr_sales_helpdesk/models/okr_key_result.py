from odoo import api, models
from odoo.tools.translate import LazyTranslate

from odoo.addons.okr_sales.engine.sources import KeptFacts, UserRecordsSpec

_lt = LazyTranslate(__name__)

HELPDESK_MANAGERS = "helpdesk_mgmt.group_helpdesk_manager"

HELPDESK_SOURCES = (
    # A ticket is its assigned user's, his sales teams' (helpdesk teams are
    # not sales teams) and its company's.
    UserRecordsSpec(
        model="helpdesk.ticket",
        label=_lt("Helpdesk Tickets"),
        user_field="user_id",
        team_field="user_id.crm_team_member_ids.crm_team_id",
        company_field="company_id",
        default_date_field="okr_solved_date",
        # recorded by the bridge when the ticket moves into a solved stage
        kept_facts=KeptFacts(fields=("okr_solved_date",), managers=HELPDESK_MANAGERS),
    ),
    # A rating is the rated ticket's.
    UserRecordsSpec(
        model="rating.rating",
        label=_lt("Ticket Ratings"),
        user_field="okr_ticket_id.user_id",
        team_field="okr_ticket_id.user_id.crm_team_member_ids.crm_team_id",
        company_field="okr_ticket_id.company_id",
        default_date_field="rated_on",
        # the customer's: given on the rating page, in a portal message or a
        # reply, all of them in sudo
        kept_facts=KeptFacts(
            fields=("rating", "consumed", "rated_on", "res_model_id", "res_id"),
            managers=HELPDESK_MANAGERS,
            scope=(("res_model", "=", "helpdesk.ticket"),),
            thread_field="okr_ticket_id",
        ),
    ),
)


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"

    @api.model
    def _okr_sources(self):
        sources = super()._okr_sources()
        sources.update({spec.model: spec for spec in HELPDESK_SOURCES})
        return sources
