from odoo import api, fields, models


class SurveyInvite(models.TransientModel):
    _inherit = "survey.invite"

    okr_user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        domain="[('share', '=', False)]",
        help="The salesperson the participants are invited for: their answers "
        "count toward his survey key results.",
    )
    okr_team_id = fields.Many2one(
        "crm.team",
        "Sales Team",
        compute="_compute_okr_team_id",
        store=True,
        readonly=False,
        help="The sales team the answers count for; by default the salesperson's.",
    )

    @api.depends("okr_user_id")
    def _compute_okr_team_id(self):
        for invite in self:
            if invite.okr_user_id:
                invite.okr_team_id = invite.okr_user_id.sale_team_id

    def _get_answers_values(self):
        # Only the new answers: a resent invitation keeps its attribution.
        values = super()._get_answers_values()
        if self.okr_user_id:
            values["okr_user_id"] = self.okr_user_id.id
        if self.okr_team_id:
            values["okr_team_id"] = self.okr_team_id.id
        return values
