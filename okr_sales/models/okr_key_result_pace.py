"""The key result against the calendar: where it should stand today, its
history, and the owner's alerts when it falls behind.

How a deal reaches the owner's to-do list (``okr_key_result_changes.py``):

1. The engine (or a check-in) writes ``current_value``; the ORM recomputes
   ``progress`` and ``status`` at the next flush. Both land in the
   transaction's change list.
2. At the commit, the one commit callback runs two reactions of this file
   over the whole list: the day's history points of every key result whose
   value moved, upserted in one statement (``_okr_write_history``), then
   the "behind pace" activity opened or closed of those whose status was
   written, or that were created (``_okr_process_status``).
3. Right after the commit, in a transaction of its own, the open activity
   of those still behind whose value moved is rewritten with the numbers of
   now (``refresh_alerts_after_commit``): never a stale "5.35 bn" once she
   reached 9.2 bn, and nothing added to the deal's statements.

A value written later in the same commit (by another precommit callback)
runs the callback again: its point is written too.
"""

import logging
from datetime import timedelta
from functools import partial

from odoo import SUPERUSER_ID, api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, plaintext2html

from ..engine.definitions import SOURCE_MANUAL
from ..engine.progress import (
    BEHIND_STATUSES,
    STATUS_MISSED,
    expected_progress,
    expected_value,
    key_result_progress,
    pace_status,
)
from ..tools.amount_field import Amount
from .base import UNTRACKED_KEY
from .okr_key_result_changes import STATUS_TRIGGERS

_logger = logging.getLogger(__name__)

BEHIND_ACTIVITY_XMLID = "okr_sales.mail_activity_type_okr_behind_pace"
REMINDER_ACTIVITY_XMLID = "okr_sales.mail_activity_type_okr_checkin_reminder"
# The key results whose behind-pace activity is rewritten after the commit.
ALERTS_KEY = "okr_sales.alerts_to_refresh"
# Days without a check-in before the weekly reminder.
CHECKIN_REMINDER_DAYS = 7


# A file of its own, as the engine's: one reason to change (the calendar and
# the owner's alerts), apart from what a key result is and how it counts.
class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    expected_value = Amount(
        "Expected Today",
        currency_field="currency_id",
        compute="_compute_expected_value",
        help="Where the key result should stand at the end of today to keep "
        "pace: baseline + (target - baseline) x the share of the period "
        "elapsed (of the current month or quarter for a key result measured "
        "each month or quarter).",
    )
    expected_progress = fields.Float(
        "Pace",
        compute="_compute_expected_value",
        digits=(16, 1),
        help="Share of the period elapsed at the end of today, in percent: the "
        "progress that keeps pace.",
    )
    history_ids = fields.One2many(
        "okr.key.result.history", "key_result_id", readonly=True
    )
    alert_activity_id = fields.Many2one(
        "mail.activity",
        "Behind-Pace Activity",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The owner's activity opened when the key result fell behind "
        "pace; marked done when it is back on track.",
    )

    @api.depends(
        "baseline_value", "target_value", "date_start", "date_end", "cadence", "source"
    )
    def _compute_expected_value(self):
        for key_result in self:
            today = key_result._okr_today()
            date_start, date_end = key_result._pace_period(today)
            key_result.expected_value = expected_value(
                key_result.baseline_value,
                key_result.target_value,
                date_start,
                date_end,
                today,
            )
            key_result.expected_progress = (
                expected_progress(date_start, date_end, today)
                if date_start and date_end
                else 0.0
            )

    def _okr_today(self):
        """Today in the key result's company (the current company's on no
        key result): the one day of its bucket, status, pace, history point
        and alerts, whoever reads it (``res.company._okr_today``)."""
        return (self[:1].company_id or self.env.company)._okr_today()

    def _okr_tz(self):
        """The time zone of the key result's company: the day its records
        are counted on (``res.company._okr_tz``)."""
        return (self[:1].company_id or self.env.company)._okr_tz()

    def _okr_period_closed(self):
        """Whether this key result's period is closed: over (it ended before
        the company's today) or closed by Close Period (its objective
        archived). Its value is then the period's result."""
        self.ensure_one()
        return not self.objective_id.active or bool(
            self.date_end and self.date_end < self._okr_today()
        )

    # ------------------------------------------------------------------
    # STATUS
    # ------------------------------------------------------------------

    def _okr_forecast_progresses(self):
        """``{kr id: progress}`` the pipeline forecast expects at the end of
        the period, of those of these key results with a forecast:
        ``pace_status`` lets it raise the status (never lower it)."""
        with_rule = self.filtered(lambda kr: (kr.forecast_domain or "").strip())
        return {
            key_result.id: key_result_progress(
                key_result.baseline_value, key_result.target_value, forecast
            )
            for key_result, forecast in (
                (self.browse(kr_id), forecast)
                for kr_id, forecast in with_rule._okr_forecasts_by_today().items()
            )
            if forecast is not None
        }

    def _okr_pace_status(self, thresholds, forecast=None):
        """The status of this key result on its company's today with
        ``thresholds`` ``(on_track, at_risk)``, raised by the ``forecast``
        progress if given (``_okr_forecast_progresses``)."""
        self.ensure_one()
        today = self._okr_today()
        date_start, date_end = self._pace_period(today)
        on_track, at_risk = thresholds
        return pace_status(
            self.progress,
            date_start,
            date_end,
            today,
            on_track=on_track,
            at_risk=at_risk,
            forecast=forecast,
            has_data=self._okr_has_data(),
        )

    def _okr_has_data(self):
        """Whether anything measured this key result yet: a record counted
        (its last move), a check-in, or a value off its baseline."""
        self.ensure_one()
        return bool(
            self.last_moved_date
            or self.last_checkin_date
            or self.current_value != self.baseline_value
        )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        key_results = super().create(vals_list)
        # Born behind pace (created mid-period): the owner hears of it too.
        key_results._okr_note_status()
        return key_results

    # ------------------------------------------------------------------
    # HISTORY
    # ------------------------------------------------------------------

    @api.model
    def _okr_write_history(self, changed):
        """Upsert the day's point of the key results whose value moved
        (``{kr id: names}``; not manual ones: their points are check-ins)."""
        key_results = self.browse(list(changed)).exists()
        rows, days = [], {}
        for key_result in key_results.filtered(lambda kr: kr.source != SOURCE_MANUAL):
            # the day is the company's: asked once per company
            company = key_result.company_id
            if company not in days:
                days[company] = key_result._okr_today()
            today = days[company]
            date_start, date_end = key_result._pace_period(today)
            rows.append(
                (
                    key_result.id,
                    key_result.company_id.id,
                    today,
                    key_result.current_value,
                    key_result.progress,
                    expected_value(
                        key_result.baseline_value,
                        key_result.target_value,
                        date_start,
                        date_end,
                        today,
                    ),
                )
            )
        self.env["okr.key.result.history"]._okr_upsert_daily_points(rows)

    # ------------------------------------------------------------------
    # ALERTS
    # ------------------------------------------------------------------

    @api.model
    def _okr_process_status(self, changed):
        """Open the owner's activity of the key results (``{kr id: names}``)
        that fell behind pace, close that of those back on track; rewrite
        that of those still behind whose value moved, right after the commit.
        Never the deal's failure: a key result whose alert fails is logged
        and left as it was."""
        status_ids = [
            kr_id for kr_id, names in changed.items() if names & STATUS_TRIGGERS
        ]
        # a value moved, no status: the open alert, if any, tells it after
        # the commit (read from the cache the value's write filled)
        moved = self.browse(
            [kr_id for kr_id in changed if kr_id not in status_ids]
        ).filtered("alert_activity_id")
        for key_result in (
            self.browse(status_ids)
            .exists()
            .with_context(mail_notrack=True, **{UNTRACKED_KEY: True})
        ):
            try:
                with self.env.cr.savepoint():
                    key_result._okr_update_alert()
            except Exception:
                _logger.exception(
                    "Key result %s: behind-pace alert not updated", key_result.id
                )
        if moved:
            # right after the commit, in a transaction of its own: the deal's
            # pays nothing for a text
            pending = self.env.cr.postcommit.data.setdefault(ALERTS_KEY, set())
            if not pending:
                self.env.cr.postcommit.add(
                    partial(refresh_alerts_after_commit, self.env.registry, pending)
                )
            pending.update(moved.ids)

    def _okr_update_alert(self):
        """One open activity while behind pace, whatever the number of
        recomputes and deals, telling the value of now; none once back on
        track or achieved. Written in the owner's language."""
        self.ensure_one()
        behind = self.active and self.user_id and self.status in BEHIND_STATUSES
        activity = self.alert_activity_id
        if behind and not activity:
            reason = self._okr_owner_reason()
            activity = self.activity_schedule(
                BEHIND_ACTIVITY_XMLID,
                date_deadline=self._okr_today(),
                # a text, whatever the key result's name holds
                note=plaintext2html(reason),
                user_id=self.user_id.id,
            )
            self.message_post(body=reason, subtype_xmlid="mail.mt_note")
            self.alert_activity_id = activity
        elif behind:
            # the same alert, its status and numbers those of now
            self._okr_refresh_alert_notes()
        elif activity:
            self.alert_activity_id = False
            if activity.active:
                owner = self.with_context(lang=self.user_id.lang or self.env.lang)
                activity.action_feedback(feedback=owner._okr_recovery_reason())
                # written now, in this context: the engine need not follow it
                activity.flush_recordset()

    def _okr_owner_reason(self):
        """Why the key result is behind, in its owner's language."""
        self.ensure_one()
        lang = self.user_id.lang or self.env.lang
        return self.with_context(lang=lang)._okr_behind_reason()

    def _okr_refresh_alert_notes(self, lock=False):
        """The open behind-pace activities of these key results (still
        behind) rewritten with the numbers of now, in one statement. The
        note is our own text made HTML (``plaintext2html``): nothing to
        sanitize. ``lock``: after the commit, where two deals' refreshes may
        race, the activities are locked first (in the order of their ids:
        never a deadlock) and the numbers read after: a refresh that waited
        writes what the one before it committed too."""
        behind = self.filtered(
            lambda kr: kr.status in BEHIND_STATUSES and kr.alert_activity_id
        )
        if behind and lock:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM mail_activity WHERE id = ANY(%s) AND active"
                    " ORDER BY id FOR UPDATE",
                    behind.alert_activity_id.ids,
                )
            )
            locked = {row[0] for row in self.env.cr.fetchall()}
            behind.invalidate_recordset()
            behind = behind.filtered(
                lambda kr: (
                    kr.status in BEHIND_STATUSES and kr.alert_activity_id.id in locked
                )
            )
        if not behind:
            return
        rows = [
            SQL(
                "(%s, %s)",
                key_result.alert_activity_id.id,
                str(plaintext2html(key_result._okr_owner_reason())),
            )
            for key_result in behind
        ]
        self.env.cr.execute(
            SQL(
                "UPDATE mail_activity a SET note = v.note,"
                " write_date = now() at time zone 'UTC'"
                " FROM (VALUES %s) AS v (id, note)"
                " WHERE a.id = v.id AND a.active AND a.note IS DISTINCT FROM v.note",
                SQL(", ").join(rows),
            )
        )
        self.env["mail.activity"].invalidate_model(["note", "write_date"])

    def _okr_behind_reason(self):
        """Why the key result is behind, with the numbers of now."""
        status = dict(self._fields["status"]._description_selection(self.env))[
            self.status
        ]
        return self.env._(
            "%(name)s is %(status)s: %(value)s where %(expected)s was expected "
            "by today, for a target of %(target)s (progress %(progress)s%%, "
            "pace %(pace)s%%).",
            name=self.name,
            status=status.lower(),
            value=self._okr_value_display(self.current_value),
            expected=self._okr_value_display(self.expected_value),
            target=self._okr_value_display(self.target_value),
            progress=self._okr_percent_display(self.progress),
            pace=self._okr_percent_display(self.expected_progress),
        )

    def _okr_recovery_reason(self):
        if self.status == STATUS_MISSED:
            # Not back on pace: the period ended, the alert has nothing left
            # to act on.
            return self.env._(
                "The period is over: final value %(value)s for a target of "
                "%(target)s (progress %(progress)s%%).",
                value=self._okr_value_display(self.current_value),
                target=self._okr_value_display(self.target_value),
                progress=self._okr_percent_display(self.progress),
            )
        status = dict(self._fields["status"]._description_selection(self.env)).get(
            self.status
        ) or self.env._("no status")
        return self.env._(
            "Back to %(status)s: %(value)s where %(expected)s was expected by "
            "today (progress %(progress)s%%, pace %(pace)s%%).",
            status=status.lower(),
            value=self._okr_value_display(self.current_value),
            expected=self._okr_value_display(self.expected_value),
            progress=self._okr_percent_display(self.progress),
            pace=self._okr_percent_display(self.expected_progress),
        )

    # ------------------------------------------------------------------
    # CHECK-IN REMINDERS
    # ------------------------------------------------------------------

    @api.model
    def _cron_checkin_reminder(self):
        """Weekly: remind the owners of the manual key results of running
        active objectives that had no check-in for a week; one open reminder
        per key result at most."""
        # each company's today
        todays = {
            company.id: company._okr_today()
            for company in self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([])
        }
        key_results = self.search(
            Domain("source", "=", SOURCE_MANUAL)
            & Domain("objective_id.active", "=", True)
            & Domain("user_id", "!=", False)
            & Domain.OR(
                Domain("company_id", "=", company_id) & self._okr_reminder_domain(today)
                for company_id, today in todays.items()
            )
        )
        reminder_type = self.env.ref(REMINDER_ACTIVITY_XMLID)
        reminded = set(
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", key_results.ids),
                    ("activity_type_id", "=", reminder_type.id),
                ]
            )
            .mapped("res_id")
        )
        key_results = key_results.with_context(**{UNTRACKED_KEY: True})
        for key_result in key_results.filtered(lambda kr: kr.id not in reminded):
            key_result.activity_schedule(
                REMINDER_ACTIVITY_XMLID,
                date_deadline=todays[key_result.company_id.id],
                note=plaintext2html(
                    self.env._(
                        "No check-in on %(name)s since %(date)s: where does it stand?",
                        name=key_result.name,
                        date=key_result.last_checkin_date or key_result.date_start,
                    )
                ),
                user_id=key_result.user_id.id,
            )

    @api.model
    def _okr_reminder_domain(self, today):
        """Running on ``today``, with no check-in for a week."""
        week_ago = today - timedelta(days=CHECKIN_REMINDER_DAYS)
        return (
            Domain("date_start", "<=", today)
            & Domain("date_end", ">=", today)
            & (
                Domain("last_checkin_date", "<=", week_ago)
                | (
                    Domain("last_checkin_date", "=", False)
                    & Domain("date_start", "<=", week_ago)
                )
            )
        )

    def _okr_close_checkin_reminders(self):
        """A check-in answers the reminders of its key result."""
        reminder_type = self.env.ref(REMINDER_ACTIVITY_XMLID, raise_if_not_found=False)
        if not reminder_type or not self.ids:
            return
        reminders = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", reminder_type.id),
                ]
            )
        )
        if reminders:
            reminders = reminders.with_context(**{UNTRACKED_KEY: True})
            reminders.action_feedback(feedback=self.env._("Checked in."))
            reminders.flush_recordset()

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_history(self):
        """A line chart of the value over time, with the ideal pace line."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "okr_sales.okr_key_result_pace_chart_action"
        )
        action["name"] = self.env._("History: %(name)s", name=self.name)
        action["domain"] = [("key_result_id", "=", self.id)]
        return action


def refresh_alerts_after_commit(registry, key_result_ids):
    """The behind-pace activities of the key results a committed
    transaction moved, rewritten with their numbers of now."""
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["okr.key.result"].browse(
                sorted(key_result_ids)
            ).exists()._okr_refresh_alert_notes(lock=True)
    except Exception:
        _logger.exception("Behind-pace alerts of key results not updated")
