from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.progress import expected_value


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
