from odoo import models

# The partner fields a company's time zone is read from (res_company.py).
TIME_ZONE_FIELDS = {"tz", "country_id"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        if not TIME_ZONE_FIELDS.intersection(vals):
            return super().write(vals)
        companies = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids)])
        )
        before = {company: company._okr_tz() for company in companies}
        result = super().write(vals)
        if companies:
            self.env.registry.clear_cache()  # the cached time zones
        companies.filtered(
            lambda company: company._okr_tz() != before[company]
        )._okr_time_zone_changed()
        return result
