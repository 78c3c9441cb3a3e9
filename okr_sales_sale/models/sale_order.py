from odoo import api, fields, models


class SaleOrder(models.Model):
    """An order is counted by key results (``okr.source.mixin``), and so are
    its lines: its OKRs tab shows what both add."""

    _name = "sale.order"
    _inherit = ["sale.order", "okr.source.mixin"]

    # Where the order is delivered: the province "new provinces" count.
    okr_state_id = fields.Many2one(
        "res.country.state",
        "Delivery Province / State",
        related="partner_shipping_id.state_id",
        store=True,
    )

    @api.depends_context("uid")
    def _compute_okr_contributions(self):
        result = super()._compute_okr_contributions()
        for order in self:
            lines = order.order_line.okr_contribution_ids
            order.okr_contribution_ids |= lines
            order.okr_key_result_ids |= lines.key_result_id
            order.okr_key_result_count = len(order.okr_key_result_ids)
        return result

    def _okr_contribution_noun(self):
        self.ensure_one()
        if self.state == "sale":
            return self.env._("confirmed order")
        return self.env._("quotation")
