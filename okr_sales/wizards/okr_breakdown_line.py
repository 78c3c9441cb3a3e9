"""Breakdowns: the records behind an automatic key result, in pivot and graph.

One line per counted record and period, for the viewer alone (a transient
model; a rule keeps each user to her own lines): this period's lines are the
key result's stored contributions; the same period last year's are the
engine's ``contribution_query`` run on the key result's definition shifted
one year back, the same rule over other dates. Odoo's pivot and graph views
do the rest: the lines carry the record's dimensions (salesperson, team,
customer, its industry, province, country, channel and source, month) and
its contribution.

The lines are filled as the system, then only the records the viewer may
read are kept: a deal she may not read shows neither its name, its amount
nor its customer here, while the key result's value counts every record.
"""

from dataclasses import replace

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine.contributions import contribution_query
from ..engine.days import day_of
from ..engine.definitions import COUNTING_SOURCES
from ..engine.engine import engine_env

PERIOD_LAST_YEAR = "last_year"
PERIOD_CURRENT = "current"
# In the order of the pivot's columns: last year on the left.
PERIOD_SELECTION = [
    (PERIOD_LAST_YEAR, "Same period last year"),
    (PERIOD_CURRENT, "This period"),
]
MONTH_SELECTION = [
    ("01", "January"),
    ("02", "February"),
    ("03", "March"),
    ("04", "April"),
    ("05", "May"),
    ("06", "June"),
    ("07", "July"),
    ("08", "August"),
    ("09", "September"),
    ("10", "October"),
    ("11", "November"),
    ("12", "December"),
]
QUARTER_SELECTION = [("q1", "Q1"), ("q2", "Q2"), ("q3", "Q3"), ("q4", "Q4")]

# Where a record's customer is, when it is not its own ``partner_id`` (a
# meeting's ``partner_id`` is its organizer); "" for none. A bridge extends
# ``_okr_customer_path``.
CUSTOMER_PATHS = {
    "calendar.event": "opportunity_id.partner_id",
    "mail.activity": "",
}
# Where a record's channel (UTM medium and source: Website, Phone, Email,
# Direct...) is, when it has none of its own: the record carrying them. A
# bridge extends ``_okr_channel_path``.
CHANNEL_PATHS = {
    "calendar.event": "opportunity_id",
}


def same_period_last_year(definition):
    """The same rule over the same days one year earlier."""
    year = relativedelta(years=1)
    return replace(
        definition,
        date_start=definition.date_start - year,
        date_end=definition.date_end - year,
    )


class OkrBreakdownLine(models.TransientModel):
    _name = "okr.breakdown.line"
    _description = "Key Result Breakdown Line"
    _order = "date desc, id desc"
    _rec_name = "record_name"

    key_result_id = fields.Many2one(
        "okr.key.result", required=True, ondelete="cascade", index=True
    )
    period = fields.Selection(PERIOD_SELECTION, required=True)
    # The counted record
    res_model = fields.Char("Model", required=True)
    res_id = fields.Many2oneReference(
        "Record ID", model_field="res_model", required=True
    )
    record_name = fields.Char("Record")
    # Dates: the record's date the key result dates it by (a UTC day, as
    # the key result's periods)
    date = fields.Date()
    month = fields.Selection(MONTH_SELECTION)
    quarter = fields.Selection(QUARTER_SELECTION)
    # Contribution
    value = fields.Float(
        digits=0,
        aggregator="sum",
        help="What the record adds to the key result: its amount for a sum "
        "(in the key result's currency), 1 for a count or a ratio, its "
        "duration for an average duration.",
    )
    # The value again, in its period's column: the pivot shows the two
    # periods side by side, each with its own total (not one across both).
    value_current = fields.Float(
        "This Period", digits=0, aggregator="sum", help="The value, this period."
    )
    value_last_year = fields.Float(
        "Same Period Last Year",
        digits=0,
        aggregator="sum",
        help="The value, the same period last year.",
    )
    average = fields.Float(
        digits=0,
        aggregator="avg",
        help="The average of the values: the value of an average key result.",
    )
    successes = fields.Integer(
        aggregator="sum", help="For a ratio: the records among its successes."
    )
    distinct_key = fields.Integer(
        "Distinct Values",
        aggregator="count_distinct",
        help="For a distinct count: the values counted (customers, provinces).",
    )
    # Dimensions
    user_id = fields.Many2one("res.users", "Salesperson")
    team_id = fields.Many2one("crm.team", "Sales Team")
    partner_id = fields.Many2one("res.partner", "Customer")
    industry_id = fields.Many2one("res.partner.industry")
    state_id = fields.Many2one("res.country.state", "Province / State")
    country_id = fields.Many2one("res.country")
    medium_id = fields.Many2one(
        "utm.medium",
        "Channel",
        help="How the deal came (its UTM medium: Website, Phone, Email, Direct...); "
        "a meeting's is its opportunity's.",
    )
    source_id = fields.Many2one(
        "utm.source", help="Where the deal came from (its UTM source)."
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

    # ------------------------------------------------------------------
    # FILLING
    # ------------------------------------------------------------------

    @api.model
    def _okr_open(self, key_result):
        """Fill the viewer's lines of ``key_result`` and open them."""
        key_result.ensure_one()
        key_result.check_access("read")
        if key_result.source not in COUNTING_SOURCES:
            raise UserError(self.env._("Only automatic key results have breakdowns."))
        try:
            definition = key_result.sudo()._okr_definition()
        except ValueError as error:
            raise UserError(
                self.env._("No breakdown: %(error)s", error=error)
            ) from error
        spec = key_result._okr_sources()[definition.model]
        self.search(
            [("key_result_id", "=", key_result.id), ("create_uid", "=", self.env.uid)]
        ).unlink()
        self.env.flush_all()
        env = engine_env(self.env)
        if key_result.sudo()._okr_is_live():
            current = self._okr_stored_rows(env, definition)
        else:
            # archived: the engine keeps no contributions for it
            current = self._okr_query_rows(env, definition, spec)
        rows = {
            PERIOD_CURRENT: current,
            PERIOD_LAST_YEAR: self._okr_query_rows(
                env, same_period_last_year(definition), spec
            ),
        }
        vals_list = []
        for period, period_rows in rows.items():
            vals_list += self._okr_line_values(
                key_result, definition, period, period_rows
            )
        self.create(vals_list)
        return self._okr_action(key_result)

    @api.model
    def _okr_stored_rows(self, env, definition):
        """``[(res_id, value, in_numerator, distinct_key)]``: the stored
        contributions of the period, what the key result's value is made of
        (without the earlier bucket retention looks back to)."""
        return env.execute_query(
            SQL(
                "SELECT res_id, value, in_numerator, distinct_key"
                " FROM okr_contribution"
                " WHERE key_result_id = %s AND res_model = %s AND bucket_date >= %s",
                definition.id,
                definition.model,
                definition.date_start,
            )
        )

    @api.model
    def _okr_query_rows(self, env, definition, spec):
        """The same rows as ``_okr_stored_rows``, counted afresh by the
        engine's query for ``definition`` (another period's)."""
        return env.execute_query(
            SQL(
                "SELECT res_id, value, in_numerator, distinct_key FROM (%s) AS c"
                " WHERE c.bucket_date >= %s",
                contribution_query(env, definition, spec),
                definition.date_start,
            )
        )

    @api.model
    def _okr_line_values(self, key_result, definition, period, rows):
        """Values of the lines of ``rows``, for the records the viewer may
        read; their dimensions are read as the system."""
        model = self.env[definition.model].with_context(active_test=False)
        if not rows or not model.has_access("read"):
            return []
        readable = model.browse({row[0] for row in rows})._filtered_access("read")
        names = {record.id: record.display_name for record in readable}
        records = self.env[definition.model].sudo().browse(readable.ids)
        dimensions = self._okr_dimensions(records, definition)
        vals_list = []
        for res_id, value, in_numerator, distinct_key in rows:
            if res_id not in names:
                continue
            day = dimensions[res_id].pop("date")
            vals_list.append(
                {
                    "key_result_id": key_result.id,
                    "period": period,
                    "res_model": definition.model,
                    "res_id": res_id,
                    "record_name": names[res_id],
                    "date": day,
                    "month": day and f"{day.month:02d}",
                    "quarter": day and f"q{(day.month - 1) // 3 + 1}",
                    "value": float(value or 0.0),
                    "value_current": float(value or 0.0)
                    if period == PERIOD_CURRENT
                    else 0.0,
                    "value_last_year": float(value or 0.0)
                    if period == PERIOD_LAST_YEAR
                    else 0.0,
                    "average": float(value or 0.0),
                    "successes": int(bool(in_numerator)),
                    "distinct_key": distinct_key,
                    **dimensions[res_id],
                }
            )
        return vals_list

    @api.model
    def _okr_dimensions(self, records, definition):
        """``{record id: {field: value}}``: the date and the dimensions of
        ``records`` (as the system), through the source's fields."""
        spec = self.env["okr.key.result"]._okr_sources()[definition.model]
        customer_path = self._okr_customer_path(records._name)
        own_state = self._okr_own_field(records, "state_id", "res.country.state")
        own_country = self._okr_own_field(records, "country_id", "res.country")
        channel_path = self._okr_channel_path(records._name)
        result = {}
        for record in records:
            moment = record[definition.date_field]
            teams = record.mapped(spec.team_field)
            team = (teams.filtered(lambda t: t.id == definition.team_id) or teams)[:1]
            customer = record.mapped(customer_path)[:1] if customer_path else None
            customer = customer or self.env["res.partner"]
            place = record if own_state else customer
            channel = None  # a record without a channel
            if channel_path is not None:
                channel = record.mapped(channel_path)[:1] if channel_path else record
            result[record.id] = {
                "date": day_of(moment, definition.tz),  # the company's day
                "user_id": record.mapped(spec.user_field)[:1].id,
                "team_id": team.id,
                "partner_id": customer.id,
                "industry_id": customer.commercial_partner_id.industry_id.id,
                "state_id": place.state_id.id,
                "country_id": (record if own_country else customer).country_id.id,
                "medium_id": channel.medium_id.id if channel else False,
                "source_id": channel.source_id.id if channel else False,
            }
        return result

    @api.model
    def _okr_customer_path(self, model_name):
        """Path from a record of ``model_name`` to its customer, "" if none:
        ``CUSTOMER_PATHS``, else its ``partner_id``."""
        if model_name in CUSTOMER_PATHS:
            return CUSTOMER_PATHS[model_name]
        model = self.env[model_name]
        if self._okr_own_field(model, "partner_id", "res.partner"):
            return "partner_id"
        return ""

    @api.model
    def _okr_channel_path(self, model_name):
        """Path from a record of ``model_name`` to the record whose UTM medium
        and source are its channel: ``CHANNEL_PATHS``, else "" (itself) when
        it has them, None when it has no channel."""
        if model_name in CHANNEL_PATHS:
            return CHANNEL_PATHS[model_name]
        model = self.env[model_name]
        if self._okr_own_field(model, "medium_id", "utm.medium"):
            return ""
        return None

    @api.model
    def _okr_own_field(self, model, field_name, comodel_name):
        field = model._fields.get(field_name)
        return bool(
            field and field.type == "many2one" and field.comodel_name == comodel_name
        )

    @api.model
    def _okr_action(self, key_result):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Breakdown: %(name)s", name=key_result.name),
            "res_model": self._name,
            "view_mode": "pivot,graph,list",
            "views": [
                (self.env.ref("okr_sales.okr_breakdown_line_view_pivot").id, "pivot"),
                (self.env.ref("okr_sales.okr_breakdown_line_view_graph").id, "graph"),
                (self.env.ref("okr_sales.okr_breakdown_line_view_list").id, "list"),
            ],
            "search_view_id": [
                self.env.ref("okr_sales.okr_breakdown_line_view_search").id
            ],
            "domain": [("key_result_id", "=", key_result.id)],
            "context": {"create": False, "edit": False, "delete": False},
            "help": self.env._(
                "<p>No records you may read count toward this key result, in "
                "this period or the same period last year.</p><p>The breakdown "
                "shows the records you may read; the key result's value counts "
                "them all.</p>"
            ),
        }
