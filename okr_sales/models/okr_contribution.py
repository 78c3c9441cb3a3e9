from odoo import api, fields, models


class OkrContribution(models.Model):
    """What one record contributes to one automatic key result.

    Written by the progress engine only (in SQL, hence no access columns);
    read to explain a value record by record, in both directions.
    """

    _name = "okr.contribution"
    _description = "Key Result Contribution"
    _log_access = False
    _order = "bucket_date desc, id desc"

    key_result_id = fields.Many2one(
        "okr.key.result", required=True, ondelete="cascade", index=True
    )
    res_model = fields.Char("Model", required=True)
    res_id = fields.Many2oneReference(
        "Record ID", model_field="res_model", required=True
    )
    bucket_date = fields.Date(
        "Counted In", required=True, help="First day of the period, month or quarter."
    )
    value = fields.Float(
        help="What the record adds: 1 for a count, its amount for a sum."
    )
    in_numerator = fields.Boolean(
        help="For a ratio: the record is one of the successes."
    )
    distinct_key = fields.Integer(help="The value a distinct count counts.")
    record_name = fields.Char("Record", compute="_compute_record_name")
    company_id = fields.Many2one(related="key_result_id.company_id")

    _key_result_record_unique = models.Constraint(
        "UNIQUE(key_result_id, res_model, res_id)",
        "A record contributes once to a key result.",
    )
    _record_index = models.Index("(res_model, res_id)")
    # Whether a value is still present in a bucket, for distinct counts.
    _distinct_index = models.Index("(key_result_id, bucket_date, distinct_key)")

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for contribution in self:
            record = self.env[contribution.res_model].browse(contribution.res_id)
            contribution.record_name = record.sudo().display_name

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
