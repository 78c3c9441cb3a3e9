"""The solved time is no longer read from ``closed_date``, which a ticket's
user could write: tickets in a solved stage take the time the chatter's
tracking recorded their move into it (a ticket without such a record keeps
its time: nothing better is known), and the key results counting tickets are
totalled again."""

from odoo import SUPERUSER_ID, api

from odoo.addons.okr_sales.engine.definitions import SOURCE_AUTOMATIC


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    tickets = env["helpdesk.ticket"].with_context(active_test=False).search([])
    tickets._okr_sync_solved_dates(keep=False)
    env.flush_all()
    key_results = (
        env["okr.key.result"]
        .with_context(active_test=False)
        .search(
            [
                ("source", "=", SOURCE_AUTOMATIC),
                ("source_model", "=", "helpdesk.ticket"),
            ]
        )
    )
    env["okr.key.result"]._okr_recompute(key_results.ids)
