"""Pipeline coverage of a revenue key result: what is left to reach its
target, the historic win rate by value of its own scope over the last 12
months, the pipeline that needs at that rate, and how much of it the
weighted open pipeline covers: "needs 4.2 bn more pipeline at your 31 %
win rate".

Computed when shown, never stored, as the forecast it builds on: an
aggregate of every record in the key result's scope, counted as the system,
the same for every reader; no record leaves it.
"""

from dataclasses import replace

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.fields import Domain

from ..engine.contributions import days_domain, scope_domain
from ..engine.definitions import MEASURE_SUM, UNIT_CURRENCY
from ..engine.forecast import weighted_total
from ..tools.amount_field import Amount
from .okr_key_result_display import VALUE_FULL

# How far back the win rate looks.
WIN_RATE_MONTHS = 12
# The weight ``_okr_weighted_rows`` gives a won and a lost record's amount.
WON, LOST = 100.0, 0.0


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    coverage_win_rate = fields.Float(
        "Win Rate (12 Months)",
        compute="_compute_coverage",
        digits=(16, 1),
        help="Won value / (won + lost value) of the deals closed in the key "
        "result's scope (its salesperson, team or company) over the last 12 "
        "months.",
    )
    coverage_needed = Amount(
        "Pipeline Needed",
        currency_field="currency_id",
        compute="_compute_coverage",
        help="What is left to reach the target, divided by the win rate: the "
        "open pipeline it takes at that rate.",
    )
    coverage_ratio = fields.Float(
        "Pipeline Coverage",
        compute="_compute_coverage",
        digits=(16, 1),
        help="The weighted open pipeline (the forecast's) against the pipeline "
        "needed, in percent.",
    )
    coverage_summary = fields.Char(compute="_compute_coverage")

    def _compute_coverage(self):
        coverages = self._okr_coverages()
        for key_result in self:
            coverage = coverages.get(key_result.id)
            if coverage is None:
                key_result.update(
                    {
                        "coverage_win_rate": 0.0,
                        "coverage_needed": 0.0,
                        "coverage_ratio": 0.0,
                        "coverage_summary": False,
                    }
                )
                continue
            win_rate, needed, ratio = coverage
            key_result.update(
                {
                    "coverage_win_rate": win_rate or 0.0,
                    "coverage_needed": needed or 0.0,
                    "coverage_ratio": ratio or 0.0,
                    "coverage_summary": key_result._okr_coverage_summary(
                        win_rate, needed, ratio
                    ),
                }
            )

    def _okr_coverages(self):
        """``{kr id: (win rate %, pipeline needed, coverage %)}`` of the
        revenue key results with a forecast and something left to reach;
        win rate None when the scope closed nothing in 12 months."""
        forecasts = self._okr_forecasts_by_today()
        coverages = {}
        for key_result in self:
            forecast = forecasts.get(key_result.id)
            if forecast is None or key_result.unit != UNIT_CURRENCY:
                continue
            if key_result.target_value <= key_result.baseline_value:
                continue  # lower is better: no pipeline to fill
            remaining = key_result.target_value - key_result.current_value
            if remaining <= 0:
                continue
            win_rate = key_result._okr_win_rate(key_result._okr_today())
            if win_rate is None:
                coverages[key_result.id] = (None, None, None)
                continue
            if not win_rate:
                continue  # nothing won in 12 months: no pipeline is enough
            needed = remaining * 100.0 / win_rate
            open_pipeline = forecast - key_result.current_value
            coverages[key_result.id] = (
                win_rate,
                needed,
                100.0 * open_pipeline / needed,
            )
        return coverages

    def _okr_win_rate(self, today):
        """Won value / (won + lost value), in percent, of the records closed
        in this key result's scope over the last 12 months (as the system);
        None when none closed or the source has no outcomes."""
        self.ensure_one()
        definition = self.sudo()._okr_definition()
        spec = self._okr_sources()[definition.model]
        if definition.measure != MEASURE_SUM or not (
            spec.won_domain and spec.lost_domain
        ):
            return None
        model = self.env[definition.model].sudo().with_context(active_test=False)
        closed = replace(definition, date_field=spec.default_date_field)
        closed_days = scope_domain(definition, spec) & days_domain(
            model, closed, today - relativedelta(months=WIN_RATE_MONTHS), today
        )
        field = model._fields[definition.measure_field]
        currency_key = self._okr_currency_key(model, field)
        rows = []
        for outcome, outcome_domain in (
            (WON, spec.won_domain),
            (LOST, spec.lost_domain),
        ):
            groups = model._read_group(
                closed_days & Domain(list(outcome_domain)),
                [currency_key] if currency_key else [],
                [f"{definition.measure_field}:sum", "__count"],
            )
            for *currency, amount, count in groups:
                currency_id = currency[0].id if currency else None
                rows.append((outcome, currency_id, amount, count))
        weighted = self._okr_weighted_rows(rows, currency_key, today)
        won = weighted_total(MEASURE_SUM, weighted)
        total = sum(amount for amount, _outcome, _count in weighted)
        if not total:
            return None
        return 100.0 * won / total

    def _okr_coverage_summary(self, win_rate, needed, ratio):
        if win_rate is None:
            return self.env._(
                "No deal closed in its scope in the last 12 months: no win rate "
                "to size the pipeline it needs."
            )
        more = needed * (1 - ratio / 100.0)
        rate = f"{win_rate:.0f}"
        if more <= 0:
            return self.env._(
                "The weighted pipeline covers %(ratio)s%% of the %(needed)s "
                "needed at a %(rate)s%% win rate.",
                ratio=f"{ratio:.0f}",
                needed=self._okr_value_display(needed, style=VALUE_FULL),
                rate=rate,
            )
        return self.env._(
            "Needs %(more)s more pipeline at a %(rate)s%% win rate "
            "(%(ratio)s%% of %(needed)s covered).",
            more=self._okr_value_display(more, style=VALUE_FULL),
            rate=rate,
            ratio=f"{ratio:.0f}",
            needed=self._okr_value_display(needed, style=VALUE_FULL),
        )
