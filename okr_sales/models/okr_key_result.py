from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.progress import STATUS_SELECTION, key_result_progress, pace_status

UNIT_NUMBER = "number"
UNIT_PERCENT = "percent"
UNIT_CURRENCY = "currency"
UNIT_DAYS = "days"
UNIT_HOURS = "hours"

UNIT_SELECTION = [
    (UNIT_NUMBER, "Number"),
    (UNIT_PERCENT, "Percent"),
    (UNIT_CURRENCY, "Currency"),
    (UNIT_DAYS, "Days"),
    (UNIT_HOURS, "Hours"),
]


class OkrKeyResult(models.Model):
    _name = "okr.key.result"
    _description = "Key Result"
    _inherit = ["mail.thread"]
    _order = "objective_id, sequence, id"

    name = fields.Char("Key Result", required=True, tracking=True)
    sequence = fields.Integer(default=10)
    objective_id = fields.Many2one(
        "okr.objective",
        required=True,
        index=True,
        ondelete="cascade",
    )
    user_id = fields.Many2one(
        "res.users",
        "Owner",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one(
        related="objective_id.company_id", store=True, index=True, precompute=True
    )
    level = fields.Selection(related="objective_id.level", store=True)
    team_id = fields.Many2one(related="objective_id.team_id", store=True)
    measurement_method = fields.Text(
        "How It Is Measured",
        help="What is counted and where the numbers come from, in words.",
    )

    # Target
    unit = fields.Selection(UNIT_SELECTION, required=True, default=UNIT_NUMBER)
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    baseline_value = fields.Float(
        "Baseline",
        tracking=True,
        help="Where the key result starts: 0% progress. It may be above the "
        "target for lower-is-better key results, such as days to close.",
    )
    target_value = fields.Float("Target", required=True, tracking=True)
    current_value = fields.Float(
        compute="_compute_current_value",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Set by check-ins; before the first one, the baseline.",
    )
    weight = fields.Float(
        default=1.0, help="Share of this key result in its objective's progress."
    )

    # Period: inside the objective's, by default the same.
    date_start = fields.Date(
        "Start Date",
        compute="_compute_dates",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    date_end = fields.Date(
        "End Date",
        compute="_compute_dates",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )

    # Progress
    progress = fields.Float(
        compute="_compute_progress",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the way from the baseline to the target, 0 to 100.",
    )
    status = fields.Selection(
        STATUS_SELECTION,
        compute="_compute_status",
        store=True,
        index=True,
    )
    checkin_ids = fields.One2many("okr.checkin", "key_result_id", "Check-ins")
    last_checkin_date = fields.Date(compute="_compute_last_checkin", store=True)
    last_confidence = fields.Integer(
        "Confidence",
        compute="_compute_last_checkin",
        store=True,
        help="Confidence of the latest check-in, from 0 to 10.",
    )

    @api.depends("objective_id")
    def _compute_user_id(self):
        for key_result in self:
            key_result.user_id = (
                key_result.objective_id.user_id or key_result.user_id or self.env.user
            )

    @api.depends("unit", "company_id")
    def _compute_currency_id(self):
        for key_result in self:
            if key_result.unit != UNIT_CURRENCY:
                key_result.currency_id = False
            elif not key_result.currency_id:
                key_result.currency_id = (
                    key_result.company_id.currency_id or self.env.company.currency_id
                )

    @api.depends("objective_id.date_start", "objective_id.date_end")
    def _compute_dates(self):
        # Keep a key result's own dates while they fit in its objective's
        # period; follow the objective otherwise.
        for key_result in self:
            objective = key_result.objective_id
            if not (
                key_result.date_start
                and key_result.date_end
                and objective.date_start
                and objective.date_end
                and objective.date_start <= key_result.date_start
                and key_result.date_end <= objective.date_end
            ):
                key_result.date_start = objective.date_start
                key_result.date_end = objective.date_end

    @api.depends("baseline_value")
    def _compute_current_value(self):
        # Before any check-in a key result stands at its baseline, not at
        # zero: for "days to close down to 12" zero would read as achieved.
        for key_result in self:
            if not key_result.checkin_ids:
                key_result.current_value = key_result.baseline_value

    @api.depends("baseline_value", "target_value", "current_value")
    def _compute_progress(self):
        for key_result in self:
            key_result.progress = key_result_progress(
                key_result.baseline_value,
                key_result.target_value,
                key_result.current_value,
            )

    @api.depends("progress", "date_start", "date_end")
    def _compute_status(self):
        today = fields.Date.context_today(self)
        for key_result in self:
            key_result.status = pace_status(
                key_result.progress, key_result.date_start, key_result.date_end, today
            )

    @api.depends("checkin_ids.date", "checkin_ids.confidence")
    def _compute_last_checkin(self):
        for key_result in self:
            last = key_result.checkin_ids.sorted(lambda c: (c.date, c.id))[-1:]
            key_result.last_checkin_date = last.date
            key_result.last_confidence = last.confidence

    @api.constrains("baseline_value", "target_value")
    def _check_target_value(self):
        for key_result in self:
            if key_result.target_value == key_result.baseline_value:
                raise ValidationError(
                    self.env._(
                        "Target of key result “%(name)s” must differ from its "
                        "Baseline (%(value)s): progress is measured between the two.",
                        name=key_result.name,
                        value=key_result.baseline_value,
                    )
                )

    @api.constrains("weight")
    def _check_weight(self):
        for key_result in self:
            if key_result.weight < 0:
                raise ValidationError(
                    self.env._(
                        "Weight of key result “%(name)s” cannot be negative.",
                        name=key_result.name,
                    )
                )

    @api.constrains("date_start", "date_end", "objective_id")
    def _check_dates(self):
        for key_result in self:
            objective = key_result.objective_id
            if key_result.date_end < key_result.date_start:
                raise ValidationError(
                    self.env._(
                        "End Date of key result “%(name)s” is before its Start Date.",
                        name=key_result.name,
                    )
                )
            if (
                key_result.date_start < objective.date_start
                or key_result.date_end > objective.date_end
            ):
                raise ValidationError(
                    self.env._(
                        "Start Date and End Date of key result “%(name)s” must lie "
                        "within the period of its objective “%(objective)s” "
                        "(%(start)s - %(end)s).",
                        name=key_result.name,
                        objective=objective.name,
                        start=objective.date_start,
                        end=objective.date_end,
                    )
                )

    def _sync_current_value_from_checkins(self):
        """The current value of a key result is that of its latest check-in."""
        for key_result in self:
            last = key_result.checkin_ids.sorted(lambda c: (c.date, c.id))[-1:]
            if last and key_result.current_value != last.value:
                key_result.current_value = last.value

    def action_checkin(self):
        """Open a check-in form for this key result, prefilled with its value."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Check-in: %(name)s", name=self.name),
            "res_model": "okr.checkin",
            "view_mode": "form",
            "views": [(self.env.ref("okr_sales.okr_checkin_view_form").id, "form")],
            "target": "new",
            "context": {
                "default_key_result_id": self.id,
                "default_value": self.current_value,
                "default_confidence": self.last_confidence or 5,
            },
        }
