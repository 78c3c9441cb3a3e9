# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Sales OKRs - Helpdesk",
    "summary": "Key results that follow helpdesk tickets and their customers' "
    "ratings: tickets solved in time, resolution time, satisfaction",
    "version": "19.0.1.1.0",
    "category": "Sales/CRM",
    "website": "https://github.com/okr-sales/okr_sales",
    "author": "okr_sales contributors",
    "maintainers": ["okr-sales"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": ["okr_sales", "helpdesk_mgmt", "helpdesk_mgmt_rating", "resource"],
    "data": [
        "data/okr_key_result_preset_data.xml",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_ticket_team_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "demo": ["demo/okr_demo_helpdesk.xml"],
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
    "installable": True,
}
