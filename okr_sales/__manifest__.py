# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Sales OKRs",
    "summary": "Objectives and key results for a sales organisation, "
    "cascaded from the company down to each salesperson",
    "version": "19.0.1.4.0",
    "category": "Sales/CRM",
    "author": "okr_sales contributors",
    "license": "AGPL-3",
    "depends": ["crm", "web_hierarchy"],
    "data": [
        "security/okr_security.xml",
        "security/ir.model.access.csv",
        "security/okr_breakdown_line_security.xml",
        "data/ir_cron_data.xml",
        "data/mail_activity_type_data.xml",
        "data/okr_key_result_preset_data.xml",
        "data/okr_alignment_check_data.xml",
        "views/okr_checkin_views.xml",
        "views/okr_key_result_preset_views.xml",
        "wizards/okr_breakdown_line_views.xml",
        "views/okr_key_result_history_views.xml",
        "views/okr_key_result_views.xml",
        "views/okr_objective_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/okr_period_close_views.xml",
        "views/okr_menus.xml",
        "views/crm_lead_views.xml",
        "views/calendar_event_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "okr_sales/static/src/scss/okr_sales.scss",
        ],
    },
    "demo": [
        "demo/okr_demo_users.xml",
        "demo/okr_demo_crm.xml",
        "demo/okr_demo_objectives.xml",
        "demo/okr_demo_practice.xml",
        "demo/okr_demo_approval.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "okr_sales/static/src/**/*",
        ],
    },
    "pre_init_hook": "pre_init_hook",
    "uninstall_hook": "uninstall_hook",
    "application": True,
    "installable": True,
}
