from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.definitions import (
    UPDATE_MODE_PARAM,
    UPDATE_MODE_SELECTION,
    UPDATE_TRANSACTION,
)
from ..engine.progress import (
    AT_RISK_PACE,
    AT_RISK_PACE_PARAM,
    ON_TRACK_PACE,
    ON_TRACK_PACE_PARAM,
    check_pace_thresholds,
)
from ..webhook.events import (
    ALLOW_PRIVATE_PARAM,
    COALESCE_PARAM,
    DEFAULT_COALESCE_SECONDS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_PURGE_DAYS,
    MAX_ATTEMPTS_PARAM,
    PURGE_DAYS_PARAM,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    okr_update_mode = fields.Selection(
        UPDATE_MODE_SELECTION,
        string="Update Key Results",
        default=UPDATE_TRANSACTION,
        required=True,
        config_parameter=UPDATE_MODE_PARAM,
        help="At once: a won deal and its key results are saved together, and "
        "the salesperson waits for both. A second later: the deal only queues "
        "its change and a scheduled action updates the key results right "
        "after, in batches, for busy sales floors.",
    )
    okr_on_track_pace = fields.Integer(
        "On Track From (% of Pace)",
        default=round(ON_TRACK_PACE * 100),
        config_parameter=ON_TRACK_PACE_PARAM,
        help="An objective or key result is on track when its progress reaches "
        "this share of the pace (the share of its period elapsed).",
    )
    okr_at_risk_pace = fields.Integer(
        "At Risk From (% of Pace)",
        default=round(AT_RISK_PACE * 100),
        config_parameter=AT_RISK_PACE_PARAM,
        help="Below the on-track share but at or above this one, it is at "
        "risk; below it, off track. Its owner gets an activity either way.",
    )
    okr_webhook_coalesce_seconds = fields.Integer(
        "Coalescing Window (seconds)",
        default=DEFAULT_COALESCE_SECONDS,
        config_parameter=COALESCE_PARAM,
    )
    okr_webhook_max_attempts = fields.Integer(
        "Attempts Before a Delivery Is Dead",
        default=DEFAULT_MAX_ATTEMPTS,
        config_parameter=MAX_ATTEMPTS_PARAM,
    )
    okr_webhook_purge_days = fields.Integer(
        "Keep Delivered for (days)",
        default=DEFAULT_PURGE_DAYS,
        config_parameter=PURGE_DAYS_PARAM,
    )
    okr_webhook_allow_private = fields.Boolean(
        "Webhooks to Private Addresses",
        config_parameter=ALLOW_PRIVATE_PARAM,
    )

    @api.model
    def _okr_check_pace_thresholds(self, on_track, at_risk):
        """Refuse thresholds (percentages, numbers or texts) out of range or
        out of order, naming the setting at fault."""
        labels = {
            "on_track": self._fields["okr_on_track_pace"].string,
            "at_risk": self._fields["okr_at_risk_pace"].string,
        }
        try:
            on_track, at_risk = float(on_track), float(at_risk)
        except (TypeError, ValueError):
            raise ValidationError(
                self.env._(
                    "%(on_track)s and %(at_risk)s must be numbers.",
                    **labels,
                )
            ) from None
        problem = check_pace_thresholds(on_track, at_risk)
        if not problem:
            return
        which, reason = problem
        if reason == "order":
            raise ValidationError(
                self.env._(
                    "%(at_risk)s (%(at_risk_value)s) must be below %(on_track)s "
                    "(%(on_track_value)s).",
                    at_risk_value=at_risk,
                    on_track_value=on_track,
                    **labels,
                )
            )
        raise ValidationError(
            self.env._(
                "%(field)s must be above 0 and at most 100, not %(value)s.",
                field=labels[which],
                value=on_track if which == "on_track" else at_risk,
            )
        )

    def set_values(self):
        thresholds = self.env["ir.config_parameter"]._okr_pace_thresholds()
        self._okr_check_pace_thresholds(self.okr_on_track_pace, self.okr_at_risk_pace)
        # The pair is checked: its two parameters are written one by one.
        result = super(
            ResConfigSettings, self.with_context(okr_pace_checked=True)
        ).set_values()
        if self.env["ir.config_parameter"]._okr_pace_thresholds() != thresholds:
            # The traffic lights, and the owners' alerts, follow at once.
            self.env["okr.objective"].sudo()._cron_refresh_status()
        return result
