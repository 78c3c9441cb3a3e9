def post_init_hook(env):
    """Every company counts its tickets as solved in the closed stages other
    than cancelled and rejected ones, until a manager says otherwise."""
    companies = env["res.company"].with_context(active_test=False).search([])
    for company in companies:
        company.okr_ticket_solved_stage_ids = company._okr_default_solved_stages()
