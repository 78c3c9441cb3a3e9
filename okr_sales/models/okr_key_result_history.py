from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.days import day_of
from ..engine.definitions import CADENCE_PERIOD, MEASURE_COUNT, MEASURE_SUM
from ..engine.progress import expected_value, key_result_progress


class OkrKeyResultHistory(models.Model):
    """The value of a key result over time.

    Two kinds of points:

    - a daily point for a key result whose value comes from records (any
      source but manual): the day's last value, one row per key result and
      day, upserted once per transaction for all the key results whose
      value moved in it (``okr_key_result_pace.py``), never once per deal;
    - a point per check-in of a manual key result, with its confidence and
      comment, kept in step with the check-in (created, edited and deleted
      with it).

    Only the system writes it: users read the history of the key results
    they may read.
    """

    _name = "okr.key.result.history"
    _description = "Key Result History"
    _order = "key_result_id, date desc, id desc"
    _rec_name = "key_result_id"
    # Written by one SQL statement per transaction: no audit columns to fill.
    _log_access = False

    key_result_id = fields.Many2one(
        "okr.key.result", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="key_result_id.company_id", store=True, index=True
    )
    date = fields.Date(required=True)
    value = fields.Float(aggregator="avg")
    progress = fields.Float(digits=(16, 1), aggregator="avg")
    expected_value = fields.Float(
        aggregator="avg",
        help="Where the key result should have stood that day to keep pace: "
        "the ideal line from the baseline to the target.",
    )
    checkin_id = fields.Many2one(
        "okr.checkin", "Check-in", index="btree_not_null", ondelete="cascade"
    )
    confidence = fields.Integer(aggregator="avg")
    comment = fields.Text()

    # The daily points' upsert (ON CONFLICT) infers this index.
    _key_result_day_unique = models.UniqueIndex(
        "(key_result_id, date) WHERE checkin_id IS NULL",
        "One daily point per key result and day.",
    )

    @api.model
    def _okr_upsert_daily_points(self, rows):
        """Record ``rows`` ``(key result id, company id, day, value, progress,
        expected value)`` as the day's last values, in one statement."""
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                "INSERT INTO okr_key_result_history"
                " (key_result_id, company_id, date, value, progress, expected_value)"
                " VALUES %s"
                " ON CONFLICT (key_result_id, date) WHERE checkin_id IS NULL"
                " DO UPDATE SET value = EXCLUDED.value,"
                " progress = EXCLUDED.progress,"
                " expected_value = EXCLUDED.expected_value",
                SQL(", ").join(SQL("(%s, %s, %s, %s, %s, %s)", *row) for row in rows),
            )
        )
        self.invalidate_model()

    @api.model
    def _okr_backfill(self, key_results):
        """Daily points of ``key_results`` for the days before today,
        rebuilt from the records they count.

        For a count or a sum over the whole period: a point at the end of
        each day its records moved, the total of the records dated up to
        it. Never today's point, which the engine writes at commit: one
        point per key result and day (a point of the same day already there
        is replaced). Other measures (ratios, averages, distinct counts,
        monthly or quarterly values) start their history with today's point.

        The records changed in this transaction are counted first (the
        engine runs at ``cr.flush``): a data file that creates records and
        key results, then calls this, sees them all."""
        if not isinstance(key_results, models.BaseModel):  # ids, from data files
            key_results = self.env["okr.key.result"].browse(key_results)
        self.env.cr.flush()
        rows = []
        for key_result in key_results.sudo():
            if not (
                key_result._okr_is_live()
                and key_result.measure in (MEASURE_COUNT, MEASURE_SUM)
                and key_result.cadence in (False, CADENCE_PERIOD)
            ):
                continue
            contributions = (
                self.env["okr.contribution"]
                .sudo()
                .search([("key_result_id", "=", key_result.id)])
            )
            if not contributions:
                continue
            date_field = key_result.date_field_id.name
            # the company's days, as the buckets count them
            today, tz = key_result._okr_today(), key_result._okr_tz()
            records = (
                self.env[key_result.source_model]
                .sudo()
                .with_context(active_test=False)
                .browse(contributions.mapped("res_id"))
            )
            day_of_record = {
                record.id: day_of(record[date_field], tz) for record in records
            }
            added = defaultdict(float)
            for contribution in contributions:
                day = day_of_record.get(contribution.res_id)
                if day:
                    added[day] += contribution.value
            total = 0.0
            start, end = key_result.date_start, key_result.date_end
            for day in sorted(added):
                total += added[day]
                if not start <= day < min(today, end + timedelta(days=1)):
                    continue
                rows.append(
                    (
                        key_result.id,
                        key_result.company_id.id,
                        day,
                        total,
                        key_result_progress(
                            key_result.baseline_value, key_result.target_value, total
                        ),
                        expected_value(
                            key_result.baseline_value,
                            key_result.target_value,
                            start,
                            end,
                            day,
                        ),
                    )
                )
        self._okr_upsert_daily_points(rows)

    @api.model
    def _okr_sync_checkin_points(self, checkins):
        """Create or update the points of ``checkins`` (deleted check-ins
        take their points with them)."""
        checkins = checkins.sudo().exists()
        if not checkins:
            return
        points = self.sudo().search([("checkin_id", "in", checkins.ids)])
        point_of = {point.checkin_id: point for point in points}
        to_create = []
        for checkin in checkins:
            key_result = checkin.key_result_id
            date_start, date_end = key_result._pace_period(checkin.date)
            values = {
                "key_result_id": key_result.id,
                "checkin_id": checkin.id,
                "date": checkin.date,
                "value": checkin.value,
                "progress": checkin.progress,
                "expected_value": expected_value(
                    key_result.baseline_value,
                    key_result.target_value,
                    date_start,
                    date_end,
                    checkin.date,
                ),
                "confidence": checkin.confidence,
                "comment": checkin.comment,
            }
            point = point_of.get(checkin)
            if point:
                point.write(values)
            else:
                to_create.append(values)
        if to_create:
            self.sudo().create(to_create)
