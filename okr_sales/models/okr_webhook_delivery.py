"""Deliveries of the webhooks' outbox, and the scheduled action that posts
them.

1. Fan-out: each outbox row (``okr.webhook.event``) becomes a delivery per
   active webhook that asks for its event type and hears of its key results
   (company, level, teams, key results), due once the coalescing window
   has passed.
2. Per webhook, the due deliveries of one key result and event type are
   coalesced: the latest is sent, with the key result's state at that
   moment; the older ones are marked superseded.
3. Each is posted (``webhook.sender``), signed, to the address its URL was
   checked at, within a wall-clock deadline; delivered only after a 2xx.
   The attempt is committed before the post (counted, its retry time set)
   and its outcome after: a scheduled action killed mid-way leaves the
   delivery queued for its retry time, not for the next run, and it is
   sent again then (with the same event id, which the receiver
   de-duplicates). A failure is retried with exponential backoff and
   jitter; after the setting's number of attempts the delivery is dead,
   and a manager may retry it.

Time is bounded at three levels, so that no endpoint can hold the run nor
the server: an attempt (``sender.DEADLINE``), an endpoint per run
(``ENDPOINT_SECONDS``, which caps the deadline of its last attempt), and
the run (``_okr_run_seconds``, a share of the cron's time limit, which
caps the endpoints'). An endpoint that does not answer is left for this
run; what time left undone is left for the next run, which is asked for at
once.
"""

import logging
import time
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, config

from ..webhook import payload, sender, signature
from ..webhook import url as webhook_url
from ..webhook.events import (
    COALESCE_PARAM,
    DEFAULT_COALESCE_SECONDS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_PURGE_DAYS,
    EVENT_CHECKIN,
    EVENT_FIELDS,
    EVENT_NAMES,
    EVENT_SELECTION,
    FORMAT_CHAT,
    MAX_ATTEMPTS_PARAM,
    PURGE_DAYS_PARAM,
)

_logger = logging.getLogger(__name__)

# A run fans out and sends at most this many: the rest on the next run.
BATCH = 500
# Deliveries of one endpoint a minute, at most.
RATE_PER_MINUTE = 60
# Seconds a run spends on one endpoint, at most, before the next one's turn.
ENDPOINT_SECONDS = 10
# An attempt is started only with this many seconds left to it: a shorter
# deadline would fail a healthy endpoint.
MIN_ATTEMPT_SECONDS = 1
# A run stops after this share of the cron's time limit (Odoo kills a cron
# past it, and the threaded server may not come back): the rest is for the
# fan-out, the purge and the commit, with room to spare.
RUN_SHARE = 0.5
# Odoo's default limit_time_real, used when no limit is set.
DEFAULT_TIME_LIMIT = 120
EVENT_ID_NAMESPACE = uuid.UUID("9a4e6a52-3f0e-4c57-9f0e-6b3c2b1d7a10")


class OkrWebhookDelivery(models.Model):
    _name = "okr.webhook.delivery"
    _description = "OKR Webhook Delivery"
    _order = "id desc"

    webhook_id = fields.Many2one(
        "okr.webhook", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="webhook_id.company_id", store=True)
    event_id = fields.Many2one(
        "okr.webhook.event", required=True, ondelete="cascade", readonly=True
    )
    event_uid = fields.Char(
        "Event ID",
        required=True,
        readonly=True,
        help="Sent as the payload's id and the X-OKR-Event-Id header: the "
        "same on every attempt, so that the receiver can skip a repeat.",
    )
    event_type = fields.Selection(EVENT_SELECTION, required=True, readonly=True)
    key_result_id = fields.Many2one(
        "okr.key.result", index=True, ondelete="cascade", readonly=True
    )
    state = fields.Selection(
        string="Status",
        selection=[
            ("queued", "Queued"),
            ("delivered", "Delivered"),
            ("superseded", "Superseded"),
            ("dead", "Dead"),
        ],
        required=True,
        default="queued",
        index=True,
        readonly=True,
    )
    attempts = fields.Integer(readonly=True)
    coalesced = fields.Integer(
        default=1, readonly=True, help="Changes this delivery stands for."
    )
    next_attempt_at = fields.Datetime(readonly=True, index=True)
    last_attempt_at = fields.Datetime(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    http_status = fields.Integer("HTTP Status", readonly=True)
    latency_ms = fields.Integer("Latency (ms)", readonly=True)
    last_error = fields.Char(readonly=True)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_retry(self):
        """Send dead (or queued) deliveries again, from the first attempt."""
        if not (self.env.su or self.env.user._okr_is_manager()):
            raise AccessError(self.env._("Only OKR managers can retry deliveries."))
        retried = self.filtered(lambda d: d.state in ("dead", "queued"))
        retried.sudo().write(
            {
                "state": "queued",
                "attempts": 0,
                "next_attempt_at": fields.Datetime.now(),
                "last_error": False,
            }
        )
        self._okr_wake_sender()

    # ------------------------------------------------------------------
    # THE SCHEDULED ACTION
    # ------------------------------------------------------------------

    @api.model
    def _okr_wake_sender(self):
        """Run the scheduled action once the coalescing window has passed.

        The trigger row ``ir.cron._trigger`` would create, inserted in one
        statement: this runs in every deal's transaction while a webhook
        listens. A moment to come needs no NOTIFY (the scheduler reads
        its triggers when it wakes up).
        """
        window = self.env["okr.webhook"]._okr_int_param(
            COALESCE_PARAM, DEFAULT_COALESCE_SECONDS
        )
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "okr_sales.ir_cron_okr_webhook_deliver"
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid,"
                " create_date, write_uid, write_date) VALUES (%s,"
                " (now() AT TIME ZONE 'UTC') + %s * interval '1 second',"
                " %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')",
                cron_id,
                max(window, 1),
                self.env.uid,
                self.env.uid,
            )
        )

    @api.model
    def _cron_deliver(self):
        """Fan out the outbox, post the due deliveries, purge old ones; within
        ``_okr_run_seconds``, the next run asked for when time ran out."""
        run_end = time.monotonic() + self._okr_run_seconds()
        self._okr_fan_out()
        self._okr_commit()
        left_over = False
        for webhook in self.env["okr.webhook"].search([("active", "=", True)]):
            if run_end - time.monotonic() < MIN_ATTEMPT_SECONDS:
                left_over = True
                break
            left_over |= self._okr_send_due(webhook, run_end)
        self._okr_purge()
        if left_over:
            self.env.ref("okr_sales.ir_cron_okr_webhook_deliver").sudo()._trigger()

    @api.model
    def _okr_run_seconds(self):
        """Seconds a run may post for: ``RUN_SHARE`` of the time Odoo gives a
        cron (``limit_time_real_cron``, or ``limit_time_real`` when that is
        0 or -1: the threaded server applies it to cron threads then)."""
        limit = config.get("limit_time_real_cron") or 0
        if limit <= 0:
            limit = config.get("limit_time_real") or 0
        if limit <= 0:
            limit = DEFAULT_TIME_LIMIT
        return limit * RUN_SHARE

    def _okr_commit(self):
        """Commit what is done when run as the scheduled action (a test's
        transaction is never committed)."""
        if self.env.context.get("cron_id"):
            self.env["ir.cron"]._commit_progress()

    @api.model
    def _okr_fan_out(self):
        self.env["okr.webhook.event"].flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM okr_webhook_event WHERE NOT fanned_out"
                " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                BATCH,
            )
        )
        if not rows:
            return
        events = self.env["okr.webhook.event"].browse([row[0] for row in rows])
        webhooks = self.env["okr.webhook"].search([("active", "=", True)])
        window = timedelta(
            seconds=self.env["okr.webhook"]._okr_int_param(
                COALESCE_PARAM, DEFAULT_COALESCE_SECONDS
            )
        )
        key_results = self.env["okr.key.result"].with_context(active_test=False)
        values = []
        for event in events:
            wanting = webhooks.filtered(EVENT_FIELDS[event.event_type])
            for kr_id in event.details or {}:
                key_result = key_results.browse(int(kr_id)).exists()
                if not key_result:
                    continue
                for webhook in wanting:
                    if webhook._okr_matches(key_result):
                        values.append(
                            {
                                "webhook_id": webhook.id,
                                "event_id": event.id,
                                "event_uid": str(
                                    uuid.uuid5(
                                        EVENT_ID_NAMESPACE, f"{event.uid}:{kr_id}"
                                    )
                                ),
                                "event_type": event.event_type,
                                "key_result_id": key_result.id,
                                "next_attempt_at": event.create_date + window,
                            }
                        )
        self.create(values)
        events.write({"fanned_out": True})

    @api.model
    def _okr_send_due(self, webhook, run_end):
        """Post the due deliveries of ``webhook``, coalesced, each committed
        on its own; stop at the first one that gets no answer, and when the
        endpoint's time or the run's (``run_end``, monotonic) is up. Returns
        whether due deliveries were left for lack of time."""
        now = fields.Datetime.now()
        sent_lately = self.search_count(
            [
                ("webhook_id", "=", webhook.id),
                ("last_attempt_at", ">", now - timedelta(minutes=1)),
            ]
        )
        budget = min(BATCH, RATE_PER_MINUTE - sent_lately)
        if budget <= 0:
            return False
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM okr_webhook_delivery WHERE webhook_id = %s"
                " AND state = 'queued' AND next_attempt_at <= %s"
                " ORDER BY id FOR UPDATE SKIP LOCKED",
                webhook.id,
                now,
            )
        )
        due = self.browse([row[0] for row in rows])
        latest = {}
        for delivery in due:  # in id order: the last one of a key wins
            key = (delivery.event_type, delivery.key_result_id.id)
            if key in latest:
                older = latest[key]
                delivery.coalesced += older.coalesced
                older.state = "superseded"
            latest[key] = delivery
        self._okr_commit()
        endpoint_end = min(time.monotonic() + ENDPOINT_SECONDS, run_end)
        for delivery in sorted(latest.values(), key=lambda d: d.id)[:budget]:
            left = endpoint_end - time.monotonic()
            if left < MIN_ATTEMPT_SECONDS:
                return True  # a slow endpoint: the others' turn, the rest next run
            if not delivery._okr_send(min(sender.DEADLINE, left)):
                break  # this endpoint is down: its other deliveries wait
        return False

    def _okr_send(self, seconds):
        """Post this delivery within ``seconds``; True unless the endpoint
        gave no answer."""
        self.ensure_one()
        webhook = self.webhook_id
        max_attempts = webhook._okr_int_param(MAX_ATTEMPTS_PARAM, DEFAULT_MAX_ATTEMPTS)
        # counted before it is made: a run killed while it posts leaves it
        # for its retry time, not for the next run to repeat at once
        attempts = self.attempts + 1
        now = fields.Datetime.now()
        self.write(
            {
                "attempts": attempts,
                "last_attempt_at": now,
                "next_attempt_at": now
                + timedelta(seconds=sender.retry_delay(attempts)),
            }
        )
        self._okr_commit()
        try:
            addresses = webhook_url.check(webhook.url, webhook._okr_allow_private())
            body = self._okr_body()
        except webhook_url.RefusedURL as refused:
            outcome = sender.Outcome(False, 0, 0, webhook._okr_refusal(refused))
        except Exception as error:  # noqa: BLE001 - this delivery's failure
            # a body that cannot be built fails this delivery (retried, then
            # dead), never the run: the others are still sent
            _logger.exception("Webhook %s: delivery %s not built", webhook.id, self.id)
            outcome = sender.Outcome(False, -1, 0, f"{type(error).__name__}: {error}")
        else:
            headers = {
                signature.SIGNATURE_HEADER: signature.sign(webhook.sudo().secret, body),
                "X-OKR-Event-Id": self.event_uid,
                "X-OKR-Event-Type": EVENT_NAMES[self.event_type],
            }
            outcome = sender.post(webhook.url, body, headers, addresses, seconds)
        values = {
            "http_status": outcome.status,
            "latency_ms": outcome.latency_ms,
            "last_error": outcome.error or False,
        }
        if outcome.delivered:
            values.update(state="delivered", delivered_at=fields.Datetime.now())
        elif attempts >= max_attempts:
            values["state"] = "dead"
            _logger.warning(
                "Webhook %s: delivery %s dead after %s attempts: %s",
                webhook.id,
                self.id,
                attempts,
                outcome.error,
            )
        self.write(values)
        self._okr_commit()
        # 0: no answer from the endpoint (down, refused URL), the rest waits
        return outcome.delivered or outcome.status != 0

    def _okr_body(self):
        """The body to post, in the webhook's language and format, with the
        key result as it stands now."""
        webhook = self.webhook_id
        env = self.env(context=dict(self.env.context, lang=webhook.lang))
        key_result = env["okr.key.result"].browse(self.key_result_id.id)
        detail = (self.event_id.details or {}).get(str(key_result.id)) or {}
        deal = checkin = None
        if detail.get("deal"):
            lead = env["crm.lead"].browse(detail["deal"]).exists()
            deal = lead and {
                "id": lead.id,
                "name": lead.name,
                "salesperson": lead.user_id.name or None,
                "amount": lead.expected_revenue,
                "currency": lead.company_currency.name or None,
            }
        if self.event_type == EVENT_CHECKIN and detail.get("checkin"):
            record = env["okr.checkin"].browse(detail["checkin"]).exists()
            checkin = record and {
                "id": record.id,
                "date": fields.Date.to_string(record.date),
                "value": record.value,
                "confidence": record.confidence,
                "comment": record.comment or None,
                "user": record.user_id.name or None,
                "external_ref": record.external_ref or None,
            }
        if webhook.payload_format == FORMAT_CHAT:
            return payload.chat_body(
                key_result._okr_webhook_sentence(
                    self.event_type, detail, deal, checkin, payload.chat_escape
                )
            )
        text = key_result._okr_webhook_sentence(self.event_type, detail, deal, checkin)
        return payload.json_body(
            self.event_uid,
            EVENT_NAMES[self.event_type],
            self.event_id.create_date.isoformat() + "Z",
            self.coalesced,
            key_result._okr_webhook_state(),
            text,
            deal=deal or None,
            checkin=checkin or None,
            previous_status=detail.get("previous_status"),
        )

    @api.model
    def _okr_purge(self):
        days = self.env["okr.webhook"]._okr_int_param(
            PURGE_DAYS_PARAM, DEFAULT_PURGE_DAYS
        )
        if not days:
            return
        limit = fields.Datetime.now() - timedelta(days=days)
        self.search(
            [
                ("state", "in", ("delivered", "superseded")),
                ("write_date", "<", limit),
            ]
        ).unlink()
        self.env.cr.execute(
            SQL(
                "DELETE FROM okr_webhook_event e WHERE e.fanned_out"
                " AND e.create_date < %s AND NOT EXISTS (SELECT 1 FROM"
                " okr_webhook_delivery d WHERE d.event_id = e.id)",
                limit,
            )
        )
