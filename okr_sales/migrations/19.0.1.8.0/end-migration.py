"""No status before any data; alignment warnings written when read
(19.0.1.8.0).

A key result that nothing measured yet (no record counted, no check-in, its
value still the baseline) has no status while its period runs, nor an
objective none of whose key results has one: the statuses of running
periods are taken again. An alignment warning is written when it is read,
in the reader's language: its stored text, in whatever language the last
change was made, is dropped (its kinds stay stored, for the filter and the
grouping). The kinds are taken again, of every key result and objective: the
scope check no longer flags a key result whose scope is narrower than its
level (a team leader's key result counting her own deals), only a wider one.

At the end of the upgrade, as 19.0.1.7.0's: the bridges' key results are
loaded."""

import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    earliest, _latest = env["res.company"]._okr_today_range()
    # key results first: an objective's status reads theirs
    for model_name in ("okr.key.result", "okr.objective"):
        records = env[model_name].search(
            [("date_end", ">=", earliest - timedelta(days=1))]
        )
        env.add_to_compute(records._fields["status"], records)
        records.flush_recordset(["status"])
        _logger.info("%s: %s status(es) taken again", model_name, len(records))
    # key results first: an objective's kinds gather theirs
    for model_name in ("okr.key.result", "okr.objective"):
        records = env[model_name].search([])
        for field_name in ("alignment_check_ids", "has_alignment_warning"):
            env.add_to_compute(records._fields[field_name], records)
        records.flush_recordset(["alignment_check_ids", "has_alignment_warning"])
        _logger.info(
            "%s: alignment warnings of %s record(s) taken again",
            model_name,
            len(records),
        )
    for table in ("okr_key_result", "okr_objective"):
        cr.execute(
            SQL(
                "ALTER TABLE %s DROP COLUMN IF EXISTS alignment_warning",
                SQL.identifier(table),
            )
        )
