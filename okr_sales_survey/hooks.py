from odoo.addons.okr_sales.hooks import keep_shipped_records, stop_counting

MODULE = "okr_sales_survey"


def uninstall_hook(env):
    """Key results counting survey answers become manual, keeping their
    value; the surveys and answers of the demo data stay."""
    stop_counting(env, ("survey.user_input",), MODULE)
    keep_shipped_records(env, MODULE)
