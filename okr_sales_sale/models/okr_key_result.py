from odoo import api, models
from odoo.tools.translate import LazyTranslate

from odoo.addons.okr_sales.engine.sources import SourceSpec

_lt = LazyTranslate(__name__)

SALE_SOURCES = (
    # An order is its salesperson's, its sales team's and its company's.
    SourceSpec(
        model="sale.order",
        label=_lt("Sales Orders"),
        user_field="user_id",
        team_field="team_id",
        company_field="company_id",
        default_date_field="date_order",
    ),
    # A line is its order's: revenue by product and product category.
    SourceSpec(
        model="sale.order.line",
        label=_lt("Sales Order Lines"),
        user_field="salesman_id",
        team_field="order_id.team_id",
        company_field="company_id",
        default_date_field="okr_date_order",
    ),
    # An invoice or a credit note is its salesperson's and sales team's (the
    # order's, when it was invoiced from one).
    SourceSpec(
        model="account.move",
        label=_lt("Invoices"),
        user_field="invoice_user_id",
        team_field="team_id",
        company_field="company_id",
        default_date_field="invoice_date",
    ),
)


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"

    @api.model
    def _okr_sources(self):
        sources = super()._okr_sources()
        sources.update({spec.model: spec for spec in SALE_SOURCES})
        return sources
