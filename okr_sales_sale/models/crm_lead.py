from odoo import api, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.depends_context("uid")
    def _compute_okr_contributions(self):
        # the deal's OKRs tab: what its orders and their lines add too
        result = super()._compute_okr_contributions()
        for lead in self:
            orders = lead.order_ids._filtered_access("read")
            if not orders:
                continue
            added = orders.okr_contribution_ids
            lead.okr_contribution_ids |= added
            lead.okr_key_result_ids |= added.key_result_id
            lead.okr_key_result_count = len(lead.okr_key_result_ids)
        return result
