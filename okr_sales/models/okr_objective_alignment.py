"""Alignment checks of an objective: warnings, never refusals.

As for key results (``okr_key_result_alignment.py``): stored computed fields,
updated in the transaction that changes what they read. An objective
carries its own warnings (its period outside its parent's, no key result)
and, summed up, those of its key results, each line naming the key result:
the banner of its form and the filter of the list show everything the
manager has to look at for this objective.
"""

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import format_date

from .okr_alignment_check import CHECK_NO_KEY_RESULT, CHECK_PERIOD_OUTSIDE

# What the objective's own checks read, and which key results it has.
OBJECTIVE_DEPENDENCIES = (
    "active",
    "date_start",
    "date_end",
    "parent_id.date_start",
    "parent_id.date_end",
    "key_result_ids",
    "key_result_ids.active",
)


class OkrObjective(models.Model):
    _inherit = "okr.objective"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    # Not stored: written in the reader's language, with figures as of now.
    alignment_warning = fields.Text(
        compute="_compute_alignment_warning",
        help="What does not line up with the cascade, for this objective and "
        "its key results: warnings for the manager, who decides.",
    )
    alignment_check_ids = fields.Many2many(
        "okr.alignment.check",
        "okr_objective_alignment_check_rel",
        "objective_id",
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

    @api.depends(*OBJECTIVE_DEPENDENCIES, "key_result_ids.alignment_check_ids")
    def _compute_alignment_checks(self):
        checks = self.env["okr.alignment.check"]._okr_by_code()
        for objective in self:
            kinds = {checks[code] for code, _message in objective._okr_live_findings()}
            if objective.active:
                for key_result in objective.key_result_ids.filtered("active"):
                    kinds.update(key_result.alignment_check_ids)
            objective.alignment_check_ids = [
                Command.set(sorted(check.id for check in kinds))
            ]
            objective.has_alignment_warning = bool(kinds)

    @api.depends(
        *OBJECTIVE_DEPENDENCIES,
        "key_result_ids.name",
        "key_result_ids.alignment_warning",
    )
    @api.depends_context("lang")
    def _compute_alignment_warning(self):
        for objective in self:
            lines = [message for _code, message in objective._okr_live_findings()]
            if objective.active:
                for key_result in objective.key_result_ids.filtered("active"):
                    lines.extend(
                        f"“{key_result.name}”: {line}"
                        for line in (key_result.alignment_warning or "").splitlines()
                    )
            objective.alignment_warning = "\n".join(lines) or False

    def _okr_live_findings(self):
        """The findings of an active objective."""
        self.ensure_one()
        return self._okr_alignment_findings() if self.active else []

    def _okr_alignment_findings(self):
        """``[(check code, message)]`` of the objective's own checks."""
        self.ensure_one()
        findings = []
        parent = self.parent_id
        if parent and not (
            parent.date_start <= self.date_start and self.date_end <= parent.date_end
        ):
            findings.append(
                (
                    CHECK_PERIOD_OUTSIDE,
                    self.env._(
                        "Its period (%(start)s - %(end)s) lies outside that of "
                        "“%(parent)s”, which it is aligned with (%(parent_start)s - "
                        "%(parent_end)s).",
                        start=format_date(self.env, self.date_start),
                        end=format_date(self.env, self.date_end),
                        parent=parent.name,
                        parent_start=format_date(self.env, parent.date_start),
                        parent_end=format_date(self.env, parent.date_end),
                    ),
                )
            )
        if not self.key_result_ids.filtered("active"):
            findings.append(
                (
                    CHECK_NO_KEY_RESULT,
                    self.env._(
                        "It has no key result: nothing says when it is reached."
                    ),
                )
            )
        return findings
