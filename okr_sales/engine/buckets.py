"""Bucket totals, bucket values and the key results' current values.

Shared by the incremental path and the recompute: the per-bucket totals
(``okr.key.result.period``) move by deltas or are rebuilt, each bucket's
value is computed from its totals, and the current bucket's value of each
key result is returned when it moved (``EngineResult``): the model writes
them, in one statement. The key results' stored value, baseline and
currency rounding are read here in SQL, never through the ORM.
"""

from odoo.tools import SQL

from .days import company_today, utc_now
from .definitions import (
    MEASURE_COUNT,
    MEASURE_DISTINCT,
    MEASURE_RATIO,
    MEASURE_RETENTION,
    MEASURE_SUM,
    NO_DATA_MEASURES,
)
from .inputs import EngineResult
from .totals import round_amount, value_moved


def bucket_value_sql(measure, totals):
    """The value of a bucket from its totals, by ``measure`` (SQL of the
    measure's code); NULL when there is no data. ``totals``: ``(records,
    numerator records, value sum, distinct values)`` as SQL. Retention is
    recounted instead (``_recount_retention``): NULL here."""
    records, numerator, value_sum, distinct = totals
    return SQL(
        "CASE %(measure)s"
        " WHEN %(count)s THEN %(records)s::float"
        " WHEN %(sum)s THEN %(value_sum)s"
        " WHEN %(ratio)s THEN 100.0 * %(numerator)s / NULLIF(%(records)s, 0)"
        " WHEN %(distinct)s THEN %(distinct_values)s::float"
        " WHEN %(retention)s THEN NULL"
        " ELSE %(value_sum)s / NULLIF(%(records)s, 0) END",  # averages, durations
        measure=measure,
        records=records,
        numerator=numerator,
        value_sum=value_sum,
        distinct_values=distinct,
        count=MEASURE_COUNT,
        sum=MEASURE_SUM,
        ratio=MEASURE_RATIO,
        distinct=MEASURE_DISTINCT,
        retention=MEASURE_RETENTION,
    )


TOTAL_COLUMNS = ("record_count", "numerator_count", "value_sum", "distinct_count")

# A stored bucket's value (``m.measure``: its key result's measure).
BUCKET_VALUE_SQL = bucket_value_sql(
    SQL("m.measure"), [SQL.identifier("p", column) for column in TOTAL_COLUMNS]
)


class BucketStore:
    """Bucket totals and values of ``ProgressEngine`` (a mixin of it)."""

    def refresh(self, definitions):
        """The ``EngineResult`` of these key results (``{kr id: definition}``,
        see ``fold_totals``): their values that moved, and the errors of the
        ``process`` calls since the last refresh."""
        return self._refresh_key_results(list(definitions.values()), {})

    def _update_buckets(self, definitions, bucket_deltas):
        """Apply the deltas to the bucket totals and store bucket values, in
        one statement: the buckets the deltas empty are deleted, the others
        inserted or updated, with their value computed from their new
        totals. Both sub-statements see the same snapshot and never touch
        the same row: a bucket is deleted when its stored count plus the
        delta's is none, and a bucket not stored is only inserted when the
        delta counts records. Retention's buckets are recounted after."""
        if not definitions:
            return
        touched = [
            (kr_id, bucket, totals)
            for (kr_id, bucket), totals in bucket_deltas.items()
            # retention's look-back has no bucket of its own
            if kr_id in definitions and bucket >= definitions[kr_id].date_start
        ]
        if touched:
            new_totals = [
                SQL("(p.%s + EXCLUDED.%s)", SQL.identifier(c), SQL.identifier(c))
                for c in TOTAL_COLUMNS
            ]
            self.cr.execute(
                SQL(
                    "WITH m (key_result_id, date_start, date_end, record_count,"
                    " numerator_count, value_sum, distinct_count, measure)"
                    " AS (VALUES %(deltas)s),"
                    " emptied AS (DELETE FROM okr_key_result_period p USING m"
                    "  WHERE p.key_result_id = m.key_result_id"
                    "  AND p.date_start = m.date_start"
                    "  AND p.record_count + m.record_count <= 0"
                    "  RETURNING p.key_result_id, p.date_start)"
                    " INSERT INTO okr_key_result_period AS p (key_result_id,"
                    " date_start, date_end, record_count, numerator_count, value_sum,"
                    " distinct_count, value)"
                    " SELECT m.key_result_id, m.date_start, m.date_end,"
                    " m.record_count, m.numerator_count, m.value_sum,"
                    " m.distinct_count, %(inserted_value)s FROM m"
                    " WHERE NOT EXISTS (SELECT FROM emptied e"
                    "  WHERE e.key_result_id = m.key_result_id"
                    "  AND e.date_start = m.date_start)"
                    " AND (m.record_count > 0 OR EXISTS (SELECT"
                    "  FROM okr_key_result_period o"
                    "  WHERE o.key_result_id = m.key_result_id"
                    "  AND o.date_start = m.date_start))"
                    " ON CONFLICT (key_result_id, date_start) DO UPDATE SET"
                    " record_count = %(records)s, numerator_count = %(numerator)s,"
                    " value_sum = %(value_sum)s, distinct_count = %(distinct)s,"
                    " value = %(updated_value)s",
                    deltas=SQL(", ").join(
                        SQL(
                            "(%s, %s::date, %s::date, %s::integer, %s::integer,"
                            " %s::numeric, %s::integer, %s)",
                            kr_id,
                            bucket,
                            definitions[kr_id].bucket_end(bucket),
                            *totals,
                            definitions[kr_id].measure,
                        )
                        for kr_id, bucket, totals in touched
                    ),
                    inserted_value=bucket_value_sql(
                        SQL("m.measure"),
                        [SQL.identifier("m", column) for column in TOTAL_COLUMNS],
                    ),
                    records=new_totals[0],
                    numerator=new_totals[1],
                    value_sum=new_totals[2],
                    distinct=new_totals[3],
                    updated_value=bucket_value_sql(
                        SQL(
                            "(SELECT m.measure FROM m"
                            " WHERE m.key_result_id = p.key_result_id LIMIT 1)"
                        ),
                        new_totals,
                    ),
                )
            )
        for definition in definitions.values():
            if definition.measure == MEASURE_RETENTION:
                self._recount_retention(definition)
        self.env["okr.key.result.period"].invalidate_model()

    def _store_bucket_values(self, definitions, buckets=None):
        """Compute each bucket's value from its totals (or recount distincts);
        only these ``(kr_id, bucket)`` when given (a fold), else all."""
        definitions = list(definitions)
        measures = {definition.id: definition.measure for definition in definitions}
        if buckets is None:
            additive = [
                SQL("(%s, NULL::date, %s)", kr_id, measure)
                for kr_id, measure in measures.items()
                if measure != MEASURE_RETENTION
            ]
        else:
            additive = [
                SQL("(%s, %s::date, %s)", kr_id, bucket, measures[kr_id])
                for kr_id, bucket in sorted(buckets)
                if measures[kr_id] != MEASURE_RETENTION
            ]
        if additive:
            self.cr.execute(
                SQL(
                    "UPDATE okr_key_result_period p SET value = %s"
                    " FROM (VALUES %s) AS m(key_result_id, bucket, measure)"
                    " WHERE p.key_result_id = m.key_result_id"
                    " AND (m.bucket IS NULL OR p.date_start = m.bucket)",
                    BUCKET_VALUE_SQL,
                    SQL(", ").join(additive),
                )
            )
        for definition in definitions:
            if definition.measure == MEASURE_RETENTION:
                self._recount_retention(definition)
        self.env["okr.key.result.period"].invalidate_model()

    def _recount_retention(self, definition):
        """Per bucket: the values also seen in the bucket before, as a share
        of those of the bucket before."""
        self.cr.execute(
            SQL(
                "SELECT date_start FROM okr_key_result_period WHERE key_result_id = %s",
                definition.id,
            )
        )
        updates = []
        for (bucket,) in self.cr.fetchall():
            previous = definition.previous_bucket(bucket)
            before = self._distinct_count(definition.id, previous)
            kept = self._kept_count(definition.id, previous, bucket)
            value = 100.0 * kept / before if before else None
            updates.append(SQL("(%s::date, %s::float)", bucket, value))
        if updates:
            self.cr.execute(
                SQL(
                    "UPDATE okr_key_result_period p SET value = v.value"
                    " FROM (VALUES %s) AS v(bucket, value)"
                    " WHERE p.key_result_id = %s AND p.date_start = v.bucket",
                    SQL(", ").join(updates),
                    definition.id,
                )
            )

    def _distinct_count(self, kr_id, bucket):
        self.cr.execute(
            SQL(
                "SELECT count(DISTINCT distinct_key) FROM okr_contribution"
                " WHERE key_result_id = %s AND bucket_date = %s",
                kr_id,
                bucket,
            )
        )
        return self.cr.fetchone()[0]

    def _kept_count(self, kr_id, previous, bucket):
        self.cr.execute(
            SQL(
                "SELECT count(DISTINCT distinct_key) FROM okr_contribution"
                " WHERE key_result_id = %s AND bucket_date = %s AND distinct_key IN"
                " (SELECT distinct_key FROM okr_contribution"
                "  WHERE key_result_id = %s AND bucket_date = %s)",
                kr_id,
                bucket,
                kr_id,
                previous,
            )
        )
        return self.cr.fetchone()[0]

    def _refresh_key_results(self, definitions, errors, clear_errors=False):
        """The ``EngineResult`` of these key results: the current values
        that moved, and the errors (these and those of ``process``).

        Only a full recompute clears an error (``clear_errors``: those
        computed are in ``cleared``): until then the value may miss what
        the failed update would have changed.
        """
        stored = self._current_rows(definitions)
        moved, drift = {}, {}
        for definition in definitions:
            if definition.id not in stored:
                continue  # deleted meanwhile
            value, current, baseline, rounding = stored[definition.id]
            if value is None:
                value = baseline
            elif rounding:
                # as the amount field keeps it: compared rounded, an
                # unchanged amount is not written again
                value = round_amount(value, rounding)
            if value_moved(current, value):
                moved[definition.id] = value
                drift[definition.id] = (current, value)
        errors = {**self.errors, **errors}
        self.errors = {}
        cleared = set()
        if clear_errors:
            cleared = {d.id for d in definitions if d.id in stored} - set(errors)
        return EngineResult(
            values=moved,
            errors=errors,
            drift=drift if clear_errors else {},
            cleared=cleared,
        )

    def _current_rows(self, definitions):
        """``{kr_id: (value of today's bucket, stored current value, baseline,
        currency rounding or None)}`` in one statement, read in SQL from the
        buckets and the key results' rows (the stored values as the ORM reads
        them: floats, 0 for none). The bucket's value is None when there is
        no data for a measure that shows none (an average), else 0."""
        definitions = list(definitions)
        if not definitions:
            return {}
        # the company's today (its time zone is the definition's), asked once
        now = utc_now()
        today = {tz: company_today(tz, now) for tz in {d.tz for d in definitions}}
        rows = self.env.execute_query(
            SQL(
                "SELECT k.id, p.value, k.current_value, k.baseline_value, c.rounding"
                " FROM (VALUES %s) AS w(id, bucket)"
                " JOIN okr_key_result k ON k.id = w.id"
                " LEFT JOIN res_currency c ON c.id = k.currency_id"
                " LEFT JOIN okr_key_result_period p"
                " ON p.key_result_id = w.id AND p.date_start = w.bucket",
                SQL(", ").join(
                    SQL("(%s, %s::date)", d.id, d.current_bucket(today[d.tz]))
                    for d in definitions
                ),
            )
        )
        no_data = {d.id for d in definitions if d.measure in NO_DATA_MEASURES}
        return {
            kr_id: (
                value if value is not None or kr_id in no_data else 0.0,
                float(current or 0.0),
                float(baseline or 0.0),
                float(rounding) if rounding else None,
            )
            for kr_id, value, current, baseline, rounding in rows
        }

    def current_values(self, definitions):
        """``{kr_id: value of today's bucket}``; None when there is no data."""
        return {kr_id: row[0] for kr_id, row in self._current_rows(definitions).items()}
