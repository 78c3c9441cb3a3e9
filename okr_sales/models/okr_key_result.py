from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import date_utils

from ..engine.definitions import (
    CADENCE_PERIOD,
    CADENCE_SELECTION,
    COUNTING_SOURCES,
    DISTINCT_MEASURES,
    DURATION_DAYS,
    DURATION_HOURS,
    MEASURE_DURATION,
    MEASURE_RATIO,
    MEASURE_SELECTION,
    RULE_FIELDS,
    SCOPE_COMPANY,
    SCOPE_OWNER,
    SCOPE_SELECTION,
    SCOPE_TEAM,
    SOURCE_LINKED,
    SOURCE_MANUAL,
    SOURCE_ROLLUP,
    SOURCE_SELECTION,
)
from ..engine.domains import (
    DomainSyntaxError,
    DomainValueError,
    check_values,
    parse_domain,
)
from ..engine.forecast import FORECAST_MEASURES
from ..engine.progress import STATUS_SELECTION, key_result_progress
from ..tools.amount_field import Amount

# Whose records an automatic key result counts by default, by the level of
# its objective (the department's and the company's count the company's).
LEVEL_SCOPE = {"individual": SCOPE_OWNER, "team": SCOPE_TEAM}
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
NUMERIC_TYPES = ("integer", "float", "monetary")
DATE_TYPES = ("date", "datetime")

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
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "okr.input.mixin",
        "okr.natural.order.mixin",
        "okr.edit.access.mixin",
        "okr.rollup.mixin",
        "okr.key.result.alignment",
        "okr.key.result.approval",
        "okr.key.result.live",
        "okr.key.result.display",
        "okr.key.result.notify",
    ]
    _order = "objective_id, sequence, id"
    _check_company_auto = True

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

    # Automatic progress: what the key result counts (set by OKR managers)
    source = fields.Selection(
        SOURCE_SELECTION,
        required=True,
        default=SOURCE_MANUAL,
        tracking=True,
        help="Manual: the owner checks in. Automatic: the value counts the "
        "records matching a rule, as they change. Linked records: the value "
        "counts the records linked to it by hand.",
    )
    preset_id = fields.Many2one(
        "okr.key.result.preset",
        help="A ready-made definition: picking one fills in what is counted.",
    )
    preset_description = fields.Text(
        related="preset_id.description", string="What the Preset Counts"
    )
    source_model = fields.Selection(
        selection="_selection_source_model",
        string="Counted Records",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
    )
    source_domain = fields.Char(
        "Rule",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        help="Which records count. Placeholders: owner_id, team_id, company_id, "
        "date_start, date_end of the key result. For a ratio, the records the "
        "share is taken of (the denominator).",
    )
    numerator_domain = fields.Char(
        "Successes",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        help="For a ratio: which of the counted records are successes.",
    )
    date_field_id = fields.Many2one(
        "ir.model.fields",
        "Dated By",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        ondelete="set null",
        domain="[('model', '=', source_model), ('ttype', 'in', ('date', 'datetime'))]",
        help="The date that places a record in the key result's period.",
    )
    scope = fields.Selection(
        SCOPE_SELECTION,
        "Whose Records",
        compute="_compute_scope",
        store=True,
        readonly=False,
        help="Records of the owner, of the objective's sales team, or of the "
        "whole company: one definition serves a salesperson, her team and the "
        "department.",
    )
    measure = fields.Selection(
        MEASURE_SELECTION,
        compute="_compute_from_preset",
        store=True,
        readonly=False,
    )
    measure_field_id = fields.Many2one(
        "ir.model.fields",
        "Measured Field",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        ondelete="set null",
        domain="[('model', '=', source_model), ('store', '=', True)]",
    )
    duration_start_field_id = fields.Many2one(
        "ir.model.fields",
        "Duration From",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        ondelete="set null",
        domain="[('model', '=', source_model), ('ttype', 'in', ('date', 'datetime'))]",
    )
    duration_end_field_id = fields.Many2one(
        "ir.model.fields",
        "Duration To",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        ondelete="set null",
        domain="[('model', '=', source_model), ('ttype', 'in', ('date', 'datetime'))]",
    )
    first_time_only = fields.Boolean(
        "First Time Ever Only",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        help="Distinct count: a value counts only if no earlier record of the "
        "company has it (new customers, new provinces).",
    )
    forecast_domain = fields.Char(
        "Open Pipeline",
        compute="_compute_forecast_domain",
        store=True,
        readonly=False,
        help="For a sum or count of won deals: the open opportunities that "
        "may still count this period (the same rule as the key result's, "
        "except being won). Each adds its amount (or 1) weighted by its "
        "probability to the forecast. Empty: no forecast.",
    )
    cadence = fields.Selection(
        CADENCE_SELECTION,
        "Measured Over",
        compute="_compute_from_preset",
        store=True,
        readonly=False,
        help="The whole period, or each month or quarter against the same "
        "target (e.g. meet 50 prospects every month).",
    )
    can_define = fields.Boolean(
        compute="_compute_can_define",
        help="Whether the current user may change what the key result counts.",
    )
    computation_error = fields.Text(
        readonly=True,
        copy=False,
        help="Why the last automatic update failed. The value stays as it was; "
        "the next recompute clears this once the cause is fixed.",
    )
    period_value_ids = fields.One2many(
        "okr.key.result.period", "key_result_id", "Values per Period"
    )
    contribution_count = fields.Integer(
        "Contributing Records", compute="_compute_contribution_count"
    )
    has_hidden_contributions = fields.Boolean(
        compute="_compute_contribution_count",
        help="Some records counted are not readable by the current user: said "
        "so, never how many nor which.",
    )

    @api.model
    def _selection_source_model(self):
        return [
            (spec.model, spec.label)
            for spec in self._okr_sources().values()
            if spec.model in self.env
        ]

    @api.depends("preset_id")
    def _compute_from_preset(self):
        for key_result in self:
            preset = key_result.preset_id
            if preset:
                # The rule's fields; the form sets the source and unit.
                key_result.update(
                    {
                        fname: value
                        for fname, value in preset._definition_values().items()
                        if self._fields[fname].compute == "_compute_from_preset"
                    }
                )
            elif not key_result.cadence:
                key_result.cadence = CADENCE_PERIOD

    @api.depends("preset_id")
    def _compute_forecast_domain(self):
        # Apart from the rule's compute: a key result's forecast is not what
        # it counts, and adding it recomputed no rule of existing ones.
        for key_result in self:
            if key_result.preset_id:
                key_result.forecast_domain = key_result.preset_id.forecast_domain

    @api.depends("objective_id.level", "source")
    def _compute_scope(self):
        for key_result in self:
            if not key_result.scope:
                key_result.scope = key_result._okr_level_scope()

    def _okr_level_scope(self):
        """Whose records the key result counts by its objective's level."""
        return LEVEL_SCOPE.get(self.objective_id.level, SCOPE_COMPANY)

    @api.depends_context("uid")
    def _compute_can_define(self):
        can_define = self.env.user.has_group("okr_sales.group_okr_manager")
        for key_result in self:
            key_result.can_define = can_define

    @api.depends_context("uid")
    def _compute_contribution_count(self):
        # Those the viewer may read, as Contributing Records opens them: the
        # rule's count in the form is this one too (same scope and period).
        domain = [("key_result_id", "in", self.ids)]
        contributions = self.env["okr.contribution"]
        counts = dict(contributions._read_group(domain, ["key_result_id"], ["__count"]))
        all_counts = dict(
            contributions.sudo()._read_group(domain, ["key_result_id"], ["__count"])
        )
        for key_result in self:
            count = counts.get(key_result, 0)
            key_result.contribution_count = count
            key_result.has_hidden_contributions = all_counts.get(key_result, 0) > count

    @api.onchange("preset_id")
    def _onchange_preset_id(self):
        preset = self.preset_id
        if not preset:
            return
        self.source = preset.source
        self.unit = preset.unit
        if not self.measurement_method:
            self.measurement_method = preset.description
        if not self.name:
            self.name = preset.name

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

    @api.depends("progress", "date_start", "date_end", "cadence", "source")
    def _compute_status(self):
        # Thresholds and forecast: see okr_key_result_pace.py. On the
        # company's today, whoever's transaction recomputes it.
        thresholds = self.env["ir.config_parameter"]._okr_pace_thresholds()
        todays = {}
        for key_result in self:
            company = key_result.company_id
            if company not in todays:
                todays[company] = key_result._okr_today()
            key_result.status = key_result._okr_pace_status(todays[company], thresholds)

    def _pace_period(self, today):
        """The stretch progress is paced against: the period, or for a key
        result measured each month or quarter, the current month or quarter."""
        self.ensure_one()
        if self.source == SOURCE_MANUAL or self.cadence in (False, CADENCE_PERIOD):
            return self.date_start, self.date_end
        day = min(max(today, self.date_start), self.date_end)
        return (
            max(date_utils.start_of(day, self.cadence), self.date_start),
            min(date_utils.end_of(day, self.cadence), self.date_end),
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

    @api.constrains(*RULE_FIELDS, "objective_id")
    def _check_definition(self):
        for key_result in self:
            if key_result.source in COUNTING_SOURCES:
                key_result._check_automatic_definition()

    def _check_automatic_definition(self):
        """Refuse a definition the engine could not compute, naming the field."""
        self.ensure_one()
        fields_info = self._fields
        if not self.source_model or self.source_model not in self.env:
            raise ValidationError(
                self.env._(
                    "%(field)s: choose which records the key result counts.",
                    field=fields_info["source_model"].string,
                )
            )
        model = self.env[self.source_model]
        if self.date_field_id.model != self.source_model or (
            self.date_field_id.ttype not in DATE_TYPES
        ):
            raise ValidationError(
                self.env._(
                    "%(field)s: choose a date or date-time field of %(model)s.",
                    field=fields_info["date_field_id"].string,
                    model=model._description,
                )
            )
        if not self.scope and self.source != SOURCE_LINKED:
            raise ValidationError(
                self.env._(
                    "%(field)s: choose whose records count.",
                    field=fields_info["scope"].string,
                )
            )
        if (
            self.scope == SCOPE_TEAM
            and self.source != SOURCE_LINKED
            and not self.team_id
        ):
            raise ValidationError(
                self.env._(
                    "%(field)s: the objective “%(objective)s” has no sales team.",
                    field=fields_info["scope"].string,
                    objective=self.objective_id.name,
                )
            )
        if not self.measure:
            raise ValidationError(
                self.env._(
                    "%(field)s: choose how the records are measured.",
                    field=fields_info["measure"].string,
                )
            )
        self._check_domain("source_domain", model)
        if self.measure == MEASURE_RATIO:
            if not (self.source_domain or "").strip():
                raise ValidationError(
                    self.env._(
                        "%(field)s: a ratio needs the rule of the records it is "
                        "taken of (the denominator); use [] for all records.",
                        field=fields_info["source_domain"].string,
                    )
                )
            if not (self.numerator_domain or "").strip():
                raise ValidationError(
                    self.env._(
                        "%(field)s: a ratio needs the rule of its successes "
                        "(the numerator).",
                        field=fields_info["numerator_domain"].string,
                    )
                )
            self._check_domain("numerator_domain", model)
        if self.measure in ("sum", "average"):
            self._check_measure_field(
                NUMERIC_TYPES, self.env._("a number or an amount")
            )
        if self.measure in DISTINCT_MEASURES:
            self._check_measure_field(("many2one",), self.env._("a many-to-one field"))
        if self.measure == MEASURE_DURATION:
            for fname in ("duration_start_field_id", "duration_end_field_id"):
                field = self[fname]
                if field.model != self.source_model or field.ttype not in DATE_TYPES:
                    raise ValidationError(
                        self.env._(
                            "%(field)s: choose a date or date-time field of %(model)s.",
                            field=fields_info[fname].string,
                            model=model._description,
                        )
                    )
            if self.unit not in (DURATION_DAYS, DURATION_HOURS):
                raise ValidationError(
                    self.env._("Unit: a duration is measured in days or hours.")
                )
        if self.first_time_only and self.measure not in DISTINCT_MEASURES:
            raise ValidationError(
                self.env._(
                    "%(field)s: only a distinct count can count first times.",
                    field=fields_info["first_time_only"].string,
                )
            )
        self._okr_check_counting()

    @api.constrains("forecast_domain")
    def _check_forecast(self):
        # Not on a change of the measure or the records: a forecast that no
        # longer applies is only not shown.
        for key_result in self:
            if (
                key_result.source in COUNTING_SOURCES
                and (key_result.forecast_domain or "").strip()
            ):
                key_result._check_forecast_definition()

    def _check_forecast_definition(self):
        if self.source_model not in self.env:
            return  # said by the definition's own check
        model = self.env[self.source_model]
        spec = self._okr_sources()[self.source_model]
        if not (spec.forecast_date_field and self.measure in FORECAST_MEASURES):
            raise ValidationError(
                self.env._(
                    "%(field)s: a forecast is made for a sum or a count of "
                    "records with a pipeline (opportunities), not for %(what)s.",
                    field=self._fields["forecast_domain"].string,
                    what=model._description,
                )
                if not spec.forecast_date_field
                else self.env._(
                    "%(field)s: a forecast is made for a sum or a count of "
                    "records, not for a %(measure)s.",
                    field=self._fields["forecast_domain"].string,
                    measure=dict(
                        self._fields["measure"]._description_selection(self.env)
                    )[self.measure].lower(),
                )
            )
        self._check_domain("forecast_domain", model)

    def _check_domain(self, fname, model):
        label = self._fields[fname].string
        try:
            domain = parse_domain(self[fname], self._okr_placeholders())
            check_values(domain, model)
            Domain(domain).validate(model)
            model._okr_check_rule(domain, self)
        except (DomainSyntaxError, DomainValueError) as error:
            raise ValidationError(
                self.env._("%(field)s: %(error)s", field=label, error=error)
            ) from error
        except (ValueError, TypeError, KeyError) as error:
            raise ValidationError(
                self.env._(
                    "%(field)s: the rule does not fit %(model)s: %(error)s",
                    field=label,
                    model=model._description,
                    error=error,
                )
            ) from error

    def _check_measure_field(self, types, expected):
        field = self.measure_field_id
        if (
            not field
            or field.model != self.source_model
            or field.ttype not in types
            or not field.store
        ):
            raise ValidationError(
                self.env._(
                    "%(field)s: the %(measure)s needs %(expected)s stored on the "
                    "counted records%(found)s.",
                    field=self._fields["measure_field_id"].string,
                    measure=dict(
                        self._fields["measure"]._description_selection(self.env)
                    )[self.measure].lower(),
                    expected=expected,
                    found=self.env._(", not “%s”", field.field_description)
                    if field
                    else "",
                )
            )

    # ------------------------------------------------------------------
    # ORM
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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("preset_id"):
                # What the form's onchange does, for key results made in code.
                preset = self.env["okr.key.result.preset"].browse(vals["preset_id"])
                vals.setdefault("source", preset.source)
                vals.setdefault("unit", preset.unit)
                vals.setdefault("measurement_method", preset.description)
                for fname, value in preset._definition_values().items():
                    # Explicit: given one field of the preset's compute, the
                    # ORM computes none of the others.
                    vals.setdefault(fname, value.id if fname.endswith("_id") else value)
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

    @api.ondelete(at_uninstall=False)
    def _unlink_except_automatic(self):
        if not (self.env.su or self.env.user._okr_is_manager()) and any(
            key_result.source != SOURCE_MANUAL for key_result in self
        ):
            raise AccessError(
                self.env._("Only OKR managers can delete an automatic key result.")
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
                key_result.current_value = last.value

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
