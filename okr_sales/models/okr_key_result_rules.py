"""What an automatic key result counts, and the checks of its definition.

The rule's fields (set by OKR managers, or filled in from a preset), whose
records it counts, its open pipeline; and the constraints that refuse a
definition the engine could not compute, naming the field.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from ..engine.definitions import (
    CADENCE_PERIOD,
    CADENCE_SELECTION,
    COUNTING_SOURCES,
    DISTINCT_MEASURES,
    DURATION_UNITS,
    LEVEL_INDIVIDUAL,
    LEVEL_TEAM,
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
    SOURCE_SELECTION,
)
from ..engine.domains import (
    DomainSyntaxError,
    DomainValueError,
    check_values,
    parse_domain,
)
from ..engine.forecast import FORECAST_MEASURES

# Whose records an automatic key result counts by default, by the level of
# its objective (the department's and the company's count the company's).
LEVEL_SCOPE = {LEVEL_INDIVIDUAL: SCOPE_OWNER, LEVEL_TEAM: SCOPE_TEAM}
NUMERIC_TYPES = ("integer", "float", "monetary")
DATE_TYPES = ("date", "datetime")


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    # Automatic progress: what the key result counts (set by OKR managers)
    source = fields.Selection(
        SOURCE_SELECTION,
        required=True,
        default=SOURCE_MANUAL,
        tracking=True,
        help="Manual: the owner checks in. Automatic: the value counts the "
        "records matching a rule, as they change. Linked records: the value "
        "counts the records linked to it by hand. Only an OKR manager makes an "
        "automatic key result manual or a roll-up: its value comes from its "
        "records.",
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

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.model
    def _selection_source_model(self):
        return [
            (spec.model, self.env._(spec.label))
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
                        for fname, value in preset._okr_key_result_values().items()
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
                values = key_result.preset_id._okr_key_result_values(rule_only=True)
                key_result.forecast_domain = values["forecast_domain"]

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
        values = preset._okr_key_result_values()
        self.source = values["source"]
        self.unit = values["unit"]
        if not self.measurement_method:
            self.measurement_method = values["measurement_method"]
        if not self.name:
            self.name = preset.name

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

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
            if self.unit not in DURATION_UNITS:
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
