"""Statuses in their final form: an objective or key result whose period has
ended reads achieved or missed (no longer "at risk" after the fact), and an
objective without key results has no status instead of "off track". The
daily job recomputes only running periods, so every status is recomputed
once here."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    for model_name in ("okr.objective", "okr.key.result"):
        records = env[model_name].search([])
        env.add_to_compute(records._fields["status"], records)
        records.flush_recordset(["status"])
