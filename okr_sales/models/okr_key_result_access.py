"""Who may change what on a key result.

What an automatic key result counts is an OKR manager's (others pick a
preset for their own objective); its value comes from its records, never
typed; and once its objective is approved, what moves its progress is
locked for everyone else (see ``okr_objective_approval.py``).
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine.definitions import RULE_FIELDS, SOURCE_MANUAL, SOURCE_ROLLUP
from .okr_objective_approval import (
    STATE_APPROVED,
    changed_fields,
    note_after_approval,
    note_changes,
    untracked_values,
)

# What only an OKR manager changes on an automatic key result: its rule, its
# preset, whose records it counts, and whether it counts at all; and what a
# roll-up takes. Others set
# them only by picking a preset for their own objective.
GUARDED_FIELDS = frozenset(
    {
        *RULE_FIELDS,
        "preset_id",
        "user_id",
        "objective_id",
        "active",
        "rollup_method",
        "rollup_child_ids",
        "forecast_domain",
    }
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


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    commitment_locked = fields.Boolean(
        compute="_compute_commitment_locked",
        help="Its objective is approved and the current user is no OKR "
        "manager: what moves its progress (its weight, target, baseline, "
        "unit, period, roll-up and what it counts) is read-only for her.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("objective_id.state")
    @api.depends_context("uid")
    def _compute_commitment_locked(self):
        manager = self.env.su or self.env.user._okr_is_manager()
        for key_result in self:
            key_result.commitment_locked = (
                not manager and key_result.objective_id.state == STATE_APPROVED
            )

    # ------------------------------------------------------------------
    # DEFINITION AND VALUE
    # ------------------------------------------------------------------

    @api.model
    def _okr_bridge_rule_fields(self):
        """Key result fields a bridge addon adds to what an automatic key
        result counts (read by its rules through placeholders, such as the
        survey it counts): OKR managers only, like ``RULE_FIELDS``."""
        return frozenset()

    def _okr_guarded_fields(self):
        return GUARDED_FIELDS | self._okr_bridge_rule_fields()

    def _okr_guarded_values(self):
        """``{kr id: {field: value}}`` of the guarded fields."""
        guarded = self._okr_guarded_fields()
        return {
            key_result.id: {fname: key_result[fname] for fname in guarded}
            for key_result in self
        }

    def _okr_bridge_rule_changed(self, was):
        """Whether a bridge's rule fields differ from ``was`` (their values
        before a write), or, for a new key result, from their defaults."""
        self.ensure_one()
        bridge_fields = self._okr_bridge_rule_fields()
        if not bridge_fields:
            return False
        if was is None:
            defaults = self.default_get(list(bridge_fields))
            return any(
                self._fields[fname].convert_to_write(self[fname], self)
                != defaults.get(fname, False)
                for fname in bridge_fields
            )
        return any(self[fname] != was[fname] for fname in bridge_fields)

    def _okr_check_definition_access(self, before=None):
        """Only OKR managers define what an automatic key result counts;
        others pick a preset, for the records of their own objective.
        ``before``: the ``_okr_guarded_values`` before a write."""
        if self.env.su or self.env.user._okr_is_manager():
            return
        after = self._okr_guarded_values()
        for key_result in self:
            was = before and before.get(key_result.id)
            if was == after[key_result.id]:
                continue
            if was and was["source"] != SOURCE_MANUAL and was["active"]:
                if key_result.source == SOURCE_MANUAL or not key_result.active:
                    raise AccessError(
                        self.env._(
                            "Only OKR managers can make an automatic key result "
                            "manual or archive it: its value comes from its records."
                        )
                    )
            if key_result.source == SOURCE_MANUAL:
                continue
            if key_result.source == SOURCE_ROLLUP:
                raise AccessError(
                    self.env._(
                        "Only OKR managers can define a roll-up: which key "
                        "results it takes and how."
                    )
                )
            preset = key_result.preset_id
            if key_result._okr_bridge_rule_changed(was):
                raise AccessError(
                    self.env._(
                        "Only OKR managers can define what an automatic key result "
                        "counts: %(fields)s.",
                        fields=", ".join(
                            self._fields[fname].string
                            for fname in sorted(self._okr_bridge_rule_fields())
                        ),
                    )
                )
            if not preset or any(
                key_result[fname] != value
                for fname, value in preset._okr_key_result_values(
                    rule_only=True
                ).items()
            ):
                raise AccessError(
                    self.env._(
                        "Only OKR managers can define what an automatic key result "
                        "counts; pick one of the presets instead."
                    )
                )
            if (
                key_result.scope != key_result._okr_level_scope()
                or key_result.user_id != key_result.objective_id.user_id
            ):
                raise AccessError(
                    self.env._(
                        "Only OKR managers can choose whose records an automatic "
                        "key result counts: a preset you pick counts the records of "
                        "your own objective's owner or team."
                    )
                )

    def _okr_check_value_source(self):
        """The value of an automatic key result comes from its records: only
        the engine writes it."""
        if self.env.su:
            return
        if any(key_result.source != SOURCE_MANUAL for key_result in self):
            raise ValidationError(
                self.env._(
                    "The current value of an automatic key result comes from the "
                    "records it counts, and a roll-up's from the key results under "
                    "it; it cannot be entered by hand."
                )
            )

    # ------------------------------------------------------------------
    # APPROVAL
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # The input checks first, as when this lock came after them.
        for vals in vals_list:
            self._okr_check_input(vals)
        objective_ids = {vals.get("objective_id") for vals in vals_list}
        self._okr_check_approved_objectives(
            self.env["okr.objective"].browse(oid for oid in objective_ids if oid)
        )
        key_results = super().create(vals_list)
        key_results._okr_note_on_objectives()
        return key_results

    def write(self, vals):
        if "current_value" in vals and not self.env.su:
            # A value typed is a check-in: the model's write splits it off
            # and writes the rest again, through here.
            return super().write(vals)
        # The input checks first, as when this lock came after them:
        # ``changed_fields`` converts the values it compares.
        self._okr_check_input(vals)
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
    def _unlink_except_automatic(self):
        if not (self.env.su or self.env.user._okr_is_manager()) and any(
            key_result.source != SOURCE_MANUAL for key_result in self
        ):
            raise AccessError(
                self.env._("Only OKR managers can delete an automatic key result.")
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._okr_check_approved_objectives(self.objective_id)
        self._okr_note_on_objectives(removed=True)
