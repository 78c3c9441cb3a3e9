"""Closing a period: score, freeze, archive, and prepare the next one."""

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine.definitions import RULE_FIELDS, SOURCE_MANUAL
from ..engine.period import PERIOD_CUSTOM, PERIOD_QUARTER, period_bounds
from ..webhook.events import note_period_closed

# The key result fields a copy into the next period keeps: what it counts
# and how (computed fields are not copied by Odoo's copy()).
KEPT_DEFINITION_FIELDS = (*RULE_FIELDS, "preset_id", "forecast_domain", "rollup_method")


class OkrPeriodClose(models.TransientModel):
    _name = "okr.period.close"
    _description = "Close an OKR Period"

    date_start = fields.Date(
        "From", required=True, default=lambda self: self._default_bounds()[0]
    )
    date_end = fields.Date(
        "To", required=True, default=lambda self: self._default_bounds()[1]
    )
    objective_ids = fields.Many2many(
        "okr.objective",
        string="Objectives",
        compute="_compute_objective_ids",
        store=True,
        readonly=False,
        help="The running objectives of the period: closed, scored and archived.",
        # listed with the user's rights: her companies only
        compute_sudo=False,
    )
    line_ids = fields.One2many(
        "okr.period.close.line",
        "wizard_id",
        "Key Results",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    prepare_next = fields.Boolean(
        "Prepare the Next Period",
        default=True,
        help="Copy the objectives and their key results into the next period, "
        "with the targets below; automatic definitions, roll-ups and "
        "alignment are kept.",
    )
    next_date_start = fields.Date(
        "Next From", compute="_compute_next_dates", store=True, readonly=False
    )
    next_date_end = fields.Date(
        "Next To", compute="_compute_next_dates", store=True, readonly=False
    )
    schedule_reviews = fields.Boolean(
        "Schedule the Next Reviews",
        default=True,
        help="An OKR review activity for each salesperson's objective of the "
        "next period, for the team leader, due at its end.",
    )

    @api.model
    def _default_bounds(self):
        return period_bounds(PERIOD_QUARTER, self.env.company._okr_today())

    @api.depends("date_start", "date_end")
    def _compute_objective_ids(self):
        for wizard in self:
            if not (wizard.date_start and wizard.date_end):
                wizard.objective_ids = False
                continue
            # Those the user may see (her allowed companies, the record
            # rules), whatever env the wizard is computed in.
            objectives = self.env["okr.objective"].with_user(self.env.user)
            wizard.objective_ids = objectives.search(
                [
                    ("date_start", ">=", wizard.date_start),
                    ("date_end", "<=", wizard.date_end),
                ]
            )

    @api.depends("objective_ids")
    def _compute_line_ids(self):
        for wizard in self:
            key_results = wizard.objective_ids.key_result_ids
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "key_result_id": key_result.id,
                        "next_baseline_value": key_result.baseline_value,
                        "next_target_value": key_result.target_value,
                    }
                )
                for key_result in key_results
            ]

    @api.depends("date_start", "date_end")
    def _compute_next_dates(self):
        for wizard in self:
            if not (wizard.date_start and wizard.date_end):
                continue
            months = (
                (wizard.date_end.year - wizard.date_start.year) * 12
                + wizard.date_end.month
                - wizard.date_start.month
                + 1
            )
            wizard.next_date_start = wizard.date_end + relativedelta(days=1)
            wizard.next_date_end = wizard.date_start + relativedelta(
                months=2 * months, days=-1
            )

    def _check_manager(self):
        if not (self.env.su or self.env.user._okr_is_manager()):
            raise AccessError(self.env._("Only OKR managers can close a period."))

    def action_close(self):
        """Score every key result, freeze and archive the objectives, and
        prepare the next period if asked."""
        self.ensure_one()
        self._check_manager()
        # The list is whatever the client sent, all of it (a read as the user
        # may leave out what she cannot see): she may edit them all, or
        # nothing is closed. The scores below are written as the system.
        objectives = self.sudo().objective_ids.with_env(self.env)
        objectives.check_access("write")
        objectives = objectives.filtered("active")
        if not objectives:
            raise UserError(self.env._("No running objective in this period."))
        if self.prepare_next and not (
            self.next_date_start
            and self.next_date_end
            and self.next_date_start <= self.next_date_end
        ):
            raise UserError(
                self.env._("Next From and Next To: give the next period's dates.")
            )
        key_results = objectives.key_result_ids
        # Scored before anything moves: the values of the period's last day.
        key_results._okr_score()
        objectives._okr_score()
        note_period_closed(self.env, key_results)
        new_objectives = self.env["okr.objective"]
        if self.prepare_next:
            new_objectives = self._copy_into_next_period(objectives)
        # Archived: their key results stop counting and keep their value.
        objectives.write({"active": False})
        if self.schedule_reviews and new_objectives:
            new_objectives._okr_schedule_review(self.next_date_end)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Next Period"),
            "res_model": "okr.objective",
            "view_mode": "kanban,list,form",
            "domain": [("id", "in", new_objectives.ids or objectives.ids)],
            "context": {"active_test": False},
        }

    def _copy_into_next_period(self, objectives):
        """Each objective and key result copied with the next period's dates
        and targets; alignment and roll-ups follow to the copies."""
        lines = {line.key_result_id: line for line in self.line_ids}
        new_objective = {}
        # Parents first: a copy aligns with the copy of its parent.
        for objective in objectives.sorted(lambda o: (o.parent_path or "", o.id)):
            parent = objective.parent_id
            new_objective[objective] = objective.copy(
                {
                    "name": objective.name,
                    "period_type": PERIOD_CUSTOM,
                    "date_start": self.next_date_start,
                    "date_end": self.next_date_end,
                    "parent_id": new_objective.get(parent, parent).id,
                    "key_result_ids": [],
                }
            )
        new_key_result = {}
        key_results = objectives.key_result_ids
        for key_result in key_results:
            line = lines.get(key_result)
            values = {
                "name": key_result.name,
                "objective_id": new_objective[key_result.objective_id].id,
                "baseline_value": line.next_baseline_value
                if line
                else key_result.baseline_value,
                "target_value": line.next_target_value
                if line
                else key_result.target_value,
                "user_id": key_result.user_id.id,
                "currency_id": key_result.currency_id.id,
                "date_start": self.next_date_start,
                "date_end": self.next_date_end,
                "parent_id": False,
            }
            if key_result.source == SOURCE_MANUAL:
                # a new start; the others are counted again
                values["current_value"] = values["baseline_value"]
            for fname in KEPT_DEFINITION_FIELDS:
                value = key_result[fname]
                values[fname] = (
                    value.id if isinstance(value, models.BaseModel) else value
                )
            new_key_result[key_result] = key_result.copy(values)
        # Alignment and roll-ups: to the copy where there is one, else as
        # they were (a yearly key result the quarters contribute to).
        for key_result, copy in new_key_result.items():
            parent = key_result.parent_id
            vals = {"parent_id": new_key_result.get(parent, parent).id}
            if key_result.rollup_child_ids:
                vals["rollup_child_ids"] = [
                    Command.set(
                        [
                            new_key_result.get(c, c).id
                            for c in key_result.rollup_child_ids
                        ]
                    )
                ]
            copy.write(vals)
        return self.env["okr.objective"].concat(*new_objective.values())
