import functools

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools.misc import format_date

from ..engine.definitions import (
    DISTINCT_MEASURES,
    MEASURE_AVERAGE,
    MEASURE_COUNT,
    MEASURE_RATIO,
)
from ..engine.period import bucket_end, is_whole_period


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
    currency_id = fields.Many2one(related="key_result_id.currency_id")
    # numeric, exact: totals move by adding and withdrawing it (written in
    # SQL, read unrounded)
    value = fields.Monetary(
        currency_field="currency_id",
        help="What the record adds: 1 for a count, its amount for a sum.",
    )
    in_numerator = fields.Boolean(
        help="For a ratio: the record is one of the successes."
    )
    distinct_key = fields.Integer(help="The value a distinct count counts.")
    record_name = fields.Char("Record", compute="_compute_record_name")
    company_id = fields.Many2one(related="key_result_id.company_id")
    key_result_user_id = fields.Many2one(
        related="key_result_id.user_id", string="Key Result Owner"
    )
    value_display = fields.Char(
        "Adds",
        compute="_compute_value_display",
        help="What the record adds to the key result, in its unit.",
    )
    period_display = fields.Char(
        "Period",
        compute="_compute_period_display",
        help="The period, month or quarter of the key result it counts in.",
    )

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

    @api.depends("value", "in_numerator", "key_result_id.unit", "key_result_id.measure")
    @api.depends_context("lang")
    def _compute_value_display(self):
        for contribution in self:
            key_result = contribution.key_result_id
            measure = key_result.measure
            if measure == MEASURE_RATIO:
                contribution.value_display = (
                    self.env._("+1 success out of 1")
                    if contribution.in_numerator
                    else self.env._("+1 counted, not a success")
                )
            elif measure == MEASURE_COUNT:
                contribution.value_display = self.env._(
                    "+1 %(record)s", record=contribution._okr_record_noun()
                )
            elif measure in DISTINCT_MEASURES:
                # A distinct count adds nothing for a value already counted
                # (a returning customer): not "+1".
                contribution.value_display = self.env._(
                    "Its %(value)s, counted once",
                    value=key_result.sudo().measure_field_id.field_description or "",
                )
            elif measure == MEASURE_AVERAGE:
                contribution.value_display = self.env._(
                    "%(value)s in the average",
                    value=key_result._okr_value_display(contribution.value),
                )
            else:
                # sums, and durations ("+14 days": this record's time)
                contribution.value_display = key_result._okr_value_display(
                    contribution.value, sign=True
                )

    def _okr_record_noun(self):
        """What one record is called in "+1 ...": "won deal", "meeting"."""
        self.ensure_one()
        if self.res_model not in self.env:
            return ""
        record = self.env[self.res_model].browse(self.res_id)
        return record._okr_contribution_noun()

    @api.depends("bucket_date", "key_result_id.cadence")
    @api.depends_context("lang")
    def _compute_period_display(self):
        for contribution in self:
            key_result = contribution.key_result_id
            start = contribution.bucket_date
            if not start:
                contribution.period_display = False
                continue
            if is_whole_period(key_result.cadence):
                start = key_result.date_start
            end = bucket_end(key_result.cadence, start, key_result.date_end)
            contribution.period_display = (
                f"{format_date(self.env, start)} → {format_date(self.env, end)}"
            )

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
