from odoo import fields, models, tools
from odoo.tools import SQL

SERIES_VALUE = "value"
SERIES_EXPECTED = "expected"


class OkrKeyResultPaceChart(models.Model):
    """The history as two series, for a line chart of the value and of the
    ideal pace line together: Odoo's graph view draws one measure, but a
    line per group. A view over ``okr.key.result.history``, two rows a
    point."""

    _name = "okr.key.result.pace.chart"
    _description = "Key Result Value and Pace"
    _auto = False
    _order = "date, series"

    key_result_id = fields.Many2one("okr.key.result", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(readonly=True)
    series = fields.Selection(
        [(SERIES_VALUE, "Value"), (SERIES_EXPECTED, "Ideal pace")], readonly=True
    )
    # A day with several check-ins shows their mean.
    amount = fields.Float("Value", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %(view)s AS"
                " SELECT h.id * 2 AS id, h.key_result_id, h.company_id, h.date,"
                " %(value)s AS series, h.value AS amount"
                " FROM okr_key_result_history h"
                " UNION ALL"
                " SELECT h.id * 2 + 1, h.key_result_id, h.company_id, h.date,"
                " %(expected)s, h.expected_value"
                " FROM okr_key_result_history h",
                view=SQL.identifier(self._table),
                value=SERIES_VALUE,
                expected=SERIES_EXPECTED,
            )
        )
