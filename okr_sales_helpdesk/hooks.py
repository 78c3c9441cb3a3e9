from odoo.addons.okr_sales.hooks import keep_shipped_records, stop_counting

MODULE = "okr_sales_helpdesk"


def post_init_hook(env):
    """Every company counts its tickets as solved in the closed stages other
    than cancelled and rejected ones, until a manager says otherwise."""
    companies = env["res.company"].with_context(active_test=False).search([])
    for company in companies:
        company.okr_ticket_solved_stage_ids = company._okr_default_solved_stages()


def uninstall_hook(env):
    """Key results counting tickets or ratings become manual, keeping their
    value; the tickets, teams and ratings of the demo data stay."""
    stop_counting(env, ("helpdesk.ticket", "rating.rating"), MODULE)
    keep_shipped_records(env, MODULE)
