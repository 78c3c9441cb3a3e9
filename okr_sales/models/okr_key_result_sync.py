"""Key results and the systems beside Odoo: what webhooks tell of a key
result, and the check-in other systems send over Odoo's JSON-2 API.

``check_in`` is the public method for them (README, "Sync"):

    POST /json/2/okr.key.result/check_in
    Authorization: bearer <API key>
    {"ids": [42], "value": 120, "confidence": 7, "comment": "...",
     "external_ref": "intranet-2026-12-01-42"}

It runs with the caller's rights, as the check-in dialog does, and a
repeated call with the same ``external_ref`` is applied once and answers
as the first did.
"""

import math

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..engine.definitions import SOURCE_MANUAL
from ..webhook.events import (
    EVENT_ACHIEVED,
    EVENT_ALIGNMENT,
    EVENT_CLOSED,
    EVENT_STATUS,
    note_alignment_warnings,
    note_progress,
    note_status_changes,
    wanted,
)


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    def _okr_note_moved(self, ids):
        result = super()._okr_note_moved(ids)
        note_progress(self.env, ids)
        return result

    def _write_multi(self, vals_list):
        # The values before the write, as stored: a status or an alignment
        # warning that changes is told, not one written again unchanged.
        # Read only when a webhook listens.
        watched = {}
        if any("status" in v or "has_alignment_warning" in v for v in vals_list) and (
            wanted(self.env, EVENT_STATUS, EVENT_ACHIEVED, EVENT_ALIGNMENT)
        ):
            rows = self.env.execute_query(
                SQL(
                    "SELECT id, status, has_alignment_warning FROM okr_key_result"
                    " WHERE id = ANY(%s)",
                    self.ids,
                )
            )
            watched = {row[0]: row[1:] for row in rows}
        super()._write_multi(vals_list)
        if watched:
            changes, warned = {}, []
            for key_result, vals in zip(self, vals_list, strict=True):
                status, warning = watched.get(key_result.id, (None, None))
                if "status" in vals and vals["status"] != status and status:
                    changes[key_result.id] = (status, vals["status"])
                if vals.get("has_alignment_warning") and not warning:
                    warned.append(key_result.id)
            note_status_changes(self.env, changes)
            note_alignment_warnings(self.env, warned)
        return None  # as the ORM's

    # ------------------------------------------------------------------
    # INBOUND: JSON-2
    # ------------------------------------------------------------------

    def check_in(self, value, confidence=None, comment=None, external_ref=None):
        """Check in ``value`` on this manual key result, as the caller.

        ``confidence`` 0 to 10 (5 when not given), ``comment`` text,
        ``external_ref`` the caller's own reference of this update: a call
        repeated with the same one (a retry after a timeout) changes
        nothing and gets the first call's answer. Returns ``{"checkin_id",
        "key_result_id", "value", "progress", "date", "external_ref"}``.
        """
        self.ensure_one()
        self._okr_check_api_value(value, confidence, comment, external_ref)
        if self.source != SOURCE_MANUAL:
            raise UserError(
                self.env._(
                    "Key result “%(name)s” is not checked in: its value comes "
                    "from the records or key results it counts.",
                    name=self.name,
                )
            )
        checkins = self.env["okr.checkin"]
        if external_ref:
            done = checkins.sudo().search(
                [("key_result_id", "=", self.id), ("external_ref", "=", external_ref)],
                limit=1,
            )
            if done:
                done = done.with_env(checkins.env)
                # answered only to who could have made it
                done.check_access("write")
                return done._okr_api_answer()
        values = {"key_result_id": self.id, "value": value}
        if confidence is not None:
            values["confidence"] = confidence
        if comment is not None:
            values["comment"] = comment
        if external_ref:
            values["external_ref"] = external_ref
        return checkins.create(values)._okr_api_answer()

    def _okr_check_api_value(self, value, confidence, comment, external_ref):
        """Types first: JSON brings strings, booleans and nulls where numbers
        are expected."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(self.env._("value: a number is expected."))
        if not math.isfinite(value):
            raise ValidationError(self.env._("value: the number must be finite."))
        if confidence is not None and (
            isinstance(confidence, bool) or not isinstance(confidence, int)
        ):
            raise ValidationError(
                self.env._("confidence: a whole number from 0 to 10 is expected.")
            )
        if comment is not None and not isinstance(comment, str):
            raise ValidationError(self.env._("comment: a text is expected."))
        if external_ref is not None and (
            not isinstance(external_ref, str) or not external_ref.strip()
        ):
            raise ValidationError(self.env._("external_ref: a text is expected."))

    # ------------------------------------------------------------------
    # OUTBOUND: what a webhook tells
    # ------------------------------------------------------------------

    def _okr_webhook_state(self):
        """The key result as the signed JSON payload gives it."""
        self.ensure_one()
        status = dict(self._fields["status"]._description_selection(self.env))
        return {
            "id": self.id,
            "name": self.name,
            "objective": {
                "id": self.objective_id.id,
                "name": self.objective_id.name,
                "level": self.level or None,
            },
            "owner": self.user_id.name or None,
            "team": self.team_id.name or None,
            "unit": self.unit,
            "currency": self.currency_id.name or None,
            "baseline_value": self.baseline_value,
            "target_value": self.target_value,
            "current_value": self.current_value,
            "progress": self.progress,
            "status": self.status or None,
            "status_label": status.get(self.status) or None,
            "date_start": fields.Date.to_string(self.date_start),
            "date_end": fields.Date.to_string(self.date_end),
            # scored once its period is closed (its objective archived)
            "closing_score": None if self.objective_id.active else self.closing_score,
            "alignment_warning": self.alignment_warning or None,
        }

    def _okr_webhook_sentence(
        self, event_type, detail, deal=None, checkin=None, escape=None
    ):
        """One short sentence for a team chat, in the context's language:
        "Lan đã chốt hợp đồng 2 tỷ ₫ - KR Doanh thu B2B: 62% (Đúng tiến độ)".
        ``escape`` is applied to the names people typed (the chat format's
        ``payload.chat_escape``), not to the sentence around them."""
        self.ensure_one()
        escape = escape or (lambda text: text)
        status = dict(self._fields["status"]._description_selection(self.env))
        figures = {
            "key_result": escape(self.name or ""),
            "progress": f"{self.progress:.0f}",
            "status": status.get(self.status, ""),
        }
        if event_type == EVENT_STATUS:
            return self.env._(
                "KR %(key_result)s: %(previous)s → %(status)s (%(progress)s%%)",
                previous=status.get(detail.get("previous_status"), ""),
                **figures,
            )
        if event_type == EVENT_ACHIEVED:
            return self.env._("KR %(key_result)s achieved: %(progress)s%%", **figures)
        if event_type == EVENT_CLOSED:
            return self.env._(
                "KR %(key_result)s closed at %(progress)s%% (score %(score)s)",
                score=f"{detail.get('closing_score') or 0.0:.2f}",
                **figures,
            )
        if event_type == EVENT_ALIGNMENT:
            return self.env._(
                "KR %(key_result)s: alignment warning - %(warning)s",
                warning=escape(self.alignment_warning or ""),
                **figures,
            )
        if deal and deal.get("salesperson"):
            return self.env._(
                "%(salesperson)s won a deal of %(amount)s - KR %(key_result)s: "
                "%(progress)s%% (%(status)s)",
                salesperson=escape(deal["salesperson"]),
                amount=self._okr_money_display(deal["amount"]),
                **figures,
            )
        if checkin and checkin.get("user"):
            return self.env._(
                "%(user)s checked in %(value)s - KR %(key_result)s: "
                "%(progress)s%% (%(status)s)",
                user=escape(checkin["user"]),
                value=self._okr_value_display(checkin["value"]),
                **figures,
            )
        return self.env._(
            "KR %(key_result)s: %(progress)s%% (%(status)s)",
            **figures,
        )

    def _okr_money_display(self, amount):
        """A deal's amount, as the key result writes money when it counts
        money, else as a plain number."""
        return self._okr_value_display(amount or 0.0)
