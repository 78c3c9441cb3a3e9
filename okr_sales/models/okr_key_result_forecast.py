"""The forecast of a key result: its current value plus the open records
expected to close in its period, each weighted by its probability.

Computed when shown, never stored; the maths are in ``engine/forecast.py``.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine.domains import parse_domain
from ..engine.forecast import can_forecast, forecast_domain, weighted_total
from ..engine.progress import key_result_progress
from ..tools.amount_field import Amount
from .okr_key_result_display import VALUE_FULL


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    forecast_value = Amount(
        "Forecast",
        currency_field="currency_id",
        compute="_compute_forecast",
        help="The current value plus the open opportunities expected to close "
        "in the period (Open Pipeline), each weighted by its probability.",
    )
    forecast_progress = fields.Float(compute="_compute_forecast", digits=(16, 1))
    forecast_summary = fields.Char(compute="_compute_forecast")
    forecast_count = fields.Integer(
        "Open Opportunities",
        compute="_compute_forecast_count",
        help="Open opportunities behind the forecast that you may read.",
    )
    has_hidden_pipeline = fields.Boolean(
        compute="_compute_forecast_count",
        help="Some open opportunities the forecast counts are not readable by "
        "the current user: said so, never how many nor which.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    def _compute_forecast(self):
        # Computed when shown, never stored: the pipeline moves with every
        # opportunity's stage, amount and date; a stored forecast would lag.
        # An aggregate, as the current value: the same for every reader (a
        # non-stored field is cached per record, not per user).
        for key_result in self:
            value = key_result._okr_forecast(key_result._okr_today())
            if value is None:
                key_result.update(
                    {
                        "forecast_value": 0.0,
                        "forecast_progress": 0.0,
                        "forecast_summary": False,
                    }
                )
                continue
            progress = key_result_progress(
                key_result.baseline_value, key_result.target_value, value
            )
            key_result.update(
                {
                    "forecast_value": value,
                    "forecast_progress": progress,
                    "forecast_summary": self.env._(
                        "Forecast: %(value)s of %(target)s (%(progress)s%%)",
                        value=key_result._okr_value_display(value, style=VALUE_FULL),
                        target=key_result._okr_value_display(
                            key_result.target_value, style=VALUE_FULL
                        ),
                        progress=round(100.0 * value / key_result.target_value)
                        if key_result.target_value
                        else 0,
                    ),
                }
            )

    @api.depends_context("uid")
    def _compute_forecast_count(self):
        # Those the viewer may read, as the Open Pipeline list opens them.
        for key_result in self:
            pipeline = key_result._okr_open_pipeline(key_result._okr_today())
            readable, hidden = pipeline or (None, False)
            key_result.forecast_count = len(readable or ())
            key_result.has_hidden_pipeline = hidden

    # ------------------------------------------------------------------
    # THE OPEN PIPELINE
    # ------------------------------------------------------------------

    def _okr_forecast_records(self, today):
        """``(definition, domain)`` of the open records this key result's
        forecast takes, or None without a forecast."""
        self.ensure_one()
        if not (self._okr_is_live() and (self.forecast_domain or "").strip()):
            return None
        try:
            definition = self._okr_definition()
            spec = self._okr_sources()[definition.model]
            rule = parse_domain(self.forecast_domain, self._okr_placeholders())
        except AccessError:
            raise  # a right the code lacks, not a broken definition
        except Exception:  # noqa: BLE001 - a broken definition says so itself
            return None
        if not can_forecast(definition, spec):
            return None
        model = self.env[definition.model]
        try:
            domain = forecast_domain(model, definition, spec, rule, today)
            domain.validate(model)
        except (ValueError, TypeError, KeyError):
            return None  # a rule of other records (the measured ones changed)
        return definition, domain

    def _okr_forecast(self, today):
        """The forecast value (the current value plus the weighted open
        pipeline), or None without a forecast."""
        found = self._okr_forecast_records(today)
        if found is None:
            return None
        definition, domain = found
        return self.current_value + self._okr_weighted_pipeline(
            definition, domain, today
        )

    def _okr_weighted_pipeline(self, definition, domain, today):
        """The open records' amounts (or count) weighted by probability, in
        the key result's currency. Counted as the system, as the value is:
        every record in the key result's scope, whoever reads it. Only the
        total leaves this method, never a record."""
        spec = self._okr_sources()[definition.model]
        model = self.env[definition.model].sudo().with_context(active_test=False)
        measure_field = definition.measure_field
        field = model._fields.get(measure_field) if measure_field else None
        currency_key = None
        if field is not None and field.type == "monetary":
            currency_field = model._fields[field.get_currency_field(model)]
            if currency_field.store:
                currency_key = currency_field.name
            elif "company_id" in model._fields and model._fields["company_id"].store:
                currency_key = "company_id"  # crm.lead's company_currency
        groupby = [spec.probability_field, *([currency_key] if currency_key else [])]
        sums = [f"{measure_field}:sum"] if field is not None else []
        target = self.currency_id
        rows = []
        for group in model._read_group(domain, groupby, [*sums, "__count"]):
            amount = group[len(groupby)] if sums else 0.0
            if amount and currency_key:
                currency = group[1]
                if currency._name == "res.company":
                    currency = currency.currency_id
                currency = currency or self.company_id.currency_id
                if target and currency and currency != target:
                    amount = currency._convert(amount, target, self.company_id, today)
            rows.append((amount, group[0] or 0.0, group[-1]))
        return weighted_total(definition.measure, rows)

    def _okr_open_pipeline(self, today):
        """``(open records the viewer may read, whether some are hidden)``
        behind the forecast, or None without a forecast."""
        found = self._okr_forecast_records(today)
        if found is None:
            return None
        definition, domain = found
        model = self.env[definition.model].with_context(active_test=False)
        readable = model.search(domain) if model.has_access("read") else model
        # Whether she reads them all: a count as the system, never shown.
        hidden = model.sudo().search_count(domain) > len(readable)
        return readable, hidden

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_forecast(self):
        """The open opportunities behind the forecast, with the viewer's
        own rights: those she may read (the forecast counts them all)."""
        self.ensure_one()
        self.check_access("read")
        pipeline = self._okr_open_pipeline(self._okr_today())
        if pipeline is None:
            return False
        readable, hidden = pipeline
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pipeline behind: %(name)s", name=self.name),
            "res_model": readable._name,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", readable.ids)],
            "context": {"create": False},
            "help": self._okr_pipeline_help(readable, hidden),
        }

    def _okr_pipeline_help(self, model, hidden):
        """What an Open Pipeline list says when empty: nothing expected, or
        open records the viewer may not read (not how many)."""
        if hidden:
            return self.env._(
                "<p>There are open %(records)s in this forecast that you may "
                "not see: your access rights do not include them.</p>",
                records=model._description,
            )
        return self.env._(
            "<p>No open %(records)s are expected to close in this period.</p>",
            records=model._description,
        )
