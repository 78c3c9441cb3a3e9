"""The key result history starts with what the database already holds: a
point per existing check-in, and today's point of every key result that
counts records (written when the upgrade commits)."""

from odoo import SUPERUSER_ID, api

from odoo.addons.okr_sales.engine.definitions import SOURCE_MANUAL
from odoo.addons.okr_sales.models.okr_key_result_pace import (
    HISTORY_KEY,
    HISTORY_REGISTERED_KEY,
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    checkins = env["okr.checkin"].search([])
    env["okr.key.result.history"]._okr_sync_checkin_points(checkins)
    key_results = env["okr.key.result"].search([("source", "!=", SOURCE_MANUAL)])
    key_results._okr_note(HISTORY_REGISTERED_KEY, HISTORY_KEY, "_okr_write_history")
