"""What salespeople see move without reloading: the bus message sent when
key results moved, and the key results of the CRM pipeline's panel.

1. Whatever writes a key result's value, progress, status or target (the
   engine in the deal's transaction, after its commit or in the scheduled
   action; a check-in; a roll-up) passes through ``_write_multi``, which
   notes the key result's id in the transaction's postcommit data.
2. Once the transaction is committed, one callback sends one bus message
   with the ids of every key result noted and of their objectives, however
   many deals and key results moved (``send_moved_after_commit``). A
   transaction rolled back sends nothing (Odoo drops its postcommit
   callbacks); one that moves nothing never registers the callback.
3. The message goes to the OKR users' group channel (every OKR user's web
   client listens to its groups' channels) and holds ids only: no name, no
   value, no count of records. Each client re-reads the records it shows
   through the ORM, with its own rights (``okr_sales/static/src/live``).

The postcommit data, unlike the precommit's, lives until the transaction
ends: savepoints run the precommit callbacks (and the engine) several times
in one transaction, which would send as many messages.
"""

import logging
from functools import partial

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL

from ..engine.definitions import COUNTING_SOURCES

_logger = logging.getLogger(__name__)

# The bus notification type the web client subscribes to.
MOVED_NOTIFICATION = "okr_sales/key_results_moved"
# postcommit data key: the ids of the key results that moved in the transaction
MOVED_KEY = "okr_sales.moved_key_results"
# What the OKR views show of a key result and may have moved.
SHOWN_FIELDS = frozenset(
    {"current_value", "progress", "status", "target_value", "baseline_value"}
)
# Colours of the panel's statuses, as the list views' badges decorate them.
STATUS_COLOURS = {
    "on_track": "success",
    "at_risk": "warning",
    "off_track": "danger",
    "achieved": "info",
}


def send_moved_after_commit(registry, key_result_ids):
    """Send the message of the key results a committed transaction moved, in
    a short transaction of its own. Never fails the committed request."""
    try:
        with registry.cursor() as cr:
            # A message lost in a crash is harmless (the next one, or a
            # reload, shows the values): no wait for the disk at its commit,
            # which was most of its cost.
            cr.execute("SET LOCAL synchronous_commit TO OFF")
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["okr.key.result"]._okr_send_moved(key_result_ids)
    except Exception:
        _logger.exception("The OKR live refresh message could not be sent")


class OkrKeyResultLive(models.AbstractModel):
    _name = "okr.key.result.live"
    _description = "Key Result: live refresh and pipeline panel"

    def _write_multi(self, vals_list):
        super()._write_multi(vals_list)
        # Ids only: nothing is read here, in the middle of a flush.
        moved = [
            key_result.id
            for key_result, vals in zip(self, vals_list, strict=True)
            if SHOWN_FIELDS.intersection(vals)
        ]
        if moved:
            self._okr_note_moved(moved)
        return None  # as the ORM's

    @api.model
    def _okr_note_moved(self, ids):
        """Note key results that moved; one message after the commit."""
        data = self.env.cr.postcommit.data
        moved = data.get(MOVED_KEY)
        if moved is None:
            moved = data[MOVED_KEY] = set()
            self.env.cr.postcommit.add(
                partial(send_moved_after_commit, self.env.registry, moved)
            )
        moved.update(ids)

    @api.model
    def _okr_send_moved(self, key_result_ids):
        """One bus message to the OKR users: the ids of the key results that
        moved and of their objectives, nothing else."""
        # One query, not the ORM's: this runs after every deal that moved
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
        self.env.ref("okr_sales.group_okr_user")._bus_send(
            MOVED_NOTIFICATION,
            {
                "key_result_ids": [row[0] for row in rows],
                "objective_ids": sorted({row[1] for row in rows if row[1]}),
            },
        )

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
        today = fields.Date.context_today(self)
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
            }
            for key_result in key_results
        ]
