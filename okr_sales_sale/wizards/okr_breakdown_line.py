"""Breakdowns by product and product category.

A line of the breakdown is one counted record. An order line has its
product; a record spanning several products is placed under its main one,
the product of its largest line (untaxed): an order's or an invoice's own,
a deal's confirmed orders'. Any other record with a customer (a ticket, a
rating, a meeting, a deal without an order) is placed under the product that
customer bought most in confirmed orders, unless it has a product of its own
(a ticket's, with OCA's ``helpdesk_product``).
"""

from collections import defaultdict

from odoo import api, fields, models

# Where a record's lines are, for the models whose product is their largest
# line's: {model: (path to the lines, domain of the lines that count)}.
PRODUCT_LINES = {
    "sale.order": ("order_line", [("display_type", "=", False)]),
    "account.move": ("invoice_line_ids", [("display_type", "=", "product")]),
    "crm.lead": (
        "order_ids.order_line",
        [("display_type", "=", False), ("state", "=", "sale")],
    ),
}


class OkrBreakdownLine(models.TransientModel):
    _inherit = "okr.breakdown.line"

    product_id = fields.Many2one(
        "product.product",
        help="The record's product: an order line's own; an order's, an "
        "invoice's or a deal's largest line's; else the product its customer "
        "bought most in confirmed orders.",
    )
    product_categ_id = fields.Many2one("product.category", "Product Category")

    @api.model
    def _okr_dimensions(self, records, definition):
        result = super()._okr_dimensions(records, definition)
        products = self._okr_products(records)
        for record_id, dimensions in result.items():
            product = products.get(record_id) or self.env["product.product"]
            dimensions["product_id"] = product.id
            dimensions["product_categ_id"] = product.categ_id.id
        return result

    @api.model
    def _okr_customer_path(self, model_name):
        if model_name == "sale.order.line":
            return "order_partner_id"
        return super()._okr_customer_path(model_name)

    @api.model
    def _okr_channel_path(self, model_name):
        # an order line came through its order's channel
        if model_name == "sale.order.line":
            return "order_id"
        return super()._okr_channel_path(model_name)

    @api.model
    def _okr_products(self, records):
        """``{record id: product}`` of ``records`` (as the system)."""
        if self._okr_own_field(records, "product_id", "product.product"):
            return {record.id: record.product_id for record in records}
        products = {}
        if records._name in PRODUCT_LINES:
            path, domain = PRODUCT_LINES[records._name]
            for record in records:
                lines = record.mapped(path).filtered_domain(domain)
                products[record.id] = self._okr_main_product(lines)
        # the others: their customer's favourite
        customer_path = self._okr_customer_path(records._name)
        rest = records.filtered(lambda record: not products.get(record.id))
        if not customer_path or not rest:
            return products
        customers = {
            record.id: record.mapped(customer_path)[:1].commercial_partner_id
            for record in rest
        }
        favourite = self._okr_favourite_products(
            self.env["res.partner"].union(*customers.values())
        )
        for record_id, customer in customers.items():
            products[record_id] = favourite.get(customer.id)
        return products

    @api.model
    def _okr_main_product(self, lines):
        """The product of the largest of ``lines`` (untaxed)."""
        if not lines:
            return self.env["product.product"]
        return max(lines, key=lambda line: abs(line.price_subtotal)).product_id

    @api.model
    def _okr_favourite_products(self, customers):
        """``{commercial partner id: product}``: what each of ``customers``
        bought most in confirmed orders (untaxed subtotals of its lines)."""
        if not customers:
            return {}
        totals = defaultdict(float)
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("order_partner_id", "child_of", customers.ids),
                    ("state", "=", "sale"),
                    ("display_type", "=", False),
                    ("product_id", "!=", False),
                ],
                ["order_partner_id", "product_id"],
                ["price_subtotal:sum"],
            )
        )
        for partner, product, amount in groups:
            totals[partner.commercial_partner_id, product] += amount
        favourite = {}
        for (customer, product), _amount in sorted(
            totals.items(), key=lambda item: (-item[1], item[0][1].id)
        ):
            favourite.setdefault(customer.id, product)
        return favourite
