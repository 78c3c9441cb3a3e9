from odoo import api, fields, models
from odoo.exceptions import AccessError

# Who an answer counts for: changed on an answer by survey managers only.
ATTRIBUTION_FIELDS = frozenset({"okr_user_id", "okr_team_id"})


class SurveyUserInput(models.Model):
    _name = "survey.user_input"
    _inherit = ["survey.user_input", "okr.source.mixin"]

    # Attribution: whom the participant was invited for
    okr_user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        index="btree_not_null",
        tracking=True,
        domain="[('share', '=', False)]",
        help="The salesperson the participant was invited for: the answer "
        "counts toward his survey key results.",
    )
    okr_team_id = fields.Many2one(
        "crm.team",
        "Sales Team",
        compute="_compute_okr_team_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        help="The sales team the answer counts for; by default the salesperson's.",
    )
    okr_company_id = fields.Many2one(
        "res.company",
        "Company Counted",
        compute="_compute_okr_company_id",
        store=True,
        index="btree_not_null",
        help="The company whose key results count the answer: its sales "
        "team's, else its salesperson's (a survey has no company).",
    )

    @api.depends("okr_user_id")
    def _compute_okr_team_id(self):
        for answer in self:
            if answer.okr_user_id:
                answer.okr_team_id = answer.okr_user_id.sale_team_id

    @api.depends("okr_user_id.company_id", "okr_team_id.company_id")
    def _compute_okr_company_id(self):
        for answer in self:
            answer.okr_company_id = (
                answer.okr_team_id.company_id or answer.okr_user_id.company_id
            )

    def write(self, vals):
        # Who an answer counts for decides whose key results move: not for
        # every survey user to change.
        if (
            ATTRIBUTION_FIELDS.intersection(vals)
            and not self.env.su
            and not self.env.user.has_group("survey.group_survey_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only survey managers can change the salesperson or the sales "
                    "team an answer counts for."
                )
            )
        return super().write(vals)
