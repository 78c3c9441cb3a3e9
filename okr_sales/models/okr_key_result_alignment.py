"""Alignment checks of a key result: warnings, never refusals.

Stored computed fields, updated in the transaction that changes what they
read (their ``@api.depends`` follow the relations), so that managers can
filter and group key results by them:

- ``alignment_warning``: one line per failed check, with the numbers;
- ``alignment_check_ids``: the kinds of check failed (to group by);
- ``has_alignment_warning``: whether there is any (to filter by).

What a reader may see through them: a warning names amounts of the key
results aligned under this one. They are computed as the system, but only
from key results of the same company (alignment across companies is refused
anyway), and every OKR user reads all key results of her companies: a
warning shows no amount its reader could not read on the records
themselves. The text is written in the language of the user whose change
triggered it; amounts of another currency are converted at the rate of the
day of that change, as a roll-up's value is.
"""

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import format_date

from ..engine.definitions import (
    MEASURE_SUM,
    SCOPE_COMPANY,
    SCOPE_OWNER,
    SCOPE_TEAM,
    SOURCE_AUTOMATIC,
    SOURCE_ROLLUP,
    UNIT_CURRENCY,
)
from ..engine.rollup import ROLLUP_SUM
from ..engine.totals import VALUE_TOLERANCE
from .okr_alignment_check import (
    CHECK_NO_OWNER,
    CHECK_OFF_CASCADE,
    CHECK_PERIOD_OUTSIDE,
    CHECK_SCOPE_LEVEL,
    CHECK_TARGETS_SUM,
)

# Whose records a scope counts, from the narrowest.
SCOPE_WIDTH = {SCOPE_OWNER: 1, SCOPE_TEAM: 2, SCOPE_COMPANY: 3}

# Relative tolerance of the sum check, for targets that are not amounts:
# a sum of floats may differ from the same number typed by hand.
RELATIVE_TOLERANCE = 1e-9
# What the checks read of the key results under a roll-up, through either
# of the two relations that make them its children.
CHILD_DEPENDENCIES = (
    "target_value",
    "currency_id",
    "unit",
    "active",
    "company_id",
    "objective_id.active",
)


# What the checks read: a change of any recomputes them.
ALIGNMENT_DEPENDENCIES = (
    "active",
    "objective_id.active",
    "objective_id.level",
    "objective_id.parent_path",
    "user_id",
    "source",
    "scope",
    "date_start",
    "date_end",
    "parent_id.date_start",
    "parent_id.date_end",
    "parent_id.objective_id",
    "rollup_method",
    "measure",
    "target_value",
    "unit",
    "currency_id",
    "company_id",
    *(f"child_ids.{path}" for path in CHILD_DEPENDENCIES),
    *(f"rollup_child_ids.{path}" for path in CHILD_DEPENDENCIES),
)


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    # Not stored: written in the reader's language, with figures as of now.
    alignment_warning = fields.Text(
        compute="_compute_alignment_warning",
        help="What does not line up with the cascade: warnings for the "
        "manager, who decides.",
    )
    alignment_check_ids = fields.Many2many(
        "okr.alignment.check",
        "okr_key_result_alignment_check_rel",
        "key_result_id",
        "check_id",
        "Alignment Warnings",
        compute="_compute_alignment_checks",
        store=True,
    )
    has_alignment_warning = fields.Boolean(
        compute="_compute_alignment_checks", store=True, index=True
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends(*ALIGNMENT_DEPENDENCIES)
    def _compute_alignment_checks(self):
        checks = self.env["okr.alignment.check"]._okr_by_code()
        for key_result in self:
            codes = [code for code, _message in key_result._okr_live_findings()]
            key_result.alignment_check_ids = [
                Command.set([checks[code].id for code in codes])
            ]
            key_result.has_alignment_warning = bool(codes)

    @api.depends(*ALIGNMENT_DEPENDENCIES)
    @api.depends_context("lang")
    def _compute_alignment_warning(self):
        for key_result in self:
            key_result.alignment_warning = (
                "\n".join(message for _code, message in key_result._okr_live_findings())
                or False
            )

    def _okr_live_findings(self):
        """The findings of an active key result of an active objective."""
        self.ensure_one()
        if not (self.active and self.objective_id.active):
            return []
        return self._okr_alignment_findings()

    def _okr_alignment_findings(self):
        """``[(check code, message)]`` of the checks this key result fails."""
        self.ensure_one()
        findings = []
        for code, check in (
            (CHECK_TARGETS_SUM, self._okr_check_targets_sum),
            (CHECK_PERIOD_OUTSIDE, self._okr_check_period_in_parent),
            (CHECK_OFF_CASCADE, self._okr_check_in_cascade),
            (CHECK_NO_OWNER, self._okr_check_owner),
            (CHECK_SCOPE_LEVEL, self._okr_check_scope_level),
        ):
            message = check()
            if message:
                findings.append((code, message))
        return findings

    # ------------------------------------------------------------------
    # THE CHECKS: each returns a message, or None
    # ------------------------------------------------------------------

    def _okr_check_targets_sum(self):
        """A sum whose children aim at more or less than it does: a sum
        roll-up, or an automatic sum with key results aligned under it (the
        seed's company revenue, with the department's B2B and B2C revenue)."""
        if self.source == SOURCE_ROLLUP and self.rollup_method == ROLLUP_SUM:
            children = self._okr_rollup_children()
        elif self.source == SOURCE_AUTOMATIC and self.measure == MEASURE_SUM:
            children = self.child_ids.filtered(
                lambda kr: kr.active and kr.objective_id.active and kr.unit == self.unit
            )
        else:
            return None
        children = children.filtered(lambda kr: kr.company_id == self.company_id)
        if not children:
            return None  # the roll-up says so itself (its note)
        today = self._okr_today()
        total = 0.0
        for child in children:
            target = child.target_value
            if (
                self.unit == UNIT_CURRENCY
                and self.currency_id
                and child.currency_id
                and child.currency_id != self.currency_id
            ):
                target = child.currency_id._convert(
                    target, self.currency_id, self.company_id, today, round=False
                )
            total += target
        if not self._okr_values_differ(total, self.target_value):
            return None
        return self.env._(
            "The key results under it aim at %(total)s in all; its own target "
            "is %(target)s.",
            total=self._okr_value_display(total),
            target=self._okr_value_display(self.target_value),
        )

    def _okr_check_period_in_parent(self):
        parent = self.parent_id
        if not parent or (
            parent.date_start <= self.date_start and self.date_end <= parent.date_end
        ):
            return None
        return self.env._(
            "Its period (%(start)s - %(end)s) lies outside that of “%(parent)s”, "
            "which it contributes to (%(parent_start)s - %(parent_end)s).",
            start=format_date(self.env, self.date_start),
            end=format_date(self.env, self.date_end),
            parent=parent.name,
            parent_start=format_date(self.env, parent.date_start),
            parent_end=format_date(self.env, parent.date_end),
        )

    def _okr_check_in_cascade(self):
        """It contributes to a key result of an objective above its own."""
        parent_objective = self.parent_id.objective_id
        if not parent_objective:
            return None
        ancestor_ids = (self.objective_id.parent_path or "").split("/")[:-2]
        if str(parent_objective.id) in ancestor_ids:
            return None
        return self.env._(
            "It contributes to “%(parent)s” of objective “%(objective)s”, which "
            "its own objective is not aligned under.",
            parent=self.parent_id.name,
            objective=parent_objective.name,
        )

    def _okr_check_owner(self):
        if self.user_id:
            return None
        return self.env._("It has no owner: nobody checks in or answers for it.")

    def _okr_check_scope_level(self):
        """It counts wider than its level: a salesperson's key result counting
        her whole team's records (another's deal would move hers). Narrower
        is a choice, never flagged: a team leader's own trainings held."""
        if self.source != SOURCE_AUTOMATIC:
            return None
        expected = self._okr_level_scope()
        if SCOPE_WIDTH.get(self.scope, 0) <= SCOPE_WIDTH.get(expected, 0):
            return None
        whose = {
            SCOPE_OWNER: self.env._("its owner"),
            SCOPE_TEAM: self.env._("its whole sales team"),
            SCOPE_COMPANY: self.env._("the whole company"),
        }
        levels = dict(
            self.objective_id._fields["level"]._description_selection(self.env)
        )
        return self.env._(
            "It counts the records of %(scope)s, though its objective is at the "
            "%(level)s level, which counts those of %(expected)s.",
            scope=whose[self.scope],
            level=levels.get(self.objective_id.level, self.objective_id.level),
            expected=whose[expected],
        )

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _okr_values_differ(self, value, other):
        if self.unit == UNIT_CURRENCY and self.currency_id:
            return self.currency_id.compare_amounts(value, other) != 0
        tolerance = max(
            VALUE_TOLERANCE, RELATIVE_TOLERANCE * max(abs(value), abs(other))
        )
        return abs(value - other) > tolerance
