# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Sales OKRs - Sales Orders",
    "summary": "Key results that follow confirmed sales orders and posted "
    "invoices: revenue as finance counts it, by product and channel",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/okr-sales/okr_sales",
    "author": "okr_sales contributors",
    "maintainers": ["okr-sales"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": ["okr_sales", "sale_crm"],
    "data": [
        "data/okr_key_result_preset_data.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/crm_lead_views.xml",
        "wizards/okr_breakdown_line_views.xml",
    ],
    "demo": ["demo/okr_demo_sale.xml"],
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
    "installable": True,
}
