from odoo import api, fields, models

from ..engine.definitions import (
    CADENCE_PERIOD,
    CADENCE_SELECTION,
    COUNTING_SOURCE_SELECTION,
    MEASURE_SELECTION,
    RULE_FIELDS,
    SCOPE_COMPANY,
    SOURCE_AUTOMATIC,
    UNIT_NUMBER,
    UNIT_SELECTION,
)
from ..engine.period import PERIOD_YEAR, period_bounds

# What a preset stands for: a key result's rule, for any scope.
PRESET_DEFINITION_FIELDS = (
    *(fname for fname in RULE_FIELDS if fname != "scope"),
    "forecast_domain",
)


class OkrKeyResultPreset(models.Model):
    """A ready-made definition of an automatic key result.

    Shipped for the common sales key results (won revenue, conversion rate,
    days to close, prospects met, ...) so that nobody writes a domain for
    them; OKR managers can add their own.
    """

    _name = "okr.key.result.preset"
    _description = "Key Result Preset"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True, help="What is counted, in words.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    source = fields.Selection(
        COUNTING_SOURCE_SELECTION, required=True, default=SOURCE_AUTOMATIC
    )
    source_model = fields.Selection(
        selection=lambda self: self.env["okr.key.result"]._selection_source_model(),
        string="Counted Records",
        required=True,
    )
    source_domain = fields.Char("Rule", default="[]")
    numerator_domain = fields.Char("Successes")
    forecast_domain = fields.Char(
        "Open Pipeline",
        help="For a sum or count of won deals: the open opportunities its "
        "forecast takes. Empty: no forecast.",
    )
    date_field_id = fields.Many2one(
        "ir.model.fields",
        "Dated By",
        required=True,
        ondelete="cascade",
        domain="[('model', '=', source_model), ('ttype', 'in', ('date', 'datetime'))]",
    )
    measure = fields.Selection(MEASURE_SELECTION, required=True, default="count")
    measure_field_id = fields.Many2one(
        "ir.model.fields",
        "Measured Field",
        ondelete="cascade",
        domain="[('model', '=', source_model), ('store', '=', True)]",
    )
    duration_start_field_id = fields.Many2one(
        "ir.model.fields", "Duration From", ondelete="cascade"
    )
    duration_end_field_id = fields.Many2one(
        "ir.model.fields", "Duration To", ondelete="cascade"
    )
    first_time_only = fields.Boolean("First Time Ever Only")
    cadence = fields.Selection(
        CADENCE_SELECTION, "Measured Over", required=True, default=CADENCE_PERIOD
    )
    unit = fields.Selection(UNIT_SELECTION, required=True, default=UNIT_NUMBER)
    lower_is_better = fields.Boolean(
        help="The target is below the baseline, such as days to close."
    )

    def write(self, vals):
        changed = set(PRESET_DEFINITION_FIELDS) & vals.keys()
        before = {
            preset.id: preset._okr_key_result_values(rule_only=True) for preset in self
        }
        result = super().write(vals)
        if changed:
            self._propagate_definition(before)
        return result

    def _propagate_definition(self, before):
        """The key results that follow a preset (their rule is still the
        preset's as it was, ``before``) follow its change, every field at
        once, and are rebuilt when the transaction commits; those a manager
        adapted keep their own rule. So a preset changed by a manager, or by
        an upgrade's migration (presets are shipped ``noupdate``), never
        leaves a key result half the old rule and half the new."""
        key_results = self.env["okr.key.result"].sudo().with_context(active_test=False)
        for preset in self:
            old = before[preset.id]
            new = preset._okr_key_result_values(rule_only=True)
            followers = key_results.search([("preset_id", "=", preset.id)]).filtered(
                lambda kr, old=old: all(kr[fname] == old[fname] for fname in old)
            )
            if followers:
                followers.write(
                    {
                        fname: value.id
                        if isinstance(value, models.BaseModel)
                        else value
                        for fname, value in new.items()
                    }
                )

    def _okr_key_result_values(self, rule_only=False):
        """What this preset gives a key result, as its field values (records
        for relational fields), the one place that says so: the rule it
        counts (source and unit included) and the forecast, which a key
        result following the preset still has (``rule_only``); and what it
        measures in words, which the key result may word otherwise."""
        self.ensure_one()
        values = {fname: self[fname] for fname in PRESET_DEFINITION_FIELDS}
        if not rule_only:
            values["measurement_method"] = self.description
        return values

    @api.constrains(*PRESET_DEFINITION_FIELDS)
    def _check_definition(self):
        # Same rules as on a key result: check a throwaway one in memory.
        year = period_bounds(PERIOD_YEAR, self.env.company._okr_today())
        for preset in self:
            sample = self.env["okr.key.result"].new(
                {
                    "scope": SCOPE_COMPANY,
                    "date_start": year[0],
                    "date_end": year[1],
                    **preset._okr_key_result_values(rule_only=True),
                }
            )
            sample._check_automatic_definition()
