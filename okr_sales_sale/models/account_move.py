from odoo import models


class AccountMove(models.Model):
    """An invoice or a credit note is counted by key results
    (``okr.source.mixin``): revenue as it is invoiced, net of credit notes
    (``amount_untaxed_signed`` is negative for a credit note)."""

    _name = "account.move"
    _inherit = ["account.move", "okr.source.mixin"]

    def _okr_contribution_noun(self):
        self.ensure_one()
        if self.move_type == "out_refund":
            return self.env._("credit note")
        return self.env._("invoice")
