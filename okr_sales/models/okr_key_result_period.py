from odoo import api, fields, models


class OkrKeyResultPeriod(models.Model):
    """The value of an automatic key result over one bucket.

    One row for the whole period, or one per month or quarter for key results
    measured each month ("meet 50 prospects every month"): the current one is
    the key result's current value, the earlier ones stay as its history.
    Kept by the progress engine from the contributions' totals.
    """

    _name = "okr.key.result.period"
    _description = "Key Result Value per Period"
    _log_access = False
    _order = "key_result_id, date_start desc"

    key_result_id = fields.Many2one(
        "okr.key.result", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="key_result_id.company_id")
    date_start = fields.Date("From", required=True)
    date_end = fields.Date("To", required=True)
    record_count = fields.Integer("Records")
    numerator_count = fields.Integer("In Numerator")
    # numeric: exact whatever the sequence of amounts added and withdrawn
    value_sum = fields.Float("Sum of Values", digits=0)
    distinct_count = fields.Integer("Distinct Values")
    value = fields.Float(
        "Value (Number)", help="The key result's value over this stretch."
    )
    currency_id = fields.Many2one(related="key_result_id.currency_id")
    target_value = fields.Monetary(
        related="key_result_id.target_value", string="Target (Number)"
    )
    # as the key result's card writes them: "8,15 tỷ ₫", in the reader's
    # language
    value_display = fields.Char("Value", compute="_compute_displays")
    target_display = fields.Char("Target", compute="_compute_displays")

    _key_result_start_unique = models.Constraint(
        "UNIQUE(key_result_id, date_start)", "One value per key result and period."
    )

    @api.depends("value", "key_result_id.target_value")
    @api.depends_context("lang")
    def _compute_displays(self):
        for period in self:
            key_result = period.key_result_id
            period.value_display = key_result._okr_value_display(period.value)
            period.target_display = key_result._okr_value_display(
                key_result.target_value
            )
