"""What salespeople see move without reloading: the bus message sent when
key results moved, and the key results of the CRM pipeline's panel.

1. Whatever writes a key result's value, progress, status or target (the
   engine in the deal's transaction, after its commit or in the scheduled
   action; a check-in; a roll-up) records it in the transaction's change
   list (``okr_key_result_changes.py``).
2. While the transaction commits (a reaction of the one commit callback,
   after the values), the ids of every key result moved and of their
   objectives are written as one ``bus_bus`` row, in the transaction
   itself: no second transaction per deal. Odoo announces the row after
   the commit (the bus's ``NOTIFY``, shared with the won-deal
   notification). Savepoints run the precommit callbacks several times in
   one transaction: a later run that moved more key results rewrites the
   same row, so that a transaction sends one message however many deals
   and key results moved. A transaction rolled
   back sends nothing (the row goes with it); one that moves nothing writes
   no row.
3. The message goes to the OKR users' group channel (every OKR user's web
   client listens to its groups' channels) and holds ids only: no name, no
   value, no count of records. Each client re-reads the records it shows
   through the ORM, with its own rights (``okr_sales/static/src/live``).
"""

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from ..engine.definitions import COUNTING_SOURCES
from ..engine.progress import (
    STATUS_ACHIEVED,
    STATUS_AT_RISK,
    STATUS_OFF_TRACK,
    STATUS_ON_TRACK,
)

# The bus notification type the web client subscribes to.
MOVED_NOTIFICATION = "okr_sales/key_results_moved"
# postcommit data keys (they live until the transaction ends, unlike the
# precommit's): the ids of the key results that moved in the transaction,
# and the id of its bus_bus row once written
MOVED_KEY = "okr_sales.moved_key_results"
MOVED_ROW_KEY = "okr_sales.moved_bus_row"
# What the OKR views show of a key result and may have moved.
SHOWN_FIELDS = frozenset(
    {"current_value", "progress", "status", "target_value", "baseline_value"}
)
# Colours of the panel's statuses, as the list views' badges decorate them.
STATUS_COLOURS = {
    STATUS_ON_TRACK: "success",
    STATUS_AT_RISK: "warning",
    STATUS_OFF_TRACK: "danger",
    STATUS_ACHIEVED: "info",
}


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # THE MOVED MESSAGE (A REACTION AT COMMIT)
    # ------------------------------------------------------------------

    @api.model
    def _okr_write_moved_message(self, changed):
        """Write the transaction's bus message of the key results that moved
        (``{kr id: names}``): one row, rewritten if a later precommit run
        moved more key results."""
        key_result_ids = self.env.cr.postcommit.data.setdefault(MOVED_KEY, set())
        key_result_ids.update(changed)
        if not key_result_ids:
            return
        # One query, not the ORM's: this runs for every deal that moved
        # key results.
        rows = self.env.execute_query(
            SQL(
                "SELECT id, objective_id FROM okr_key_result WHERE id = ANY(%s)"
                " ORDER BY id",
                sorted(key_result_ids),
            )
        )
        if not rows:
            return
        message = json_dump(
            {
                "type": MOVED_NOTIFICATION,
                "payload": {
                    "key_result_ids": [row[0] for row in rows],
                    "objective_ids": sorted({row[1] for row in rows if row[1]}),
                },
            }
        )
        postcommit = self.env.cr.postcommit.data
        row_id = postcommit.get(MOVED_ROW_KEY)
        if row_id:
            self.env.cr.execute(
                SQL("UPDATE bus_bus SET message = %s WHERE id = %s", message, row_id)
            )
            if self.env.cr.rowcount:
                return
            # gone with a savepoint rolled back: written again below
        # by its cached id: ``env.ref`` would ask whether the group exists
        group = self.env["res.groups"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id("okr_sales.group_okr_user")
        )
        channel = channel_with_db(self.env.cr.dbname, group)
        bus = self.env["bus.bus"].sudo()
        postcommit[MOVED_ROW_KEY] = bus.create(
            {"channel": json_dump(channel), "message": message}
        ).id
        # announced after the commit by the bus's own NOTIFY, as _bus_send's
        bus._ensure_hooks()
        postcommit["bus.bus.channels"].add(channel)

    # ------------------------------------------------------------------
    # THE CRM PIPELINE'S PANEL
    # ------------------------------------------------------------------

    @api.model
    def get_pipeline_panel_data(self):
        """The current user's own key results of the current period, as the
        pipeline's panel shows them, read with her rights: only what she
        may read, and nothing for a user without OKRs."""
        if not self.env.user.has_group("okr_sales.group_okr_user"):
            return []
        today = self.env.company._okr_today()
        key_results = self.env["okr.key.result"].search(
            [
                ("user_id", "=", self.env.uid),
                ("date_start", "<=", today),
                ("date_end", ">=", today),
                ("objective_id.active", "=", True),
            ]
        )
        statuses = dict(
            self.env["okr.key.result"]
            ._fields["status"]
            ._description_selection(self.env)
        )
        return [
            {
                "id": key_result.id,
                "name": key_result.name,
                "objective": key_result.objective_id.display_name,
                "progress": round(key_result.progress),
                "status": key_result.status or False,
                "status_label": statuses.get(key_result.status, ""),
                "colour": STATUS_COLOURS.get(key_result.status, "secondary"),
                "value": key_result.value_display,
                "automatic": key_result.source in COUNTING_SOURCES,
                "coverage": key_result.coverage_summary or False,
            }
            for key_result in key_results
        ]
