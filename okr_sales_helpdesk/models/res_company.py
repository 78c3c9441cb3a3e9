from odoo import api, fields, models
from odoo.exceptions import ValidationError

# helpdesk_mgmt's closed stages that are not a solution.
UNSOLVED_CLOSED_STAGES = (
    "helpdesk_mgmt.helpdesk_ticket_stage_cancelled",
    "helpdesk_mgmt.helpdesk_ticket_stage_rejected",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    okr_ticket_solved_stage_ids = fields.Many2many(
        "helpdesk.ticket.stage",
        "res_company_okr_ticket_solved_stage_rel",
        "company_id",
        "stage_id",
        string="Solved Ticket Stages",
        default=lambda self: self._okr_default_solved_stages(),
        domain="[('closed', '=', True), ('company_id', 'in', (False, id))]",
        help="A ticket counts as solved, for key results, while it is in one of "
        "these stages; it stops counting when it leaves them (reopened, "
        "cancelled) and counts again, with its new closing time, when it "
        "comes back.",
    )

    def write(self, vals):
        result = super().write(vals)
        if "okr_ticket_solved_stage_ids" in vals:
            self.env["helpdesk.ticket"].sudo().with_context(active_test=False).search(
                [("company_id", "in", self.ids)]
            )._okr_sync_solved_dates()
        return result

    @api.model
    def _okr_default_solved_stages(self):
        """The closed stages, except the cancelled and rejected ones."""
        unsolved = [
            self.env.ref(xmlid, raise_if_not_found=False)
            for xmlid in UNSOLVED_CLOSED_STAGES
        ]
        stages = (
            self.env["helpdesk.ticket.stage"].sudo().search([("closed", "=", True)])
        )
        return stages - self.env["helpdesk.ticket.stage"].union(*filter(None, unsolved))

    @api.constrains("okr_ticket_solved_stage_ids")
    def _check_okr_ticket_solved_stages(self):
        for company in self:
            if company.okr_ticket_solved_stage_ids:
                continue
            # Only when there is something to choose: a company is never
            # refused for lack of helpdesk stages.
            if (
                self.env["helpdesk.ticket.stage"]
                .sudo()
                .search_count([("closed", "=", True)], limit=1)
            ):
                raise ValidationError(
                    self.env._(
                        "%(field)s: choose at least one stage in which a ticket "
                        "counts as solved (company %(company)s).",
                        field=self._fields["okr_ticket_solved_stage_ids"].string,
                        company=company.name,
                    )
                )
