from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _okr_is_manager(self):
        """Whether the user manages OKRs: defines what key results count,
        sets objectives at any level, edits everyone's."""
        self.ensure_one()
        return self.has_group("okr_sales.group_okr_manager")
