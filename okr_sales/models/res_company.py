"""The company's day: the one "today" of its objectives and key results.

Buckets, status, pace, history points, alerts and check-ins all ask the
company (``_okr_today``), never the reader's time zone: see
``engine/days.py`` for the time zone a company has.
"""

import logging

from odoo import api, models, tools
from odoo.exceptions import UserError

from ..engine.days import company_today, company_tz
from ..engine.definitions import COUNTING_SOURCES

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    def _okr_tz(self):
        """This company's time zone name (the current company's when
        empty): its partner's, else its country's single one, else UTC."""
        return self._okr_company_tz((self[:1] or self.env.company).id)

    @api.model
    @tools.ormcache("company_id")
    def _okr_company_tz(self, company_id):
        # Cached: every status, history point and definition asks it. A
        # change of the partner's time zone or country clears it
        # (res_partner.py), as does a company's partner changed.
        partner = self.browse(company_id).sudo().partner_id
        return company_tz(partner.tz, partner.country_id.code)

    def write(self, vals):
        result = super().write(vals)
        if "partner_id" in vals:
            self.env.registry.clear_cache()
        return result

    def _okr_demo_books_in(self, currency_id):
        """Demo data: these companies keep their books in ``currency_id``,
        when they still may (Invoicing refuses a new currency once journal
        items exist: its own demo's, when it was installed first)."""
        for company in self:
            try:
                with self.env.cr.savepoint():
                    company.currency_id = currency_id
            except UserError as error:
                _logger.warning(
                    "Demo data: %s keeps its currency %s: %s",
                    company.name,
                    company.currency_id.name,
                    error,
                )

    def _okr_today(self):
        """Today in this company's time zone (the current company's when
        empty)."""
        return company_today(self._okr_tz())

    @api.model
    def _okr_today_range(self):
        """The earliest and the latest of the companies' todays: the days a
        scheduled action covers, whichever company's day it is."""
        days = [
            company._okr_today()
            for company in self.sudo().with_context(active_test=False).search([])
        ] or [self.env.company._okr_today()]
        return min(days), max(days)

    def _okr_time_zone_changed(self):
        """These companies' days moved: their automatic key results count
        each record on its new day (rebuilt when the transaction commits),
        and statuses follow the new today."""
        if not self:
            return
        # cached definitions carry the old time zone
        self.env.registry.clear_cache()
        key_results = (
            self.env["okr.key.result"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", self.ids)])
        )
        key_results.filtered(
            lambda kr: kr.source in COUNTING_SOURCES
        )._okr_note_definition_change()
        objectives = key_results.objective_id
        for records in (key_results, objectives):
            self.env.add_to_compute(records._fields["status"], records)
