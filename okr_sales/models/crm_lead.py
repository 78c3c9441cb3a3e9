from odoo import models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "okr.source.mixin"]

    def _okr_contribution_noun(self):
        self.ensure_one()
        if self.won_status == "won":
            return self.env._("won deal")
        if self.type == "opportunity":
            return self.env._("opportunity")
        return self.env._("lead")

    def _handle_won_lost(self, old_status_by_lead, new_status_by_lead):
        result = super()._handle_won_lost(old_status_by_lead, new_status_by_lead)
        # Every path to won (button, stage dragged, write, import) ends here.
        won = self.filtered(
            lambda lead: (
                new_status_by_lead.get(lead.id, {}).get("is_won")
                and not old_status_by_lead.get(lead.id, {}).get("is_won")
            )
        )
        if won and self.env["okr.key.result"]._okr_definitions(self._name):
            self.env["okr.key.result"]._okr_note_won_deals(won)
        return result
