"""The key result: its target, period, progress and check-ins.

Also an ``okr.key.result`` by concern, in ``_inherit`` files: what an
automatic key result counts and the checks of its definition
(``okr_key_result_rules.py``), who may change what
(``okr_key_result_access.py``), the alignment warnings, the figures, the
definition the engine is handed (``okr_key_result_definition.py``), the
engine, the forecast, the roll-ups, the pace, the history, the live updates
and the won-deal notification.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.definitions import (
    SOURCE_MANUAL,
    UNIT_CURRENCY,
    UNIT_NUMBER,
    UNIT_SELECTION,
)
from ..engine.period import bucket_end, bucket_start, is_whole_period
from ..engine.progress import BEHIND_STATUSES, STATUS_SELECTION, key_result_progress
from ..tools.amount_field import Amount


class OkrKeyResult(models.Model):
    _name = "okr.key.result"
    _description = "Key Result"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "okr.input.mixin",
        "okr.natural.order.mixin",
        "okr.edit.access.mixin",
    ]
    _order = "objective_id, sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    name = fields.Char("Key Result", required=True, tracking=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    objective_id = fields.Many2one(
        "okr.objective",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
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
        check_company=True,
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
    # Amounts in the key result's currency when its unit is money (rounded
    # as the currency is, as CRM's); plain numbers, unrounded, otherwise.
    baseline_value = Amount(
        "Baseline",
        currency_field="currency_id",
        tracking=True,
        help="Where the key result starts: 0% progress. It may be above the "
        "target for lower-is-better key results, such as days to close.",
    )
    target_value = Amount(
        "Target", currency_field="currency_id", required=True, tracking=True
    )
    current_value = Amount(
        currency_field="currency_id",
        compute="_compute_current_value",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        # A copy has no check-in and no record counted yet: it starts at
        # its baseline or at what the engine counts, as a new one does.
        copy=False,
        help="Set by check-ins; before the first one, the baseline. A value "
        "written here is checked in.",
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
        tracking=True,
    )
    date_end = fields.Date(
        "End Date",
        compute="_compute_dates",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
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
    closing_score = fields.Float(
        "Score",
        readonly=True,
        copy=False,
        tracking=True,
        digits=(16, 2),
        help="Given when its period is closed: 0.0 to 1.0, the share of the "
        "way to the target reached (0.7 for 70%).",
    )
    checkin_ids = fields.One2many("okr.checkin", "key_result_id", "Check-ins")
    last_checkin_date = fields.Date(compute="_compute_last_checkin", store=True)
    last_confidence = fields.Integer(
        "Confidence",
        compute="_compute_last_checkin",
        store=True,
        help="Confidence of the latest check-in, from 0 to 10.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

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
        # An automatic one keeps what its records give (the engine's).
        for key_result in self:
            if not key_result.checkin_ids and (
                key_result.source == SOURCE_MANUAL or not key_result._origin.id
            ):
                key_result.current_value = key_result.baseline_value
            else:
                key_result.current_value = key_result._origin.current_value

    @api.depends("baseline_value", "target_value", "current_value")
    def _compute_progress(self):
        for key_result in self:
            key_result.progress = key_result_progress(
                key_result.baseline_value,
                key_result.target_value,
                key_result.current_value,
            )

    @api.depends(
        "progress",
        "date_start",
        "date_end",
        "cadence",
        "source",
        "last_moved_date",
        "last_checkin_date",
    )
    def _compute_status(self):
        # Thresholds and forecast: see okr_key_result_pace.py. On the
        # company's today, whoever's transaction recomputes it.
        thresholds = self.env["ir.config_parameter"]._okr_pace_thresholds()
        calendar = {}
        for key_result in self:
            calendar[key_result] = key_result._okr_pace_status(thresholds)
        # Behind the calendar: does the pipeline cover it? (Asked only then,
        # for all of them at once: the forecast reads the open records.)
        behind = self.browse(
            [kr.id for kr, status in calendar.items() if status in BEHIND_STATUSES]
        )._okr_forecast_progresses()
        for key_result, status in calendar.items():
            if key_result.id in behind:
                status = key_result._okr_pace_status(
                    thresholds, forecast=behind[key_result.id]
                )
            key_result.status = status

    def _pace_period(self, today):
        """The stretch progress is paced against: the period, or for a key
        result measured each month or quarter, the current month or quarter."""
        self.ensure_one()
        if self.source == SOURCE_MANUAL or is_whole_period(self.cadence):
            return self.date_start, self.date_end
        day = min(max(today, self.date_start), self.date_end)
        start = bucket_start(self.cadence, day, self.date_start)
        return start, bucket_end(self.cadence, start, self.date_end)

    @api.depends("checkin_ids.date", "checkin_ids.confidence")
    def _compute_last_checkin(self):
        for key_result in self:
            last = key_result.checkin_ids.sorted(lambda c: (c.date, c.id))[-1:]
            key_result.last_checkin_date = last.date
            key_result.last_confidence = last.confidence

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("preset_id"):
                # What the form's onchange does, for key results made in code.
                preset = self.env["okr.key.result.preset"].browse(vals["preset_id"])
                for fname, value in preset._okr_key_result_values().items():
                    # Explicit: given one field of the preset's compute, the
                    # ORM computes none of the others.
                    vals.setdefault(
                        fname,
                        value.id if isinstance(value, models.BaseModel) else value,
                    )
        key_results = super().create(vals_list)
        key_results._okr_check_definition_access()
        if any("current_value" in vals for vals in vals_list):
            key_results._okr_check_value_source()
        key_results._okr_note_definition_change()
        return key_results

    def write(self, vals):
        if "current_value" in vals and not self.env.su:
            # A value typed by a user is a check-in: with its rights (not
            # the key result's), its history point and its webhook event.
            self._okr_check_value_source()
            vals = dict(vals)
            typed_value = vals.pop("current_value")
            result = self.write(vals) if vals else True
            self._okr_check_in_typed_value(typed_value)
            return result
        before = None
        if self._okr_guarded_fields() & vals.keys() and not self.env.su:
            before = self._okr_guarded_values()
        result = super().write(vals)
        if before is not None:
            self._okr_check_definition_access(before)
        if "current_value" in vals:
            self._okr_check_value_source()
        if not self.env.su:
            # The rules hold for the new values too (Odoo checks them before
            # a write only): a key result moved to someone else's objective
            # is no longer one's own.
            self.check_access("write")
        return result

    def _okr_check_in_typed_value(self, value):
        """Check in ``value`` (written as ``current_value``) on these manual
        key results, as the writer, where it changes their value."""
        self.env["okr.checkin"].create(
            [
                {
                    "key_result_id": key_result.id,
                    "value": value,
                    "confidence": key_result.last_confidence or 5,
                }
                for key_result in self
                if key_result.current_value != value
            ]
        )

    def unlink(self):
        # the cached definitions of every worker
        self.env.registry.clear_cache()
        return super().unlink()

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_contributing_records(self):
        """The records behind the value, opened with the viewer's own rights."""
        self.ensure_one()
        self.check_access("read")
        only_successes = self.env.context.get("okr_numerator")
        domain = [("key_result_id", "=", self.id)]
        if only_successes:
            domain.append(("in_numerator", "=", True))
        # Those the viewer may read: the value counts them all, its detail not.
        contributions = self.env["okr.contribution"].search(domain)
        model = self.env[self.source_model]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Records behind: %(name)s", name=self.name),
            "res_model": self.source_model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", contributions.mapped("res_id"))],
            "context": {"active_test": False, "create": False},
            "help": self._okr_contributions_help(model, contributions, domain),
        }

    def _okr_contributions_help(self, model, readable, domain):
        """What an empty Contributing Records list says: nothing counted yet,
        or records counted that the viewer may not read (not how many)."""
        if readable or not self.env["okr.contribution"].sudo().search_count(
            domain, limit=1
        ):
            return self.env._(
                "<p>No %(records)s count toward this key result yet.</p>",
                records=model._description,
            )
        return self.env._(
            "<p>There are %(records)s counting toward this key result that you "
            "may not see: your access rights do not include them.</p>",
            records=model._description,
        )

    def _sync_current_value_from_checkins(self):
        """The current value of a key result is that of its latest check-in.

        Written as the system: whoever may check in (the key result's owner,
        also in someone else's objective) moves the value, not only who may
        edit the key result."""
        for key_result in self.sudo().filtered(lambda kr: kr.source == SOURCE_MANUAL):
            last = key_result.checkin_ids.sorted(lambda c: (c.date, c.id))[-1:]
            if last and key_result.current_value != last.value:
                key_result.write(
                    {
                        "current_value": last.value,
                        # the transaction's time, as the engine's moves
                        "last_moved_date": self.env.cr.now(),
                        "last_moved_model": last._name,
                        "last_moved_res_id": last.id,
                    }
                )

    def _okr_score(self):
        """Score these key results at the close of their period.

        The score is kept by the OKRs (read-only to every user, see
        okr.input.mixin): written as the system, once the caller's own right
        to edit these key results is checked."""
        self.check_access("write")
        for key_result in self:
            key_result.sudo().closing_score = round(
                min(1.0, max(0.0, key_result.progress / 100.0)), 2
            )

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
