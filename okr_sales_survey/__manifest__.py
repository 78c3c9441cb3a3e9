# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Sales OKRs: Surveys",
    "summary": "Key results that count a survey's answers, attributed to the "
    "salesperson or sales team the participant was invited for",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/okr-sales/okr_sales",
    "author": "okr_sales contributors",
    "maintainers": ["okr-sales"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": ["okr_sales", "survey"],
    "data": [
        "data/okr_key_result_preset_data.xml",
        "views/okr_key_result_views.xml",
        "views/survey_user_input_views.xml",
        "wizards/survey_invite_views.xml",
    ],
    "demo": [
        "demo/okr_survey_demo.xml",
        "demo/okr_survey_demo_answers.xml",
        "demo/okr_demo_objectives.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
    "installable": True,
}
