"""The key result history starts with what the database already holds: a
point per existing check-in, today's point of every key result that counts
records, and for sums and counts a point per earlier day of the period,
rebuilt from the records they count.

The preset "Activities done" no longer counts the OKRs' own activities
(behind-pace alerts, check-in reminders): it is shipped noupdate, so its new
rule is written here; the key results that follow it follow the change."""

from odoo import SUPERUSER_ID, api

from odoo.addons.okr_sales.engine.definitions import SOURCE_MANUAL

ACTIVITIES_DONE_RULE = (
    "[('active', '=', False), ('date_done', '!=', False),"
    " ('res_model', 'not in', ['okr.key.result', 'okr.objective'])]"
)
ACTIVITIES_DONE_DESCRIPTION = (
    "Activities marked as done in the period, except the OKRs' own "
    "(behind-pace alerts, check-in reminders). Add the activity type to the "
    "rule to count one type only, e.g. ('activity_type_id.name', '=', 'Call')."
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    preset = env.ref("okr_sales.okr_preset_activities_done", raise_if_not_found=False)
    if preset and preset.source_domain == (
        "[('active', '=', False), ('date_done', '!=', False)]"
    ):
        preset.write(
            {
                "source_domain": ACTIVITIES_DONE_RULE,
                "description": ACTIVITIES_DONE_DESCRIPTION,
            }
        )
    checkins = env["okr.checkin"].search([])
    env["okr.key.result.history"]._okr_sync_checkin_points(checkins)
    key_results = env["okr.key.result"].search([("source", "!=", SOURCE_MANUAL)])
    key_results._okr_write_history(dict.fromkeys(key_results.ids))
    # and the days before, from the records they count (sums and counts)
    env["okr.key.result.history"]._okr_backfill(key_results)
