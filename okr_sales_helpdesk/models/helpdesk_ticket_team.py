from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    # The same field as helpdesk_mgmt_sla's: either addon may bring it.
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        help="The team's working hours, for the resolution time of its tickets "
        "in working hours; the company's when empty.",
    )
