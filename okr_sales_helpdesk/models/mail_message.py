from odoo import models


class MailMessage(models.Model):
    _inherit = "mail.message"

    def unlink(self):
        # A rating goes with its chatter message (ondelete cascade, in the
        # database): deleting the message deletes the customer's rating.
        ratings = self.sudo().rating_ids.with_env(self.env)
        facts = ratings._okr_kept_facts()
        if facts:
            ratings._okr_guard_facts_unlink(facts)
        return super().unlink()
