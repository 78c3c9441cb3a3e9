from odoo import fields, models


class OkrKeyResultDelta(models.Model):
    """A change to a key result's period totals, waiting to be applied.

    Deal transactions only append these rows (an insert never waits for
    another transaction); ``ProgressEngine.fold`` applies them right after the
    commit, in a short transaction of its own, so that salespeople winning
    deals at the same time never fight over the row of a shared key result.
    """

    _name = "okr.key.result.delta"
    _description = "Pending Key Result Change"
    _log_access = False

    key_result_id = fields.Many2one(
        "okr.key.result", required=True, ondelete="cascade", index=True
    )
    bucket_date = fields.Date(required=True)
    record_count = fields.Integer()
    numerator_count = fields.Integer()
    value_sum = fields.Float()
    distinct_count = fields.Integer()
