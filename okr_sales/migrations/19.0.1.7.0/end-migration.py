"""One today: the company's (19.0.1.7.0). A record dated by a datetime is
counted on its company's day, no longer on UTC's: a deal won at 00:30 in
Hanoi on the 1st belongs to the 1st. A key result's definition carries its
company's time zone, so every automatic key result counts its records again
here (its definition changed, ``_okr_sync_definitions``), and the statuses
of running periods are taken on the company's today, no longer the
reader's.

At the end of the upgrade (``end-``), not after okr_sales alone: the key
results of the bridges (helpdesk tickets, survey answers) are counted with
their addons loaded, as every day."""

import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api

from odoo.addons.okr_sales.engine.definitions import COUNTING_SOURCES
from odoo.addons.okr_sales.engine.pg import engine_settings

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    key_results = env["okr.key.result"]
    automatic = key_results.search([("source", "in", COUNTING_SOURCES)])
    with engine_settings(cr):
        key_results._okr_sync_definitions(automatic.ids)
    _logger.info(
        "%s automatic key result(s) counted again on their company's days",
        len(automatic),
    )
    earliest, _latest = env["res.company"]._okr_today_range()
    for model_name in ("okr.objective", "okr.key.result"):
        records = env[model_name].search(
            [("date_end", ">=", earliest - timedelta(days=1))]
        )
        env.add_to_compute(records._fields["status"], records)
        records.flush_recordset(["status"])
