from odoo import fields, models


class OkrPeriodCloseLine(models.TransientModel):
    """A key result of the period being closed: its score, and its target
    and baseline for the next period."""

    _name = "okr.period.close.line"
    _description = "Key Result of a Period Close"
    _order = "objective_id, key_result_id"

    wizard_id = fields.Many2one("okr.period.close", required=True, ondelete="cascade")
    key_result_id = fields.Many2one("okr.key.result", required=True, ondelete="cascade")
    objective_id = fields.Many2one(related="key_result_id.objective_id")
    unit = fields.Selection(related="key_result_id.unit")
    currency_id = fields.Many2one(related="key_result_id.currency_id")
    current_value = fields.Monetary(related="key_result_id.current_value")
    target_value = fields.Monetary(related="key_result_id.target_value")
    progress = fields.Float(related="key_result_id.progress")
    score = fields.Float(
        related="key_result_id.closing_score",
        string="Score",
        help="0.0 to 1.0: the progress at the end of the period.",
    )
    next_baseline_value = fields.Monetary("Next Baseline")
    next_target_value = fields.Monetary("Next Target")
