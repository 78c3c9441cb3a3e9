"""The webhooks' outbox: what changed, written by the changing transaction.

One row per transaction and event type, written while the transaction
commits (the last reaction of the one commit callback,
``okr_key_result_changes.py``, as the live refresh's bus row): a rolled-back
transaction leaves none, a committed one cannot lose it. A later precommit
run that noted more rewrites the same rows. A deal's
transaction only inserts (no HTTP, no lock on a shared row): the scheduled
action fans the rows out into deliveries (``okr.webhook.delivery``).
"""

import json
import uuid

from odoo import api, fields, models
from odoo.tools import SQL

from ..webhook.events import EVENT_SELECTION

# postcommit data keys: {event type: {key result id: details}} noted in the
# transaction, and {event type: outbox row id} once written
NOTED_KEY = "okr_sales.webhook_noted"
ROW_KEY = "okr_sales.webhook_rows"


class OkrWebhookEvent(models.Model):
    _name = "okr.webhook.event"
    _description = "OKR Webhook Outbox"
    _order = "id"

    uid = fields.Char("Event ID", required=True, readonly=True, index=True, copy=False)
    event_type = fields.Selection(EVENT_SELECTION, required=True, readonly=True)
    # {key result id (str): {"deal": lead id} or {"checkin": check-in id}}
    details = fields.Json(readonly=True)
    fanned_out = fields.Boolean(readonly=True, index=True)

    @api.model
    def _okr_note(self, event_type, details):
        """Note ``{key result id: details}`` for this transaction's outbox
        row of ``event_type``, if an active webhook asks for it."""
        if (
            not details
            or event_type not in self.env["okr.webhook"]._okr_wanted_events()
        ):
            return
        noted = self.env.cr.postcommit.data.setdefault(NOTED_KEY, {})
        by_key_result = noted.setdefault(event_type, {})
        for kr_id, detail in details.items():
            # the first cause noted is the one told (a deal, a check-in, the
            # status before the transaction)
            if not by_key_result.get(kr_id):
                by_key_result[kr_id] = detail or {}
        # the rows are written (again) by this precommit run
        self.env["okr.key.result"]._okr_changes().outbox = True

    @api.model
    def _okr_write_outbox(self):
        """Write (or rewrite, on a later precommit run) the transaction's
        outbox rows: one insert or update per event type."""
        noted = self.env.cr.postcommit.data.get(NOTED_KEY) or {}
        rows = self.env.cr.postcommit.data.setdefault(ROW_KEY, {})
        written = False
        for event_type, by_key_result in noted.items():
            details = json.dumps({str(k): v for k, v in sorted(by_key_result.items())})
            row_id = rows.get(event_type)
            if row_id:
                self.env.cr.execute(
                    SQL(
                        "UPDATE okr_webhook_event SET details = %s::jsonb"
                        " WHERE id = %s",
                        details,
                        row_id,
                    )
                )
                if self.env.cr.rowcount:
                    continue
                # gone with a savepoint rolled back: written again below
            self.env.cr.execute(
                SQL(
                    "INSERT INTO okr_webhook_event (uid, event_type, details,"
                    " fanned_out, create_uid, create_date, write_uid, write_date)"
                    " VALUES (%s, %s, %s::jsonb, FALSE, %s, now() AT TIME ZONE 'UTC',"
                    " %s, now() AT TIME ZONE 'UTC') RETURNING id",
                    str(uuid.uuid4()),
                    event_type,
                    details,
                    self.env.uid,
                    self.env.uid,
                )
            )
            rows[event_type] = self.env.cr.fetchone()[0]
            written = True
        if written:
            # delivered once the coalescing window has passed
            self.env["okr.webhook.delivery"]._okr_wake_sender()
