import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine.definitions import SOURCE_MANUAL
from ..engine.progress import key_result_progress
from ..tools.amount_field import Amount
from ..webhook.events import note_checkins

# How sure the owner is, from not at all to certain.
CONFIDENCE_MIN = 0
CONFIDENCE_MAX = 10
# The longest external reference: far below what PostgreSQL's unique index
# takes in a row (about 2,700 bytes; a character is up to 4), and longer
# than any id or key another system makes.
EXTERNAL_REF_MAX_LENGTH = 200


class ExternalRefConflict(UserError):
    """Another user's check-in holds this external reference: HTTP 409
    through JSON-2, which answers a ``UserError`` with its ``http_status``."""

    http_status = 409  # Conflict


class OkrCheckin(models.Model):
    _name = "okr.checkin"
    _inherit = ["okr.input.mixin"]
    _description = "Key Result Check-in"
    _order = "date desc, id desc"
    _rec_name = "key_result_id"
    _check_company_auto = True

    key_result_id = fields.Many2one(
        "okr.key.result",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    objective_id = fields.Many2one(related="key_result_id.objective_id", store=True)
    company_id = fields.Many2one(
        related="key_result_id.company_id", store=True, index=True
    )
    # What the owner checks in against, shown in the check-in dialog.
    # Computed, not related: a related field would write through to the key
    # result.
    currency_id = fields.Many2one(related="key_result_id.currency_id")
    key_result_value = Amount(
        "Current Value",
        currency_field="currency_id",
        compute="_compute_key_result_figures",
    )
    key_result_target = Amount(
        "Target", currency_field="currency_id", compute="_compute_key_result_figures"
    )
    date = fields.Date(required=True, default=lambda self: self._default_date())
    period_closed = fields.Boolean(
        compute="_compute_period_closed",
        help="The key result's period is over or closed: only an OKR manager "
        "checks in on it, and that changes the period's result.",
    )
    # in the key result's currency when it counts money, as its value
    value = Amount(currency_field="currency_id", required=True)
    progress = fields.Float(
        compute="_compute_progress",
        store=True,
        digits=(16, 1),
        help="Progress of the key result at this value, as of the check-in.",
    )
    confidence = fields.Integer(
        default=5,
        help="How sure the owner is to reach the target, from 0 (not at all) "
        "to 10 (certain).",
    )
    comment = fields.Text()
    external_ref = fields.Char(
        "External Reference",
        copy=False,
        help="The reference another system gave this check-in (JSON-2 "
        "check_in): a repeat of it is applied once.",
    )
    user_id = fields.Many2one(
        "res.users",
        "Checked In By",
        default=lambda self: self.env.user,
        index=True,
        check_company=True,
    )

    _external_ref_unique = models.UniqueIndex(
        "(key_result_id, external_ref) WHERE external_ref IS NOT NULL",
        "This external reference was already checked in on this key result.",
    )

    @api.depends("key_result_id.current_value", "key_result_id.target_value")
    def _compute_key_result_figures(self):
        for checkin in self:
            checkin.key_result_value = checkin.key_result_id.current_value
            checkin.key_result_target = checkin.key_result_id.target_value

    @api.depends("key_result_id.date_end", "key_result_id.objective_id.active")
    def _compute_period_closed(self):
        for checkin in self:
            key_result = checkin.key_result_id
            checkin.period_closed = bool(key_result) and key_result._okr_period_closed()

    @api.depends("value", "key_result_id")
    def _compute_progress(self):
        # A snapshot: it keeps the baseline and target of the day.
        for checkin in self:
            key_result = checkin.key_result_id
            checkin.progress = key_result_progress(
                key_result.baseline_value, key_result.target_value, checkin.value
            )

    def _default_date(self):
        """The company's today (the check-in dialog's key result's)."""
        key_result = self.env["okr.key.result"].browse(
            self.env.context.get("default_key_result_id")
        )
        return key_result.exists()._okr_today()

    @api.constrains("confidence")
    def _check_confidence(self):
        for checkin in self:
            self._okr_check_confidence(checkin.confidence)

    def _okr_check_confidence(self, confidence):
        if not CONFIDENCE_MIN <= confidence <= CONFIDENCE_MAX:
            raise ValidationError(self.env._("Confidence must be between 0 and 10."))

    def _okr_check_external_ref(self, external_ref):
        if len(external_ref) > EXTERNAL_REF_MAX_LENGTH:
            raise ValidationError(
                self.env._(
                    "external_ref: at most %(limit)s characters.",
                    limit=EXTERNAL_REF_MAX_LENGTH,
                )
            )

    @api.model
    def _okr_check_checkin_input(self, vals):
        """What the database would refuse with its own words (an integer
        out of range, an index row too large), refused before with ours."""
        confidence = vals.get("confidence")
        # (not a number or not finite: refused by okr.input.mixin, named)
        if isinstance(confidence, int) or (
            isinstance(confidence, float) and math.isfinite(confidence)
        ):
            self._okr_check_confidence(confidence)
        if isinstance(vals.get("external_ref"), str):
            self._okr_check_external_ref(vals["external_ref"])

    @api.constrains("date", "key_result_id")
    def _check_date(self):
        # A later check-in would be "the latest" until its day came: it
        # would hold the value against every check-in of the days between.
        # An earlier one would be a value of another period: a quarter's
        # result rewritten from the next one.
        for checkin in self:
            key_result = checkin.key_result_id
            today = key_result._okr_today()
            if checkin.date > today:
                raise ValidationError(
                    self.env._(
                        "A check-in cannot be dated after today (%(today)s): %(date)s.",
                        today=fields.Date.to_string(today),
                        date=fields.Date.to_string(checkin.date),
                    )
                )
            if key_result.date_start and checkin.date < key_result.date_start:
                raise ValidationError(
                    self.env._(
                        "A check-in of “%(name)s” cannot be dated before its "
                        "period begins (%(start)s): %(date)s.",
                        name=key_result.name,
                        start=fields.Date.to_string(key_result.date_start),
                        date=fields.Date.to_string(checkin.date),
                    )
                )

    @api.constrains("key_result_id")
    def _check_manual_key_result(self):
        for checkin in self:
            if checkin.key_result_id.source != SOURCE_MANUAL:
                raise ValidationError(
                    self.env._(
                        "Key result “%(name)s” is not checked in: its value "
                        "comes from the records or key results it counts.",
                        name=checkin.key_result_id.name,
                    )
                )

    def _check_author(self):
        """One checks in as oneself; OKR managers may record others'."""
        if self.env.su or self.env.user._okr_is_manager():
            return
        if any(checkin.user_id != self.env.user for checkin in self):
            raise AccessError(
                self.env._("A check-in is recorded in the name of who makes it.")
            )

    def _okr_check_period_open(self, key_results):
        """A closed period (``okr.key.result._okr_period_closed``) is
        changed by an OKR manager only; returns those of ``key_results``
        whose closed period is changed, for ``_okr_say_closed_period``."""
        if self.env.su:
            return key_results.browse()
        closed = key_results.filtered(lambda kr: kr._okr_period_closed())
        if closed and not self.env.user._okr_is_manager():
            raise AccessError(
                self.env._(
                    "The period of key result “%(name)s” is closed: only an "
                    "OKR manager can check in on it or change its check-ins.",
                    name=closed[0].name,
                )
            )
        return closed

    def _okr_say_closed_period(self, key_results):
        """Tell, in the key result's chatter, that a closed period changed:
        its value, progress and status are no longer the period's result."""
        for key_result in key_results:
            key_result.sudo().message_post(
                body=self.env._(
                    "%(user)s changed the result of a closed period with a "
                    "check-in: the value is now %(value)s (progress "
                    "%(progress)s%%).",
                    user=self.env.user.name,
                    value=key_result._okr_value_display(key_result.current_value),
                    progress=f"{key_result.progress:.0f}",
                ),
                author_id=self.env.user.partner_id.id,
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._okr_check_checkin_input(vals)
            if "date" not in vals and vals.get("key_result_id"):
                key_result = self.env["okr.key.result"].browse(vals["key_result_id"])
                vals["date"] = key_result._okr_today()
        checkins = super().create(vals_list)
        checkins._check_author()
        closed = self._okr_check_period_open(checkins.key_result_id)
        checkins.key_result_id._sync_current_value_from_checkins()
        self.env["okr.key.result.history"]._okr_sync_checkin_points(checkins)
        checkins.key_result_id._okr_close_checkin_reminders()
        note_checkins(self.env, checkins)
        self._okr_say_closed_period(closed)
        return checkins

    def _okr_api_answer(self):
        """What ``okr.key.result.check_in`` answers, the same on a repeat."""
        self.ensure_one()
        return {
            "checkin_id": self.id,
            "key_result_id": self.key_result_id.id,
            "value": self.value,
            "progress": self.progress,
            "date": fields.Date.to_string(self.date),
            "external_ref": self.external_ref or None,
        }

    def _okr_api_replay(self):
        """The answer to a repeated ``check_in``: the first call's, to its
        caller only. Who may not check in on the key result is refused as
        ever; another user who may gets a conflict that tells nothing of
        the check-in (neither its value nor whose it is)."""
        self.ensure_one()
        self.check_access("write")
        if self.user_id != self.env.user:
            raise ExternalRefConflict(
                self.env._(
                    "external_ref: this reference is already used on this key "
                    "result by another check-in; send a reference of your own."
                )
            )
        return self._okr_api_answer()

    def write(self, vals):
        self._okr_check_checkin_input(vals)
        key_results = self.key_result_id
        closed = self._okr_check_period_open(key_results)
        result = super().write(vals)
        if "user_id" in vals:
            self._check_author()
        if not self.env.su:
            # The rules hold for the new values too (Odoo checks them before
            # a write only): a check-in moved to a colleague's key result.
            self.check_access("write")
        closed |= self._okr_check_period_open(self.key_result_id)
        (key_results | self.key_result_id)._sync_current_value_from_checkins()
        self.env["okr.key.result.history"]._okr_sync_checkin_points(self)
        self._okr_say_closed_period(closed)
        return result

    def unlink(self):
        # Their history points go with them (ondelete cascade).
        key_results = self.key_result_id
        closed = self._okr_check_period_open(key_results)
        result = super().unlink()
        key_results.exists()._sync_current_value_from_checkins()
        self._okr_say_closed_period(closed.exists())
        return result
