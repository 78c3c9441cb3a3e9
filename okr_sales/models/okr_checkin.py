from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine.definitions import SOURCE_MANUAL
from ..engine.progress import key_result_progress
from ..tools.amount_field import Amount
from ..webhook.events import note_checkins


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
    date = fields.Date(required=True, default=fields.Date.context_today)
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

    @api.depends("value", "key_result_id")
    def _compute_progress(self):
        # A snapshot: it keeps the baseline and target of the day.
        for checkin in self:
            key_result = checkin.key_result_id
            checkin.progress = key_result_progress(
                key_result.baseline_value, key_result.target_value, checkin.value
            )

    @api.constrains("confidence")
    def _check_confidence(self):
        for checkin in self:
            if not 0 <= checkin.confidence <= 10:
                raise ValidationError(
                    self.env._("Confidence must be between 0 and 10.")
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

    @api.model_create_multi
    def create(self, vals_list):
        checkins = super().create(vals_list)
        checkins._check_author()
        checkins.key_result_id._sync_current_value_from_checkins()
        self.env["okr.key.result.history"]._okr_sync_checkin_points(checkins)
        checkins.key_result_id._okr_close_checkin_reminders()
        note_checkins(self.env, checkins)
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

    def write(self, vals):
        key_results = self.key_result_id
        result = super().write(vals)
        if "user_id" in vals:
            self._check_author()
        if not self.env.su:
            # The rules hold for the new values too (Odoo checks them before
            # a write only): a check-in moved to a colleague's key result.
            self.check_access("write")
        (key_results | self.key_result_id)._sync_current_value_from_checkins()
        self.env["okr.key.result.history"]._okr_sync_checkin_points(self)
        return result

    def unlink(self):
        # Their history points go with them (ondelete cascade).
        key_results = self.key_result_id
        result = super().unlink()
        key_results.exists()._sync_current_value_from_checkins()
        return result
