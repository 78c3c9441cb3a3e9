from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    okr_ticket_solved_stage_ids = fields.Many2many(
        related="company_id.okr_ticket_solved_stage_ids", readonly=False
    )
