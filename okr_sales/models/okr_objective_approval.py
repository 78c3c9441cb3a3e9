"""Approval: targets are the manager's.

An objective is drafted by its owner, then approved by an OKR manager. Once
approved, what it commits to - its period, and its key results' targets,
baselines, units and periods, which key results it has - changes only by an
OKR manager (``okr.key.result.approval`` guards the key results), and every
change is tracked in the chatter. Check-ins, and the values automatic key
results count, go on as before: they are progress, not commitment.

Refusals are checked on the server, whatever the path (a form, JSON-RPC, an
import): ``AccessError`` naming the fields.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

STATE_DRAFT = "draft"
STATE_APPROVED = "approved"
STATE_SELECTION = [(STATE_DRAFT, "Draft"), (STATE_APPROVED, "Approved")]

# What an approved objective commits to: an OKR manager's to change.
APPROVED_OBJECTIVE_FIELDS = ("date_start", "date_end", "period_type", "active")


def changed_fields(records, vals, fnames):
    """The fields of ``fnames`` that ``vals`` would change on ``records``
    (a client sending a field back unchanged changes nothing)."""
    changed = set()
    for fname in fnames:
        if fname not in vals:
            continue
        field = records._fields[fname]
        for record in records:
            new = field.convert_to_record(
                field.convert_to_cache(vals[fname], record), record
            )
            if new != record[fname]:
                changed.add(fname)
                break
    return changed


class OkrObjectiveApproval(models.AbstractModel):
    """The approval side of ``okr.objective`` (mixed into it only)."""

    _name = "okr.objective.approval"
    _description = "Approval of Objectives"

    state = fields.Selection(
        STATE_SELECTION,
        "Approval",
        required=True,
        default=STATE_DRAFT,
        copy=False,
        index=True,
        tracking=True,
        help="Draft: its owner shapes it. Approved: its period and its key "
        "results' targets change only by an OKR manager.",
    )
    commitment_locked = fields.Boolean(
        compute="_compute_commitment_locked",
        help="Approved, and the current user is no OKR manager: the period "
        "and the key results' targets are read-only for her.",
    )

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_commitment_locked(self):
        manager = self.env.su or self.env.user._okr_is_manager()
        for objective in self:
            objective.commitment_locked = (
                not manager and objective.state == STATE_APPROVED
            )

    def _okr_check_approval_access(self, fnames):
        """Refuse changing ``fnames`` of approved objectives to non-managers."""
        if not fnames or self.env.su or self.env.user._okr_is_manager():
            return
        if any(objective.state == STATE_APPROVED for objective in self.sudo()):
            raise AccessError(
                self.env._(
                    "%(fields)s: objective “%(name)s” is approved; only OKR "
                    "managers change it now (back to draft first).",
                    fields=", ".join(
                        sorted(self._fields[fname].string for fname in fnames)
                    ),
                    name=next(
                        obj.name for obj in self.sudo() if obj.state == STATE_APPROVED
                    ),
                )
            )

    def _okr_check_state_access(self):
        if self.env.su or self.env.user._okr_is_manager():
            return
        raise AccessError(
            self.env._(
                "%(field)s: only OKR managers approve objectives or send them "
                "back to draft.",
                field=self._fields["state"].string,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("state", STATE_DRAFT) != STATE_DRAFT for vals in vals_list):
            self._okr_check_state_access()
        return super().create(vals_list)

    def write(self, vals):
        if "state" in vals:
            self._okr_check_state_access()
        self._okr_check_approval_access(
            changed_fields(self, vals, APPROVED_OBJECTIVE_FIELDS)
        )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        if self.env.su or self.env.user._okr_is_manager():
            return
        if any(objective.state == STATE_APPROVED for objective in self):
            raise AccessError(
                self.env._("Only OKR managers can delete an approved objective.")
            )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_approve(self):
        self._okr_check_state_access()
        self.filtered(lambda obj: obj.state != STATE_APPROVED).write(
            {"state": STATE_APPROVED}
        )
        return True

    def action_draft(self):
        self._okr_check_state_access()
        self.filtered(lambda obj: obj.state != STATE_DRAFT).write(
            {"state": STATE_DRAFT}
        )
        return True
