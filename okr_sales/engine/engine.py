"""The progress engine: key results that move with the records they count.

The event flow, from a deal won to a manager's kanban:

1. A salesperson wins a deal. ``okr.source.mixin`` (mixed into ``crm.lead``,
   ``calendar.event``, ``mail.activity`` and any bridged model) sees the
   create, write or unlink and only notes the record as changed, in the
   transaction's precommit data; nothing is computed during the write.
2. When the transaction commits (or a test calls ``env.cr.flush()``), one
   precommit callback hands every changed record to
   ``ProgressEngine.process``, once per model, however many writes there
   were: an import or a merge costs one pass.
3. Which key results are touched: those the records contributed to before
   (their ``okr.contribution`` rows) and those whose owner, team or company
   the records now belong to, or that they are linked to by hand. The cost
   grows with these key results, not with the size of the database.
4. For each touched key result, ``contribution_query`` (a statement
   prepared once per connection, run on the changed records) says what each
   record contributes now. The stored contributions (``okr.contribution``,
   a row per record and key result) are replaced, and the difference of the
   bucket totals is kept as deltas.
5. ``fold_totals`` applies the deltas to the per-bucket totals
   (``okr.key.result.period``: a row per period, month or quarter) and
   the key result's current value (its current bucket's value) is written
   through the ORM, so that progress, the objective's progress and status
   follow, still in the deal's transaction. The touched key results are
   locked first (NOWAIT). Only if another transaction holds or has just
   changed one of them (salespeople winning deals for the same company key
   result at the same moment) does the deal's transaction step aside: it
   only queues its records (``okr.pending.change``, no foreign key, so no
   conflict), and they are processed right after the commit, in a short
   READ COMMITTED transaction of its own that waits its turn, instead of
   making the deal fail on a serialization error. A scheduled action
   processes whatever is left queued.

In the background mode (setting ``okr_sales.update_mode``, for busy sales
floors), step 4 and 5 leave the deal's transaction altogether: it always
queues its records, and triggers the scheduled action, which waits half a
second for more deals after the commit, then processes the queue in
batches. The salesperson waits for one
insert; the key results follow a moment later, and a batch of deals costs
about what one deal costs.

A failure while computing one key result is caught in a savepoint: the key
result keeps its value and shows the error, the error is logged, and the
deal is still won. ``ProgressEngine.recompute`` totals key results from
scratch with the same query over all records (grouped, several key results
at once), rebuilds those whose totals drifted, reports the drift it
corrects, and clears errors once fixed.
"""

import json
import logging
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta

from psycopg2 import errors

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

from .contributions import (
    BUCKET_TOTALS,
    CONTRIBUTION_COLUMNS,
    FAMILY_SCOPES,
    PREPARED_PREFIX,
    contribution_query,
    family_key,
    family_totals_query,
    keyed_days,
    prepared_contribution_query,
    prepared_family_query,
)
from .definitions import (
    DISTINCT_MEASURES,
    MEASURE_COUNT,
    MEASURE_DISTINCT,
    MEASURE_RATIO,
    MEASURE_RETENTION,
    MEASURE_SUM,
    NO_DATA_MEASURES,
    SCOPE_COMPANY,
    SCOPE_OWNER,
    SCOPE_TEAM,
    SOURCE_LINKED,
)

_logger = logging.getLogger(__name__)

# Values closer than this are equal: sums of amounts in float.
VALUE_TOLERANCE = 1e-6

# Prepared statements kept on one connection before they are all dropped.
MAX_PREPARED_STATEMENTS = 5000


# The value of a bucket from its totals, by measure (``m.measure``); NULL when
# there is no data. Retention is recounted instead.
BUCKET_VALUE_SQL = SQL(
    "CASE m.measure"
    " WHEN %(count)s THEN p.record_count::float"
    " WHEN %(sum)s THEN p.value_sum"
    " WHEN %(ratio)s THEN 100.0 * p.numerator_count / NULLIF(p.record_count, 0)"
    " WHEN %(distinct)s THEN p.distinct_count::float"
    " ELSE p.value_sum / NULLIF(p.record_count, 0) END",  # averages, durations
    count=MEASURE_COUNT,
    sum=MEASURE_SUM,
    ratio=MEASURE_RATIO,
    distinct=MEASURE_DISTINCT,
)


class ProgressEngine:
    """Keeps the values of automatic key results in step with their records.

    ``env`` should be a superuser environment: values count all matching
    records, whoever may see them. Call ``process(model, ids)`` with changed
    records, ``recompute(key_result_ids)`` to rebuild from scratch.
    """

    def __init__(self, env):
        # Dates in rules are UTC days, as the buckets are (see _day_sql), for
        # every user alike: the SQL is cached and shared.
        self.env = env(su=True, context=dict(env.context, active_test=False, tz="UTC"))
        self.cr = self.env.cr
        self.key_results = self.env["okr.key.result"]
        self.sources = self.key_results._okr_sources()

    # Incremental path

    def process(self, model_name, record_ids, old_keys=None, nowait=False):
        """Bring the contributions of these records up to date; returns the
        changes of their key results' bucket totals, ``{(kr_id, bucket):
        [records, numerator records, value sum, distinct values]}``, for
        ``fold_totals``.

        ``old_keys`` maps (field, date field) to the values the records had
        before they changed (see ``_same_key_records``).

        The touched key results and their objectives are locked first, in id
        order: two transactions never change the same key result's totals
        at once, and never deadlock. ``nowait`` (in a deal's transaction)
        fails at once instead, with LockNotAvailable or SerializationFailure,
        if another transaction holds or has changed one of them since this
        one began: the caller then defers the records (``defer``).
        """
        old_keys = old_keys or {}
        definitions = self.key_results._okr_definitions(model_name)
        if not definitions or not record_ids:
            return {}
        record_ids = sorted(record_ids)
        old_rows = self._stored_contributions(model_name, record_ids)
        touched = {kr_id for kr_id, _res_id in old_rows}
        # the records still there (the others were deleted)
        current = self.env[model_name].browse(record_ids).exists()
        touched |= self._key_results_of_records(current, definitions)
        touched &= set(definitions)  # the others go with their rebuild
        if not touched:
            return {}
        self._lock(touched, nowait)
        if not nowait:
            # READ COMMITTED: what was committed while this one waited
            old_rows = self._stored_contributions(model_name, record_ids)

        plans, errors = [], {}
        for kr_id in sorted(touched):
            definition = definitions[kr_id]
            kr_record_ids, kr_old_rows = record_ids, old_rows
            if definition.first_time_only:
                try:
                    with self.cr.savepoint(flush=False):
                        kr_record_ids, kr_old_rows = self._same_key_records(
                            definition, record_ids, current, old_rows, old_keys
                        )
                except Exception as error:  # noqa: BLE001 - the KR's failure
                    errors[kr_id] = error
                    continue
            plans.append((definition, kr_record_ids, kr_old_rows))
        new_rows = self._fetch_contributions(plans, errors)

        bucket_deltas = defaultdict(lambda: [0, 0, 0.0, 0])
        stale, fresh = [], []
        for definition, kr_record_ids, kr_old_rows in plans:
            if definition.id in errors:
                continue
            _diff_contributions(
                definition,
                kr_record_ids,
                kr_old_rows,
                new_rows.get(definition.id, {}),
                stale,
                fresh,
                bucket_deltas,
            )
        distinct_ids = {
            definition.id
            for definition, _ids, _rows in plans
            if definition.measure in DISTINCT_MEASURES
        }
        keys = _touched_keys(distinct_ids, stale, fresh, plans)
        before = self._key_presence(keys)
        self._write_contributions(model_name, stale, fresh)
        after = self._key_presence(keys)
        for triple in keys:
            gained = (triple in after) - (triple in before)
            if gained:
                bucket_deltas[triple[0], triple[1]][3] += gained
        self._record_errors(errors)
        return dict(bucket_deltas)

    def _lock(self, key_result_ids, nowait):
        lock = SQL("FOR UPDATE NOWAIT" if nowait else "FOR UPDATE")
        kr_ids = tuple(sorted(key_result_ids))
        # A busy key result is expected, and handled by the caller: not an
        # error for the server log.
        self.cr.execute(
            SQL(
                "SELECT id FROM okr_key_result WHERE id IN %s ORDER BY id %s",
                kr_ids,
                lock,
            ),
            log_exceptions=False,
        )
        self.cr.execute(
            SQL(
                "SELECT id FROM okr_objective WHERE id IN (SELECT objective_id"
                " FROM okr_key_result WHERE id IN %s) ORDER BY id %s",
                kr_ids,
                lock,
            ),
            log_exceptions=False,
        )

    def fold_totals(self, bucket_deltas):
        """Apply bucket deltas (from ``process``, which locked their key
        results) to the bucket totals, in SQL only; returns ``{kr_id:
        definition}`` of the key results whose values to ``refresh``."""
        if not bucket_deltas:
            return {}
        kr_ids = {kr_id for kr_id, _bucket in bucket_deltas}
        live = {}
        for model_name in self.sources:
            live.update(self.key_results._okr_definitions(model_name))
        definitions = {kr_id: live[kr_id] for kr_id in sorted(kr_ids) if kr_id in live}
        self._update_buckets(definitions, bucket_deltas)
        return definitions

    def defer(self, pending, old_keys):
        """Queue changed records for ``process_pending``: ``pending`` maps
        model names to record ids, ``old_keys`` as ``process`` takes them,
        per model."""
        rows = []
        for model_name, record_ids in pending.items():
            keys = [
                [fname, date_fname, key, day.isoformat()]
                for (fname, date_fname), pairs in old_keys.get(model_name, {}).items()
                for key, day in sorted(pairs)
            ]
            rows.append(
                SQL(
                    "(%s, %s::jsonb, %s::jsonb)",
                    model_name,
                    json.dumps(sorted(record_ids)),
                    json.dumps(keys),
                )
            )
        if rows:
            self.cr.execute(
                SQL(
                    "INSERT INTO okr_pending_change (res_model, res_ids, old_keys)"
                    " VALUES %s",
                    SQL(", ").join(rows),
                )
            )

    def process_pending(self, limit=None):
        """Process the deferred records (``defer``), the oldest ``limit``
        queue rows or all, and write the values of their key results;
        returns the number of queue rows processed. Rows another
        transaction is processing are skipped (SKIP LOCKED)."""
        rows = self.env.execute_query(
            SQL(
                "SELECT id, res_model, res_ids, old_keys FROM okr_pending_change"
                " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                limit,
            )
        )
        if not rows:
            return 0
        pending = defaultdict(set)
        old_keys = defaultdict(lambda: defaultdict(set))
        for _id, model_name, record_ids, keys in rows:
            pending[model_name].update(record_ids)
            for fname, date_fname, key, day in keys or ():
                old_keys[model_name][fname, date_fname].add(
                    (key, date.fromisoformat(day))
                )
        bucket_deltas = {}
        for model_name, record_ids in sorted(pending.items()):
            if model_name in self.sources:
                deltas = self.process(model_name, record_ids, old_keys[model_name])
                merge_deltas(bucket_deltas, deltas)
        definitions = self.fold_totals(bucket_deltas)
        self.refresh(definitions)
        self.cr.execute(
            SQL(
                "DELETE FROM okr_pending_change WHERE id IN %s",
                tuple(row[0] for row in rows),
            )
        )
        return len(rows)

    def refresh(self, definitions):
        """Write the current values of these key results (see ``fold_totals``)."""
        self._refresh_key_results(list(definitions.values()), {})

    def _stored_contributions(self, model_name, record_ids):
        rows = self.env.execute_query(
            SQL(
                "SELECT key_result_id, res_id, bucket_date, value, in_numerator,"
                " distinct_key FROM okr_contribution"
                " WHERE res_model = %s AND res_id IN %s",
                model_name,
                tuple(record_ids),
            )
        )
        return {(row[0], row[1]): row[2:] for row in rows}

    def _key_results_of_records(self, records, definitions):
        """Automatic key results whose owner, team or company the records
        belong to now, and linked key results the records are linked to."""
        spec = self.sources[records._name]
        by_scope = defaultdict(set)
        for definition in definitions.values():
            if definition.source == SOURCE_LINKED:
                continue
            by_scope[definition.scope, _scope_value(definition)].add(definition.id)
        touched = set()
        for scope, path in (
            (SCOPE_OWNER, spec.user_field),
            (SCOPE_TEAM, spec.team_field),
            (SCOPE_COMPANY, spec.company_field),
        ):
            for value in records.mapped(path).ids:
                touched |= by_scope.get((scope, value), set())
        if "okr_linked_key_result_ids" in records._fields:
            linked = set(records.okr_linked_key_result_ids.ids)
            touched |= linked & set(definitions)
        return touched

    def _same_key_records(self, definition, record_ids, current, old_rows, old_keys):
        """For "first time ever" counts: the records sharing a value with the
        changed ones, whose own contribution may change with them (a deal
        of last year is deleted: this year's deals of its customer become
        the customer's first).

        Only a record dated before the period, before or after its change,
        can do that: records of the period, such as a deal won today or an
        imported lead, widen nothing. ``current`` holds those of the
        changed ``record_ids`` not deleted. Returns the records to
        re-evaluate and their stored contributions.
        """
        model = self.env[definition.model]
        field = definition.measure_field
        pair = (field, definition.date_field)
        keys = {
            key
            for key, day in old_keys.get(pair, set()) | keyed_days(current, *pair)
            if day < definition.date_start
        }
        if not keys:
            return record_ids, old_rows
        same_key = model._search(
            [
                (field, "in", sorted(keys)),
                (definition.date_field, ">=", definition.records_start),
                (definition.date_field, "<", definition.date_end + timedelta(days=1)),
            ],
            active_test=False,
        )
        same_key.order = None
        extra_ids = {row[0] for row in self.env.execute_query(same_key.select())}
        self.cr.execute(
            SQL(
                "SELECT res_id FROM okr_contribution WHERE key_result_id = %s"
                " AND distinct_key IN %s",
                definition.id,
                tuple(keys),
            )
        )
        extra_ids |= {row[0] for row in self.cr.fetchall()}
        all_ids = sorted(set(record_ids) | extra_ids)
        rows = dict(old_rows)
        rows.update(self._stored_contributions(definition.model, all_ids))
        return all_ids, rows

    def _fetch_contributions(self, plans, errors):
        """``{kr_id: {res_id: row}}``, from prepared statements run on the
        plans' records: one per family (``family_key``) of key results
        evaluated on the same records, one per key result otherwise. If one
        fails, one savepoint per key result finds the ones at fault."""
        families, singles = defaultdict(list), []
        for definition, record_ids, _old_rows in plans:
            spec = self.sources.get(definition.model)
            key = spec and family_key(definition, spec)
            if key is None:
                singles.append(definition)
            else:
                families[key, tuple(record_ids)].append(definition)
        record_ids_of = {d.id: record_ids for d, record_ids, _rows in plans}
        statements = []
        for (_key, record_ids), family in families.items():
            if len(family) == 1:
                singles += family
                continue
            try:
                spec = self.sources[family[0].model]
                name, prepare = prepared_family_query(self.env, family[0], spec)
            except Exception:  # noqa: BLE001 - one by one, to find the culprit
                singles += family
                continue
            statements.append((name, prepare, record_ids, family, True))
        for definition in singles:
            try:
                spec = self.sources[definition.model]
                name, prepare = prepared_contribution_query(self.env, definition, spec)
            except Exception as error:  # noqa: BLE001 - the KR's failure
                errors[definition.id] = error
                continue
            statements.append(
                (name, prepare, record_ids_of[definition.id], [definition], False)
            )
        if not statements:
            return {}
        prepared = self._prepared_statements()
        new_rows = defaultdict(dict)
        try:
            with self.cr.savepoint(flush=False):
                for statement in statements:
                    self._run_prepared(statement, prepared, new_rows)
        except Exception:  # noqa: BLE001 - isolate the failing key results
            new_rows.clear()
            for definition, record_ids, _rows in plans:
                if definition.id in errors:
                    continue
                try:
                    spec = self.sources[definition.model]
                    name, prepare = prepared_contribution_query(
                        self.env, definition, spec
                    )
                    with self.cr.savepoint(flush=False):
                        self._run_prepared(
                            (name, prepare, record_ids, [definition], False),
                            prepared,
                            new_rows,
                        )
                except Exception as error:  # noqa: BLE001
                    errors[definition.id] = error
                    new_rows.pop(definition.id, None)
        return new_rows

    def _prepared_statements(self):
        """Names of this connection's prepared contribution statements (they
        outlive transactions, not connections)."""
        self.cr.execute(
            SQL(
                "SELECT name FROM pg_prepared_statements WHERE name LIKE %s",
                PREPARED_PREFIX + "%",
            )
        )
        names = {row[0] for row in self.cr.fetchall()}
        if len(names) > MAX_PREPARED_STATEMENTS:
            # definitions changed many times on a long-lived connection
            for name in names:
                self.cr.execute(SQL("DEALLOCATE %s", SQL.identifier(name)))
            names = set()
        return names

    def _run_prepared(self, statement, prepared, new_rows):
        """Run a statement of ``_fetch_contributions``: ``(name, PREPARE,
        record ids, definitions, whether it is a family's)``."""
        name, prepare, record_ids, members, family = statement
        if name not in prepared:
            self.cr.execute(prepare)
            prepared.add(name)
        self.cr.execute(SQL("EXECUTE %s (%s)", SQL.identifier(name), list(record_ids)))
        if not family:
            kr_id = members[0].id
            for res_id, *row in self.cr.fetchall():
                new_rows[kr_id][res_id] = tuple(row[:4])
            return
        width = len(CONTRIBUTION_COLUMNS)
        for row in self.cr.fetchall():
            res_id, contribution = row[0], tuple(row[1:width])
            scope_values = dict(
                zip((s[2] for s in FAMILY_SCOPES), row[width:], strict=True)
            )
            for definition in members:
                if scope_values[definition.scope] == _scope_value(definition):
                    new_rows[definition.id][res_id] = contribution

    def _key_presence(self, keys):
        """Which (kr_id, bucket, value) triples some contribution still has:
        a distinct count moves when a value appears in or leaves a bucket."""
        if not keys:
            return set()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT key_result_id, bucket_date, distinct_key"
                " FROM okr_contribution"
                " WHERE (key_result_id, bucket_date, distinct_key) IN (VALUES %s)",
                SQL(", ").join(SQL("(%s, %s::date, %s)", *key) for key in keys),
            )
        )
        return set(rows)

    def _write_contributions(self, model_name, stale, fresh):
        """Delete the ``stale`` (kr_id, res_id) rows, insert the ``fresh`` ones."""
        if stale:
            self.cr.execute(
                SQL(
                    "DELETE FROM okr_contribution WHERE res_model = %s"
                    " AND (key_result_id, res_id) IN (VALUES %s)",
                    model_name,
                    SQL(", ").join(SQL("(%s, %s)", *pair) for pair in stale),
                )
            )
        if fresh:
            self.cr.execute(
                SQL(
                    "INSERT INTO okr_contribution (key_result_id, res_model, %s)"
                    " VALUES %s",
                    SQL(", ").join(map(SQL.identifier, CONTRIBUTION_COLUMNS)),
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s, %s, %s, %s, %s)", row[0], model_name, *row[1:]
                        )
                        for row in fresh
                    ),
                )
            )

    def _update_buckets(self, definitions, bucket_deltas):
        """Apply the deltas to the bucket totals and store bucket values."""
        if not definitions:
            return
        touched = [
            (kr_id, bucket, totals)
            for (kr_id, bucket), totals in bucket_deltas.items()
            # retention's look-back has no bucket of its own
            if kr_id in definitions and bucket >= definitions[kr_id].date_start
        ]
        if touched:
            self.cr.execute(
                SQL(
                    "INSERT INTO okr_key_result_period AS p (key_result_id,"
                    " date_start, date_end, record_count, numerator_count, value_sum,"
                    " distinct_count) VALUES %s"
                    " ON CONFLICT (key_result_id, date_start) DO UPDATE SET"
                    " record_count = p.record_count + EXCLUDED.record_count,"
                    " numerator_count = p.numerator_count + EXCLUDED.numerator_count,"
                    " value_sum = p.value_sum + EXCLUDED.value_sum,"
                    " distinct_count = p.distinct_count + EXCLUDED.distinct_count",
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s, %s, %s, %s, %s)",
                            kr_id,
                            bucket,
                            definitions[kr_id].bucket_end(bucket),
                            *totals,
                        )
                        for kr_id, bucket, totals in touched
                    ),
                )
            )
            self.cr.execute(
                SQL(
                    "DELETE FROM okr_key_result_period"
                    " WHERE (key_result_id, date_start) IN (VALUES %s)"
                    " AND record_count <= 0",
                    SQL(", ").join(
                        SQL("(%s, %s::date)", kr_id, bucket)
                        for kr_id, bucket, _totals in touched
                    ),
                )
            )
        buckets = {(kr_id, bucket) for kr_id, bucket, _totals in touched}
        self._store_bucket_values(definitions.values(), buckets)

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

    def _record_errors(self, errors):
        for kr_id, error in errors.items():
            _logger.exception(
                "Key result %s could not be updated", kr_id, exc_info=error
            )
            key_result = self.key_results.with_context(tracking_disable=True).browse(
                kr_id
            )
            key_result.computation_error = str(error) or error.__class__.__name__

    def _refresh_key_results(self, definitions, errors, clear_errors=False):
        """Write current values and errors through the ORM (progress follows).

        Only a full recompute clears an error: until then the value may miss
        what the failed update would have changed.
        """
        # No chatter line per deal: the value moves all day long.
        key_results = self.key_results.with_context(tracking_disable=True).browse(
            [d.id for d in definitions]
        )
        values = self.current_values(definitions)
        for key_result in key_results:
            value = values[key_result.id]
            if value is None:
                value = key_result.baseline_value
            if abs(key_result.current_value - value) > VALUE_TOLERANCE:
                key_result.current_value = value
            if clear_errors and key_result.computation_error:
                key_result.computation_error = False
        self._record_errors(errors)

    def current_values(self, definitions):
        """``{kr_id: value of today's bucket}``; None when there is no data."""
        definitions = list(definitions)
        if not definitions:
            return {}
        today = fields.Date.context_today(self.key_results)
        wanted = {d.id: d.current_bucket(today) for d in definitions}
        self.cr.execute(
            SQL(
                "SELECT key_result_id, date_start, value FROM okr_key_result_period"
                " WHERE key_result_id IN %s",
                tuple(wanted),
            )
        )
        found = {
            kr_id: value
            for kr_id, bucket, value in self.cr.fetchall()
            if wanted[kr_id] == bucket
        }
        values = {}
        for definition in definitions:
            value = found.get(definition.id)
            if value is None and definition.measure not in NO_DATA_MEASURES:
                value = 0.0
            values[definition.id] = value
        return values

    # Full recompute

    def recompute(self, key_result_ids, rebuild=False):
        """Recompute these key results from all their records.

        Each key result's bucket totals are computed from scratch in one
        grouped query and compared with the stored ones; only those that
        differ are rebuilt (their contribution rows replaced), so a nightly
        check that finds nothing wrong writes nothing. ``rebuild`` rebuilds
        all of them: a changed definition may count other records for the
        same totals.

        Returns ``{kr_id: (old value, new value)}`` for the key results whose
        value changed: the drift the incremental path had let in (or the
        effect of a new definition).
        """
        with engine_settings(self.cr):
            return self._recompute(key_result_ids, rebuild)

    def _recompute(self, key_result_ids, rebuild):
        definitions = {}
        errors = {}
        for key_result in self.key_results.browse(key_result_ids):
            try:
                definitions[key_result.id] = key_result._okr_definition()
            except Exception as error:  # noqa: BLE001
                errors[key_result.id] = error
        before = {
            kr.id: kr.current_value for kr in self.key_results.browse(list(definitions))
        }
        if rebuild:
            stale = list(definitions.values())
        else:
            stale = self._drifted(definitions, errors)
        for definition in stale:
            try:
                with self.cr.savepoint(flush=False):
                    self._rebuild(definition)
            except Exception as error:  # noqa: BLE001
                errors[definition.id] = error
                del definitions[definition.id]
        if stale:
            self._store_bucket_values(stale)
        self._refresh_key_results(list(definitions.values()), errors, clear_errors=True)
        drift = {}
        for key_result in self.key_results.browse(list(definitions)):
            old = before[key_result.id]
            if abs(old - key_result.current_value) > VALUE_TOLERANCE:
                drift[key_result.id] = (old, key_result.current_value)
        return drift

    def _drifted(self, definitions, errors):
        """The definitions whose stored bucket totals differ from the ones
        their records give now; the failing ones go to ``errors`` and out
        of ``definitions``."""
        totals = defaultdict(dict)
        families, singles = defaultdict(list), []
        for definition in definitions.values():
            spec = self.sources.get(definition.model)
            key = spec and family_key(definition, spec)
            if key is None:
                singles.append(definition)
            else:
                families[key].append(definition)
        queries = {}
        for family in families.values():
            if len(family) == 1:
                singles += family
                continue
            if self._family_totals(family, totals):
                queries.update((d.id, None) for d in family)
            else:
                singles += family  # one by one, to find the one at fault
        for definition in singles:
            try:
                spec = self.sources[definition.model]
                query = contribution_query(self.env, definition, spec)
            except Exception as error:  # noqa: BLE001 - the KR's failure
                errors[definition.id] = error
                continue
            queries[definition.id] = SQL(
                "SELECT %s, %s FROM (%s) AS c WHERE bucket_date >= %s"
                " GROUP BY bucket_date",
                definition.id,
                BUCKET_TOTALS,
                query,
                definition.date_start,
            )
        for kr_id in list(definitions):
            if kr_id not in queries:
                del definitions[kr_id]  # failed: in errors
        single_queries = [query for query in queries.values() if query is not None]
        if single_queries:
            try:
                with self.cr.savepoint(flush=False):
                    rows = self.env.execute_query(
                        SQL(" UNION ALL ").join(single_queries)
                    )
            except Exception:  # noqa: BLE001 - rebuild them one by one
                return [definitions[kr_id] for kr_id in queries]
            for kr_id, bucket, *bucket_totals in rows:
                totals[kr_id][bucket] = tuple(bucket_totals)
        stored = defaultdict(dict)
        if queries:
            rows = self.env.execute_query(
                SQL(
                    "SELECT key_result_id, date_start, record_count, numerator_count,"
                    " value_sum, distinct_count"
                    " FROM okr_key_result_period WHERE key_result_id IN %s",
                    tuple(queries),
                )
            )
            for kr_id, bucket, *bucket_totals in rows:
                stored[kr_id][bucket] = tuple(bucket_totals)
        return [
            definitions[kr_id]
            for kr_id in queries
            if not _same_totals(totals[kr_id], stored[kr_id])
        ]

    def _family_totals(self, family, totals):
        """Bucket totals of key results that differ only in whose records
        they count, from one grouped query (``family_totals_query``);
        False if that query fails."""
        spec = self.sources[family[0].model]
        try:
            query, columns = family_totals_query(self.env, family, spec)
            with self.cr.savepoint(flush=False):
                rows = self.env.execute_query(query)
        except Exception:  # noqa: BLE001 - the caller finds the culprit
            _logger.debug("Grouped recompute failed", exc_info=True)
            return False
        members = defaultdict(list)
        for definition in family:
            members[definition.scope, _scope_value(definition)].append(definition.id)
        width = len(columns)
        for row in rows:
            scope_values, (bucket, *bucket_totals) = row[:width], row[width:]
            for scope, index in columns.items():
                # grouped by this scope: the other scope columns are NULL
                if all(v is None for i, v in enumerate(scope_values) if i != index):
                    for kr_id in members.get((scope, scope_values[index]), ()):
                        totals[kr_id][bucket] = tuple(bucket_totals)
        return True

    def _rebuild(self, definition):
        spec = self.sources[definition.model]
        # Deferred records (okr.pending.change) need nothing: processing them
        # later compares them with what this rebuild stores.
        self.cr.execute(
            SQL("DELETE FROM okr_contribution WHERE key_result_id = %s", definition.id)
        )
        self.cr.execute(
            SQL(
                "DELETE FROM okr_key_result_period WHERE key_result_id = %s",
                definition.id,
            )
        )
        query = contribution_query(self.env, definition, spec)
        self.cr.execute(
            SQL(
                "INSERT INTO okr_contribution (key_result_id, res_model, %s)"
                " SELECT %s, %s, c.* FROM (%s) AS c",
                SQL(", ").join(map(SQL.identifier, CONTRIBUTION_COLUMNS)),
                definition.id,
                definition.model,
                query,
            )
        )
        self.cr.execute(
            SQL(
                "SELECT %s FROM okr_contribution"
                " WHERE key_result_id = %s AND bucket_date >= %s GROUP BY bucket_date",
                BUCKET_TOTALS,
                definition.id,
                definition.date_start,
            )
        )
        rows = self.cr.fetchall()
        if rows:
            self.cr.execute(
                SQL(
                    "INSERT INTO okr_key_result_period (key_result_id, date_start,"
                    " date_end, record_count, numerator_count, value_sum,"
                    " distinct_count) VALUES %s",
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s, %s, %s, %s, %s)",
                            definition.id,
                            bucket,
                            definition.bucket_end(bucket),
                            *totals,
                        )
                        for bucket, *totals in rows
                    ),
                )
            )
        self.env["okr.contribution"].invalidate_model()

    def clear(self, key_result_ids):
        """Forget the contributions of key results that are no longer automatic."""
        if not key_result_ids:
            return
        ids = tuple(key_result_ids)
        self.cr.execute(
            SQL("DELETE FROM okr_contribution WHERE key_result_id IN %s", ids)
        )
        self.cr.execute(
            SQL("DELETE FROM okr_key_result_period WHERE key_result_id IN %s", ids)
        )
        self.env["okr.contribution"].invalidate_model()
        self.env["okr.key.result.period"].invalidate_model()


# Planner settings of the engine's queries, local to the transaction.
ENGINE_SETTINGS = {
    # JIT's cost estimate adds up over many key results' queries: compiling
    # then takes seconds for queries that run in milliseconds.
    "jit": "off",
    # The prepared contribution statements are planned once, not per call.
    "plan_cache_mode": "force_generic_plan",
}


@contextmanager
def engine_settings(cr):
    """Run the engine's queries with ``ENGINE_SETTINGS``, then put the
    transaction's own settings back for what it does next."""
    names = list(ENGINE_SETTINGS)
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("current_setting(%s), set_config(%s, %s, true)", name, name, value)
                for name, value in ENGINE_SETTINGS.items()
            ),
        )
    )
    previous = cr.fetchone()[::2]
    yield
    # Not in a finally: after an error the transaction may be aborted, and
    # local settings end with it anyway.
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("set_config(%s, %s, true)", name, value)
                for name, value in zip(names, previous, strict=True)
            ),
        )
    )


def process_after_commit(registry, attempts=3):
    """Process deferred records in a transaction of its own, after a commit.

    READ COMMITTED: it waits for a concurrent transaction on the same key
    result instead of failing on its update. Whatever cannot be processed
    now stays queued for the next one (the next commit, or the scheduled
    action).
    """
    for attempt in range(1, attempts + 1):
        try:
            with registry.cursor() as cr:
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                env = api.Environment(cr, SUPERUSER_ID, {})
                with engine_settings(cr):
                    ProgressEngine(env).process_pending()
            return
        except (errors.DeadlockDetected, errors.SerializationFailure):
            if attempt == attempts:
                _logger.warning("OKR changes left queued after %s tries", attempt)
                return
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        except Exception:
            _logger.exception("OKR changes could not be processed; left queued")
            return


def merge_deltas(bucket_deltas, deltas):
    """Add ``deltas`` (as ``process`` returns them) into ``bucket_deltas``."""
    for key, totals in deltas.items():
        merged = bucket_deltas.setdefault(key, [0, 0, 0.0, 0])
        for index, amount in enumerate(totals):
            merged[index] += amount
    return bucket_deltas


def _touched_keys(distinct_ids, stale, fresh, plans):
    """(kr_id, bucket, value) of the distinct counts the rows may move."""
    old_by_pair = {}
    for _definition, _ids, rows in plans:
        old_by_pair.update(rows)
    keys = set()
    for kr_id, res_id in stale:
        if kr_id in distinct_ids:
            bucket, _value, _numerator, key = old_by_pair[kr_id, res_id]
            keys.add((kr_id, bucket, key))
    for kr_id, _res_id, bucket, _value, _numerator, key in fresh:
        if kr_id in distinct_ids:
            keys.add((kr_id, bucket, key))
    return keys


def _diff_contributions(
    definition, record_ids, old_rows, new_rows, stale, fresh, bucket_deltas
):
    """Compare a key result's stored and new rows for these records; collect
    the rows to delete and insert, and the deltas of the bucket totals."""
    kr_id = definition.id
    for res_id in record_ids:
        old = old_rows.get((kr_id, res_id))
        new = new_rows.get(res_id)
        if _same_row(old, new):
            continue
        if old is not None:
            stale.append((kr_id, res_id))
            _add_delta(bucket_deltas, kr_id, old, -1)
        if new is not None:
            fresh.append((kr_id, res_id, *new))
            _add_delta(bucket_deltas, kr_id, new, +1)


def _scope_value(definition):
    """The salesperson, team or company whose records a key result counts."""
    return {
        SCOPE_OWNER: definition.user_id,
        SCOPE_TEAM: definition.team_id,
        SCOPE_COMPANY: definition.company_id,
    }[definition.scope]


def _same_totals(computed, stored):
    """Whether two ``{bucket: (records, numerator, sum, distinct)}`` agree."""
    if computed.keys() != stored.keys():
        return False
    for bucket, totals in computed.items():
        other = stored[bucket]
        if tuple(totals[:2]) != tuple(other[:2]):
            return False
        # sums kept by additions drift by float rounding only
        if abs(totals[2] - other[2]) > max(VALUE_TOLERANCE, 1e-9 * abs(totals[2])):
            return False
        if totals[3] != other[3]:
            return False
    return True


def _same_row(old, new):
    if old is None or new is None:
        return old is new
    return (
        old[0] == new[0]
        and abs((old[1] or 0.0) - (new[1] or 0.0)) <= VALUE_TOLERANCE
        and bool(old[2]) == bool(new[2])
        and old[3] == new[3]
    )


def _add_delta(bucket_deltas, kr_id, row, sign):
    bucket, value, in_numerator, _distinct_key = row
    totals = bucket_deltas[kr_id, bucket]
    totals[0] += sign
    totals[1] += sign if in_numerator else 0
    totals[2] += sign * (value or 0.0)
