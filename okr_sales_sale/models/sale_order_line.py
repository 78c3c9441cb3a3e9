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

    def _okr_contribution_noun(self):
        self.ensure_one()
        return self.env._("order line")
