"""Key results and the systems beside Odoo: what webhooks tell of a key
result, and the check-in other systems send over Odoo's JSON-2 API.

``check_in`` is the public method for them (README, "Sync"):

    POST /json/2/okr.key.result/check_in
    Authorization: bearer <API key>
    {"ids": [42], "value": 120, "confidence": 7, "comment": "...",
     "external_ref": "intranet-2026-12-01-42"}

It runs with the caller's rights, as the check-in dialog does, and a
repeated call with the same ``external_ref`` is applied once and answers
as the first did: also calls that run at the same time (they are run again
by Odoo's ``retrying`` until the first has committed, then find its
check-in). Another user's reference is a conflict
(``okr_checkin.ExternalRefConflict``, HTTP 409 through JSON-2, which answers a
``UserError`` with its ``http_status``).
"""

import math

from psycopg2.errors import UniqueViolation

from odoo import fields, models
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.tools import SQL

from ..engine.definitions import SOURCE_MANUAL
from ..webhook.events import (
    EVENT_ACHIEVED,
    EVENT_ALIGNMENT,
    EVENT_CLOSED,
    EVENT_STATUS,
)
from .okr_checkin import CONFIDENCE_MAX, CONFIDENCE_MIN

# The largest value a check-in takes over the API, either sign: floats hold
# whole numbers exactly up to 2**53 (about 9e15); beyond, a value is a
# typo or a probe, and its progress would overflow (1e308 / target).
API_VALUE_LIMIT = 10**15
# ids are PostgreSQL integers
ID_LIMIT = 2**31


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

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
        self._okr_check_api_ids()
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
            self._okr_claim_external_ref(external_ref)
            done = checkins.sudo().search(
                [("key_result_id", "=", self.id), ("external_ref", "=", external_ref)],
                limit=1,
            )
            if done:
                return done.with_env(checkins.env)._okr_api_replay()
        values = {"key_result_id": self.id, "value": value}
        if confidence is not None:
            values["confidence"] = confidence
        if comment is not None:
            values["comment"] = comment
        if external_ref:
            values["external_ref"] = external_ref
        try:
            with self.env.cr.savepoint():
                checkin = checkins.create(values)
        except UniqueViolation as error:
            if error.diag.constraint_name != f"{checkins._table}_external_ref_unique":
                raise
            # The same reference committed after this transaction's snapshot
            # was taken (before the claim): run again, it answers.
            raise self._okr_external_ref_busy() from error
        return checkin._okr_api_answer()

    def _okr_claim_external_ref(self, external_ref):
        """Calls with one reference run one at a time: the others are run
        again by Odoo (``retrying``) until the first has committed, and then
        find its check-in. A lock tried, not waited for: this transaction's
        snapshot is older than the first's commit and would not see it."""
        claimed = self.env.execute_query(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))",
                self.id,
                external_ref,
            )
        )[0][0]
        if not claimed:
            raise self._okr_external_ref_busy()

    def _okr_external_ref_busy(self):
        return ConcurrencyError(
            f"check_in: external_ref on key result {self.id} is being checked in"
        )

    def _okr_check_api_ids(self):
        """One key result: JSON-2 passes ``ids`` as they come."""
        ids = self._ids
        if not (
            len(ids) == 1
            and isinstance(ids[0], int)
            and not isinstance(ids[0], bool)
            and 0 < ids[0] < ID_LIMIT
        ):
            raise ValidationError(
                self.env._("ids: the id of one key result is expected, as [42].")
            )

    def _okr_check_api_value(self, value, confidence, comment, external_ref):
        """Types and bounds first: JSON brings strings, booleans, nulls and
        numbers of any size where numbers are expected."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(self.env._("value: a number is expected."))
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(self.env._("value: the number must be finite."))
        if abs(value) > API_VALUE_LIMIT:
            raise ValidationError(
                self.env._(
                    "value: at most %(limit)s, either sign.",
                    limit=f"{API_VALUE_LIMIT:.0e}",
                )
            )
        if confidence is not None and (
            isinstance(confidence, bool)
            or not isinstance(confidence, int)
            or not CONFIDENCE_MIN <= confidence <= CONFIDENCE_MAX
        ):
            raise ValidationError(
                self.env._("confidence: a whole number from 0 to 10 is expected.")
            )
        if comment is not None and not isinstance(comment, str):
            raise ValidationError(self.env._("comment: a text is expected."))
        if external_ref is not None:
            if not isinstance(external_ref, str) or not external_ref.strip():
                raise ValidationError(self.env._("external_ref: a text is expected."))
            self.env["okr.checkin"]._okr_check_external_ref(external_ref)

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
            # when and by which record (a deal, a ticket, a check-in) the
            # value last moved; no record after a full recompute
            "last_moved": self._okr_last_moved_state(),
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
                amount=self._okr_value_display(deal["amount"] or 0.0),
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
