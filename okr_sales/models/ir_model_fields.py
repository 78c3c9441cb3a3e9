from odoo import models


class IrModelFields(models.Model):
    _inherit = "ir.model.fields"

    def unlink(self):
        # Before Odoo takes the fields out of the registry: what reads them
        # is found from the definitions while the fields are still there.
        removed = {
            (field.model, field.name)
            for field in self
            if not field.model.startswith("okr.")
        }
        okr_sales_going = (
            self.env["ir.module.module"]
            .sudo()
            .search_count([("name", "=", "okr_sales"), ("state", "=", "to remove")])
        )
        if removed and not okr_sales_going:
            self.env["okr.key.result"]._okr_fields_removed(removed, self)
        return super().unlink()
