from odoo import fields, models


class SaleOrderLine(models.Model):
    """An order line is counted by key results (``okr.source.mixin``):
    revenue by product. Its date is its order's."""

    _name = "sale.order.line"
    _inherit = ["sale.order.line", "okr.source.mixin"]

    # The engine dates a record by one of its own stored fields.
    okr_date_order = fields.Datetime(
        "Order Date", related="order_id.date_order", store=True, index=True
    )

    def _okr_readable_contributions(self):
        """The contributions of these lines the viewer may read, as far as
        their key results may be read (``_compute_okr_contributions``)."""
        contributions = self.env["okr.contribution"]
        if not self.ids or not contributions.has_access("read"):
            return contributions
        contributions = contributions.search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        )
        readable = contributions.key_result_id._filtered_access("read")
        return contributions.filtered(lambda c: c.key_result_id in readable)

    def _okr_contribution_noun(self):
        self.ensure_one()
        return self.env._("order line")
