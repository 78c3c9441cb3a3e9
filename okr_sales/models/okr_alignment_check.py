from odoo import api, fields, models

# The alignment checks, by code (see ``okr_key_result_alignment.py`` and
# ``okr_objective_alignment.py``); their names are data, to read and translate.
CHECK_TARGETS_SUM = "targets_sum"
CHECK_PERIOD_OUTSIDE = "period_outside"
CHECK_NO_KEY_RESULT = "no_key_result"
CHECK_NO_OWNER = "no_owner"
CHECK_SCOPE_LEVEL = "scope_level"
CHECK_OFF_CASCADE = "off_cascade"

CHECK_SELECTION = [
    (CHECK_TARGETS_SUM, "Targets do not add up"),
    (CHECK_PERIOD_OUTSIDE, "Period outside the parent's"),
    (CHECK_NO_KEY_RESULT, "Objective without key results"),
    (CHECK_NO_OWNER, "Key result without owner"),
    (CHECK_SCOPE_LEVEL, "Scope does not match the level"),
    (CHECK_OFF_CASCADE, "Contributes outside the cascade"),
]


class OkrAlignmentCheck(models.Model):
    """A kind of alignment warning: what objectives and key results are
    filtered and grouped by (a record may fail several checks)."""

    _name = "okr.alignment.check"
    _description = "Alignment Check"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(CHECK_SELECTION, required=True, readonly=True)
    sequence = fields.Integer(default=10)

    _code_unique = models.Constraint("UNIQUE(code)", "One alignment check per code.")

    @api.model
    def _okr_by_code(self):
        """``{code: check}`` of every check."""
        return {check.code: check for check in self.sudo().search([])}
