import functools

from odoo import api, fields, models
from odoo.fields import Domain


class OkrContribution(models.Model):
    """What one record contributes to one automatic key result.

    Written by the progress engine only (in SQL, hence no access columns);
    read to explain a value record by record, in both directions.

    A contribution is readable exactly when its record is, by the record's
    own access rights and rules: a salesperson limited to her own leads sees
    the value of her team's key result, not the names and amounts of her
    colleagues' deals behind it.
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
        digits=0,  # numeric, exact: totals move by adding and withdrawing it
        help="What the record adds: 1 for a count, its amount for a sum.",
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

    @api.model
    def _readable_records_domain(self):
        """The contributions whose record the current user may read."""
        parts = []
        for model_name in self.env["okr.key.result"]._okr_sources():
            if model_name not in self.env:
                continue
            records = self.env[model_name].with_context(active_test=False)
            if not records.has_access("read"):
                continue
            parts.append(
                Domain("res_model", "=", model_name)
                & Domain("res_id", "in", records._search([]))
            )
        return Domain.OR(parts)

    @api.model
    def _search(self, domain, *args, bypass_access=False, **kwargs):
        if not (self.env.su or bypass_access):
            domain = Domain(domain) & self._readable_records_domain()
        return super()._search(domain, *args, bypass_access=bypass_access, **kwargs)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.su or not any(self._ids):
            return result
        readable = self.browse(
            self.with_context(active_test=False)._search([("id", "in", self.ids)])
        )
        if forbidden := self - readable:
            return forbidden, functools.partial(
                self.env["ir.rule"]._make_access_error, operation, forbidden
            )
        return None

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for model_name, contributions in self.grouped("res_model").items():
            records = self.env[model_name].browse(contributions.mapped("res_id"))
            # as the viewer may read them (they are, if the rows are)
            names = {
                record.id: record.display_name
                for record in records.exists()._filtered_access("read")
            }
            for contribution in contributions:
                contribution.record_name = names.get(contribution.res_id, False)

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
