from odoo import api, models

from ..engine.progress import (
    AT_RISK_PACE,
    AT_RISK_PACE_PARAM,
    ON_TRACK_PACE,
    ON_TRACK_PACE_PARAM,
    pace_thresholds,
)


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _okr_pace_thresholds(self):
        """``(on_track, at_risk)``: the share of the pace (fractions) an OKR
        must reach to be on track, or at least at risk (OKR settings)."""
        get_param = self.sudo().get_param
        return pace_thresholds(
            get_param(ON_TRACK_PACE_PARAM, ON_TRACK_PACE * 100),
            get_param(AT_RISK_PACE_PARAM, AT_RISK_PACE * 100),
        )

    @api.constrains("key", "value")
    def _check_okr_pace_thresholds(self):
        """The thresholds stay usable however they are written. The settings
        check the pair they save (context ``okr_pace_checked``): written one
        after the other, the pair may be out of order in between."""
        if self.env.context.get("okr_pace_checked") or not any(
            param.key in (ON_TRACK_PACE_PARAM, AT_RISK_PACE_PARAM) for param in self
        ):
            return
        # Read from the table, not through get_param: its cache must not
        # keep a value this check may refuse.
        stored = dict(
            self.sudo()
            .search([("key", "in", (ON_TRACK_PACE_PARAM, AT_RISK_PACE_PARAM))])
            .mapped(lambda param: (param.key, param.value))
        )
        self.env["res.config.settings"]._okr_check_pace_thresholds(
            stored.get(ON_TRACK_PACE_PARAM, ON_TRACK_PACE * 100),
            stored.get(AT_RISK_PACE_PARAM, AT_RISK_PACE * 100),
        )
