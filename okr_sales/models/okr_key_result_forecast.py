"""The forecast of a key result: its current value plus the open records
expected to close in its period, each weighted by its probability.

Computed when shown, never stored; the maths are in ``engine/forecast.py``.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

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
        forecasts = self._okr_forecasts_by_today()
        for key_result in self:
            value = forecasts.get(key_result.id)
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
                        # shown beside its "Forecast" label
                        "%(value)s of %(target)s (%(progress)s%%)",
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

    def _okr_forecast_records(self, today, validate=True):
        """``(definition, domain)`` of the open records this key result's
        forecast takes, or None without a forecast. ``validate``: the domain
        is checked against the model's fields (else by whoever compiles it:
        ``_okr_forecasts``)."""
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
            if validate:
                domain.validate(model)
        except (ValueError, TypeError, KeyError):
            return None  # a rule of other records (the measured ones changed)
        return definition, domain

    def _okr_forecast(self, today):
        """The forecast value (the current value plus the weighted open
        pipeline), or None without a forecast."""
        self.ensure_one()
        return self._okr_forecasts(today)[self.id]

    def _okr_forecasts_by_today(self):
        """``_okr_forecasts`` of these key results, each on its company's
        today."""
        by_company = {}
        for key_result in self:
            by_company.setdefault(key_result.company_id, self.browse())
            by_company[key_result.company_id] |= key_result
        forecasts = {}
        for key_results in by_company.values():
            forecasts.update(key_results._okr_forecasts(key_results._okr_today()))
        return forecasts

    def _okr_forecasts(self, today):
        """``{kr id: forecast value or None}``: each key result's current
        value plus its open pipeline, the open records' amounts (or count)
        weighted by their probability, in its currency. One statement for
        all of them (a part per key result, grouped by probability and
        currency). Counted as the system, as the value is: every record in
        the key result's scope, whoever reads it. Only the totals leave this
        method, never a record."""
        forecasts = dict.fromkeys(self.ids)
        parts, asked = [], []
        for key_result in self:
            found = key_result._okr_forecast_records(today, validate=False)
            if found is None:
                continue
            definition, domain = found
            try:
                # its rows are told apart by their place (a form's new key
                # result has no id yet)
                part, currency_key = key_result._okr_pipeline_part(
                    definition, domain, len(asked)
                )
            except (ValueError, TypeError, KeyError):
                continue  # a rule of other records (the measured ones changed)
            parts.append(part)
            asked.append((key_result, definition, currency_key))
        if not parts:
            return forecasts
        rows = {}
        for place, probability, currency_id, amount, count in self.env.execute_query(
            SQL(" UNION ALL ").join(parts)
        ):
            rows.setdefault(place, []).append((probability, currency_id, amount, count))
        for place, (key_result, definition, currency_key) in enumerate(asked):
            weighted = key_result._okr_weighted_rows(
                rows.get(place, ()), currency_key, today
            )
            forecasts[key_result.id] = key_result.current_value + weighted_total(
                definition.measure, weighted
            )
        return forecasts

    def _okr_pipeline_part(self, definition, domain, place):
        """``(SQL, currency key)``: this key result's open records grouped by
        probability and currency, ``(place, probability, currency or
        company id, amount, count)``; the currency key names what the
        second group is (a currency field, ``company_id`` for a currency
        of the record's company, or None without amounts)."""
        spec = self._okr_sources()[definition.model]
        model = self.env[definition.model].sudo().with_context(active_test=False)
        table = model._table
        query = model._search(domain)
        measure_field = definition.measure_field
        field = model._fields.get(measure_field) if measure_field else None
        currency_key = self._okr_currency_key(model, field)
        probability = model._field_to_sql(table, spec.probability_field, query)
        currency = (
            model._field_to_sql(table, currency_key, query)
            if currency_key
            else SQL("NULL::integer")
        )
        amount = (
            SQL("SUM(%s)::float", model._field_to_sql(table, measure_field, query))
            if field is not None
            else SQL("0.0::float")
        )
        query.groupby = SQL("%s, %s", probability, currency)
        part = query.select(
            SQL("%s::integer", place),
            SQL("%s::float", probability),
            SQL("%s::integer", currency),
            amount,
            SQL("COUNT(*)"),
        )
        return SQL("(%s)", part), currency_key

    @api.model
    def _okr_currency_key(self, model, field):
        """What tells the currency of ``field``'s amounts on ``model``: its
        stored currency field, ``company_id`` for the record's company's
        currency (crm.lead's ``company_currency``), None without amounts."""
        if field is None or field.type != "monetary":
            return None
        currency_field = model._fields[field.get_currency_field(model)]
        if currency_field.store:
            return currency_field.name
        if "company_id" in model._fields and model._fields["company_id"].store:
            return "company_id"
        return None

    def _okr_weighted_rows(self, rows, currency_key, today):
        """``(amount, probability, count)`` of the pipeline's grouped
        ``rows``, amounts in the key result's currency."""
        target = self.currency_id
        weighted = []
        for probability, currency_id, amount, count in rows:
            amount = amount or 0.0
            if amount and currency_key:
                if currency_key == "company_id":
                    currency = self.env["res.company"].browse(currency_id).currency_id
                else:
                    currency = self.env["res.currency"].browse(currency_id)
                currency = currency or self.company_id.currency_id
                if target and currency and currency != target:
                    amount = currency._convert(amount, target, self.company_id, today)
            weighted.append((amount, probability or 0.0, count))
        return weighted

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
