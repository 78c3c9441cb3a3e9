"""Approval, on the key result's side: see ``okr.objective.approval``."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .okr_objective_approval import STATE_APPROVED, changed_fields

# What a key result of an approved objective commits to: an OKR manager's to
# change. Its objective and active flag too: moving a key result into or out
# of an approved objective, or archiving it, changes what was approved.
APPROVED_KEY_RESULT_FIELDS = (
    "target_value",
    "baseline_value",
    "unit",
    "currency_id",
    "date_start",
    "date_end",
    "objective_id",
    "active",
)


class OkrKeyResultApproval(models.AbstractModel):
    """The approval side of ``okr.key.result`` (mixed into it only)."""

    _name = "okr.key.result.approval"
    _description = "Approval of Key Results"

    commitment_locked = fields.Boolean(
        compute="_compute_commitment_locked",
        help="Its objective is approved and the current user is no OKR "
        "manager: its target, baseline, unit and period are read-only for her.",
    )

    @api.depends("objective_id.state")
    @api.depends_context("uid")
    def _compute_commitment_locked(self):
        manager = self.env.su or self.env.user._okr_is_manager()
        for key_result in self:
            key_result.commitment_locked = (
                not manager and key_result.objective_id.state == STATE_APPROVED
            )

    def _okr_check_approved_objectives(self, objectives, fnames=None):
        """Refuse a non-manager's change of key results of approved
        ``objectives``: of ``fnames``, or, without them, of which key
        results the objective has."""
        if self.env.su or self.env.user._okr_is_manager():
            return
        approved = objectives.sudo().filtered(lambda obj: obj.state == STATE_APPROVED)
        if not approved:
            return
        if fnames:
            message = self.env._(
                "%(fields)s: the objective “%(name)s” is approved; only OKR "
                "managers change its key results' targets and periods now.",
                fields=", ".join(sorted(self._fields[f].string for f in fnames)),
                name=approved[0].name,
            )
        else:
            message = self.env._(
                "The objective “%(name)s” is approved; only OKR managers add or "
                "remove its key results now.",
                name=approved[0].name,
            )
        raise AccessError(message)

    @api.model_create_multi
    def create(self, vals_list):
        objective_ids = {vals.get("objective_id") for vals in vals_list}
        self._okr_check_approved_objectives(
            self.env["okr.objective"].browse(oid for oid in objective_ids if oid)
        )
        return super().create(vals_list)

    def write(self, vals):
        fnames = changed_fields(self, vals, APPROVED_KEY_RESULT_FIELDS)
        if fnames:
            objectives = self.objective_id
            if "objective_id" in fnames:
                objectives |= self.env["okr.objective"].browse(vals["objective_id"])
            self._okr_check_approved_objectives(objectives, fnames)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._okr_check_approved_objectives(self.objective_id)
