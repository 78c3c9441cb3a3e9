"""Who may change what on a key result.

What an automatic key result counts is an OKR manager's (others pick a
preset for their own objective); its value comes from its records, never
typed; and once its objective is approved, what moves its progress is
locked for everyone else (see ``okr_objective_approval.py``).
"""

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

from ..engine.definitions import RULE_FIELDS, SOURCE_MANUAL, SOURCE_ROLLUP

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


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"

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
                for fname, value in preset._definition_values().items()
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
    # ORM
    # ------------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_automatic(self):
        if not (self.env.su or self.env.user._okr_is_manager()) and any(
            key_result.source != SOURCE_MANUAL for key_result in self
        ):
            raise AccessError(
                self.env._("Only OKR managers can delete an automatic key result.")
            )
