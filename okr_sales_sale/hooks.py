from odoo.addons.okr_sales.hooks import keep_shipped_records, stop_counting

from .models.okr_key_result import SALE_SOURCES

MODULE = "okr_sales_sale"


def uninstall_hook(env):
    """Key results counting orders, order lines or invoices become manual,
    keeping their value; the products, quotations and orders of the demo data
    stay."""
    stop_counting(env, tuple(spec.model for spec in SALE_SOURCES), MODULE)
    keep_shipped_records(env, MODULE)
