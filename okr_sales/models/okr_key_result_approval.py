"""Approval, on the key result's side: see ``okr.objective.approval``."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .okr_objective_approval import (
    STATE_APPROVED,
    changed_fields,
    note_after_approval,
    note_changes,
    untracked_values,
)

# What moves a key result's progress or its closing score besides what it
# counts: locked, with what it counts (``_okr_guarded_fields``: its rule and
# preset, whose records, its objective, whether it counts, its roll-up, a
# bridge's rule fields), once its objective is approved. Not its value: a
# value typed is a check-in (``okr.key.result.write``), and check-ins go on
# after the approval. Contributes To, and the key
# results aligned under it, move the roll-ups over it.
SCORED_FIELDS = frozenset(
    {
        "weight",
        "target_value",
        "baseline_value",
        "unit",
        "currency_id",
        "date_start",
        "date_end",
        "parent_id",
        "child_ids",
    }
)


class OkrKeyResultApproval(models.AbstractModel):
    """The approval side of ``okr.key.result`` (mixed into it only)."""

    _name = "okr.key.result.approval"
    _description = "Approval of Key Results"

    commitment_locked = fields.Boolean(
        compute="_compute_commitment_locked",
        help="Its objective is approved and the current user is no OKR "
        "manager: what moves its progress (its weight, target, baseline, "
        "unit, period, roll-up and what it counts) is read-only for her.",
    )

    @api.depends("objective_id.state")
    @api.depends_context("uid")
    def _compute_commitment_locked(self):
        manager = self.env.su or self.env.user._okr_is_manager()
        for key_result in self:
            key_result.commitment_locked = (
                not manager and key_result.objective_id.state == STATE_APPROVED
            )

    def _okr_approval_locked_fields(self):
        """The fields locked once the objective is approved: the one list."""
        return SCORED_FIELDS | self._okr_guarded_fields()

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
                "managers change what moves its progress now.",
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

    def _okr_note_on_objectives(self, removed=False):
        """Note on the approved objectives of these key results that an OKR
        manager added (or ``removed``) them."""
        if self.env.su:
            return
        for key_result in self:
            objective = key_result.objective_id
            if objective.sudo().state != STATE_APPROVED:
                continue
            if removed:
                text = self.env._("Key result “%s” removed.", key_result.name)
            else:
                text = self.env._("Key result “%s” added.", key_result.name)
            note_after_approval(objective, Markup("<p>%s</p>") % text)

    @api.model_create_multi
    def create(self, vals_list):
        objective_ids = {vals.get("objective_id") for vals in vals_list}
        self._okr_check_approved_objectives(
            self.env["okr.objective"].browse(oid for oid in objective_ids if oid)
        )
        key_results = super().create(vals_list)
        key_results._okr_note_on_objectives()
        return key_results

    def write(self, vals):
        fnames = changed_fields(self, vals, self._okr_approval_locked_fields())
        if not fnames:
            return super().write(vals)
        objectives = self.objective_id
        if "objective_id" in fnames:
            objectives |= self.env["okr.objective"].browse(vals["objective_id"])
        self._okr_check_approved_objectives(objectives, fnames)
        if self.env.su or not any(
            objective.state == STATE_APPROVED for objective in objectives.sudo()
        ):
            return super().write(vals)
        if "objective_id" in fnames:
            approved = self  # noted where they were and where they go
        else:
            approved = self.filtered(
                lambda kr: kr.objective_id.sudo().state == STATE_APPROVED
            )
        # an OKR manager's change: what the chatter does not track, noted
        before = untracked_values(approved, fnames)
        result = super().write(vals)
        note_changes(approved, before)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._okr_check_approved_objectives(self.objective_id)
        self._okr_note_on_objectives(removed=True)
