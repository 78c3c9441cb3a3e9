"""The deal's path: the contributions of changed records, and the fold.

``process`` brings the contributions of the records a transaction changed
up to date and returns the deltas of their key results' bucket totals;
``fold_totals`` applies them. See ``engine.py`` for the whole flow.
"""

from collections import defaultdict
from datetime import timedelta

from odoo.fields import Domain
from odoo.tools import SQL

from .contributions import (
    CONTRIBUTION_COLUMNS,
    FAMILY_SCOPES,
    contribution_query,
    days_domain,
    family_key,
    family_query,
    prepared_contribution_query,
    prepared_family_query,
    prepared_union_query,
)
from .days import UTC, day_of
from .definitions import (
    DISTINCT_MEASURES,
    SCOPE_COMPANY,
    SCOPE_OWNER,
    SCOPE_TEAM,
    SOURCE_LINKED,
)
from .pg import PreparedStatements, settings_sql
from .records import read_record_facts
from .rollup import rollup_ancestors
from .totals import (
    diff_contributions,
    exact,
    new_bucket_deltas,
    scope_value,
    touched_keys,
)

# How the contributions statement of ``process`` is isolated: in a savepoint
# of its own, one savepoint per key result only if it fails (``STATEMENT``);
# in the caller's savepoint, a failure raising ``ContributionsFailed``
# (``CALLER``, see ``run_in_savepoint``); one savepoint per key result
# (``KEY_RESULT``).
ISOLATE_STATEMENT, ISOLATE_CALLER, ISOLATE_KEY_RESULT = (
    "statement",
    "caller",
    "key_result",
)


class ContributionsFailed(Exception):
    """The contributions statement failed in the caller's savepoint: the
    transaction is aborted up to it (``ISOLATE_CALLER``)."""


class IncrementalUpdate:
    """The incremental path of ``ProgressEngine`` (a mixin of it)."""

    def process(
        self,
        model_name,
        record_ids,
        old_keys=None,
        nowait=False,
        isolate=ISOLATE_STATEMENT,
    ):
        """Bring the contributions of these records up to date; returns the
        changes of their key results' bucket totals, ``{(kr_id, bucket):
        [records, numerator records, value sum, distinct values]}``, for
        ``fold_totals``.

        ``old_keys`` maps (field, date field) to the values the records had
        before they changed (see ``_widening_keys``).

        The touched key results and their objectives are locked first, in id
        order: two transactions never change the same key result's totals
        at once, and never deadlock. ``nowait`` (in a deal's transaction)
        fails at once instead, with LockNotAvailable or SerializationFailure,
        if another transaction holds or has changed one of them since this
        one began: the caller then defers the records (``defer``).
        ``isolate`` says how a failing rule is found (``ISOLATE_*``).
        """
        old_keys = old_keys or {}
        definitions = self.inputs.definitions.get(model_name) or {}
        if not definitions or not record_ids:
            return {}
        record_ids = sorted(record_ids)
        old_rows = self._stored_contributions(model_name, record_ids)
        touched = {kr_id for kr_id, _res_id in old_rows}
        # the records still there (the others were deleted), read in SQL
        facts = read_record_facts(
            self.env[model_name],
            record_ids,
            self.sources[model_name],
            {
                (d.measure_field, d.date_field)
                for d in definitions.values()
                if d.first_time_only
            },
        )
        touched |= self._key_results_of_records(facts, definitions)
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
                    keys = self._widening_keys(definition, facts, old_keys)
                    if keys:
                        # a savepoint only for what runs SQL: a deal won
                        # today widens nothing and costs no statement here
                        with self.cr.savepoint(flush=False):
                            kr_record_ids, kr_old_rows = self._same_key_records(
                                definition, keys, record_ids, old_rows
                            )
                except Exception as error:  # noqa: BLE001 - the KR's failure
                    errors[kr_id] = error
                    continue
            plans.append((definition, kr_record_ids, kr_old_rows))
        new_rows = self._fetch_contributions(plans, errors, isolate)

        bucket_deltas = new_bucket_deltas()
        stale, fresh = [], []
        for definition, kr_record_ids, kr_old_rows in plans:
            if definition.id in errors:
                continue
            diff_contributions(
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
        stored_rows = {}
        for _definition, _ids, rows in plans:
            stored_rows.update(rows)
        keys = touched_keys(distinct_ids, stale, fresh, stored_rows)
        before = self._key_presence(keys)
        self._write_contributions(model_name, stale, fresh)
        after = self._key_presence(keys)
        for triple in keys:
            gained = (triple in after) - (triple in before)
            if gained:
                bucket_deltas[triple[0], triple[1]][3] += gained
        self.errors.update(errors)
        self._note_records(model_name, record_ids, plans, old_rows, new_rows, errors)
        return dict(bucket_deltas)

    def _note_records(self, model_name, record_ids, plans, old_rows, new_rows, errors):
        """Keep what the changed records contributed before and after, per
        key result counted without error (``EngineResult.records``)."""
        noted = self.records.setdefault(model_name, {})
        for res_id in record_ids:
            noted[res_id] = ({}, {})
        for definition, _ids, _rows in plans:
            kr_id = definition.id
            if kr_id in errors:
                continue
            for res_id in record_ids:
                before, after = noted[res_id]
                old = old_rows.get((kr_id, res_id))
                if old is not None:
                    before[kr_id] = (float(old[1] or 0.0), bool(old[2]))
                new = new_rows.get(kr_id, {}).get(res_id)
                if new is not None:
                    after[kr_id] = (float(new[1] or 0.0), bool(new[2]))

    def _lock(self, key_result_ids, nowait):
        """Lock the key results and their objectives, and set the planner
        settings of the contribution statements that follow
        (``ENGINE_SETTINGS``, to the end of the transaction: see
        ``engine_settings``) in the same statement."""
        # With the roll-ups over them, which move in the same transaction:
        # busy, they too send the records after the commit.
        key_result_ids = set(key_result_ids)
        key_result_ids |= rollup_ancestors(self.inputs.rollup_graph, key_result_ids)
        kr_ids = tuple(sorted(key_result_ids))
        if nowait:
            # Never waits, so never in a deadlock: both tables at once.
            locks = [
                SQL(
                    "SELECT k.id FROM okr_key_result k"
                    " JOIN okr_objective o ON o.id = k.objective_id"
                    " WHERE k.id IN %s ORDER BY k.id FOR UPDATE OF k, o NOWAIT",
                    kr_ids,
                )
            ]
        else:
            # Waits: key results, then objectives, each in id order.
            locks = [
                SQL(
                    "SELECT id FROM okr_key_result WHERE id IN %s"
                    " ORDER BY id FOR UPDATE",
                    kr_ids,
                ),
                SQL(
                    "SELECT id FROM okr_objective WHERE id IN (SELECT objective_id"
                    " FROM okr_key_result WHERE id IN %s) ORDER BY id FOR UPDATE",
                    kr_ids,
                ),
            ]
        # A busy key result is expected, and handled by the caller: not an
        # error for the server log.
        self.cr.execute(
            SQL("SELECT %s, ARRAY(%s)", settings_sql(), locks[0]),
            log_exceptions=False,
        )
        for lock in locks[1:]:
            self.cr.execute(lock, log_exceptions=False)

    def fold_totals(self, bucket_deltas):
        """Apply bucket deltas (from ``process``, which locked their key
        results) to the bucket totals, in SQL only; returns ``{kr_id:
        definition}`` of the key results whose values to ``refresh``."""
        if not bucket_deltas:
            return {}
        kr_ids = {kr_id for kr_id, _bucket in bucket_deltas}
        live = self.inputs.all_definitions()
        definitions = {kr_id: live[kr_id] for kr_id in sorted(kr_ids) if kr_id in live}
        self._update_buckets(definitions, bucket_deltas)
        return definitions

    def _stored_contributions(self, model_name, record_ids):
        rows = self.env.execute_query(
            SQL(
                "SELECT key_result_id, res_id, bucket_date, value::text, in_numerator,"
                " distinct_key FROM okr_contribution"
                " WHERE res_model = %s AND res_id IN %s",
                model_name,
                tuple(record_ids),
            )
        )
        return {(row[0], row[1]): row[2:] for row in rows}

    def _key_results_of_records(self, facts, definitions):
        """Automatic key results whose owner, team or company the records
        (``RecordFacts``) belong to now, and linked key results the records
        are linked to."""
        by_scope = defaultdict(set)
        for definition in definitions.values():
            if definition.source == SOURCE_LINKED:
                continue
            by_scope[definition.scope, scope_value(definition)].add(definition.id)
        touched = set()
        for users, teams, companies in facts.scopes.values():
            for scope, values in (
                (SCOPE_OWNER, users),
                (SCOPE_TEAM, teams),
                (SCOPE_COMPANY, companies),
            ):
                for value in values:
                    touched |= by_scope.get((scope, value), set())
        touched |= facts.linked & set(definitions)
        return touched

    def _widening_keys(self, definition, facts, old_keys):
        """For "first time ever" counts: the values (customers, provinces)
        of the changed records whose other records' contributions may change
        with them (a deal of last year is deleted: this year's deals of its
        customer become the customer's first).

        Only a record dated before the period, before or after its change,
        can do that: records of the period, such as a deal won today or an
        imported lead, widen nothing. ``facts`` (``RecordFacts``) has the
        values and days of the changed records not deleted; ``old_keys``
        those they had before (``_okr_remember_keys``). No SQL.
        """
        pair = (definition.measure_field, definition.date_field)
        # The days kept before the change are UTC days (``_okr_remember_keys``),
        # within a day of the company's: the day before the period's counts.
        slack = timedelta(days=0 if definition.tz == UTC else 1)
        return {
            key
            for key, day in old_keys.get(pair, set())
            if day < definition.date_start + slack
        } | {
            key
            for key, moment in facts.keyed.get(pair, set())
            if day_of(moment, definition.tz) < definition.date_start
        }

    def _same_key_records(self, definition, keys, record_ids, old_rows):
        """The records to re-evaluate with the changed ``record_ids`` for a
        "first time ever" count, those sharing one of ``keys``
        (``_widening_keys``), and their stored contributions."""
        model = self.env[definition.model]
        field = definition.measure_field
        same_key = model._search(
            Domain(field, "in", sorted(keys))
            & days_domain(
                model, definition, definition.records_start, definition.date_end
            ),
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

    def _fetch_contributions(self, plans, errors, isolate=ISOLATE_STATEMENT):
        """``{kr_id: {res_id: row}}``, from prepared statements run on the
        plans' records: one part per family (``family_key``) of key results
        evaluated on the same records, one per key result otherwise, and
        the parts run on the same records in one statement
        (``prepared_union_query``). If it fails, one savepoint per key
        result finds the ones at fault (see ``ISOLATE_*`` for ``isolate``)."""
        parts = self._contribution_parts(plans, errors)
        if not parts:
            return {}
        by_records = defaultdict(list)
        for part in parts:
            by_records[part[2]].append(part)
        prepared = PreparedStatements(self.cr)
        new_rows = defaultdict(dict)
        if isolate == ISOLATE_KEY_RESULT:
            return self._fetch_each(plans, errors, prepared)
        if isolate == ISOLATE_CALLER:
            try:
                for record_ids, group in by_records.items():
                    self._run_parts(group, record_ids, prepared, new_rows)
            except Exception as error:
                raise ContributionsFailed(str(error)) from error
            return new_rows
        try:
            with self.cr.savepoint(flush=False):
                for record_ids, group in by_records.items():
                    self._run_parts(group, record_ids, prepared, new_rows)
        except Exception:  # noqa: BLE001 - isolate the failing key results
            return self._fetch_each(plans, errors, prepared)
        return new_rows

    def _contribution_parts(self, plans, errors):
        """The parts of ``_fetch_contributions``: ``(key, query, record ids,
        definitions, whether a family's)``; a key result whose query cannot
        be built goes to ``errors``."""
        families, singles = defaultdict(list), []
        for definition, record_ids, _old_rows in plans:
            spec = self.sources.get(definition.model)
            key = spec and family_key(definition, spec)
            if key is None:
                singles.append(definition)
            else:
                families[key, tuple(record_ids)].append(definition)
        record_ids_of = {d.id: tuple(record_ids) for d, record_ids, _rows in plans}
        parts = []
        for (key, record_ids), family in families.items():
            if len(family) == 1:
                singles += family
                continue
            try:
                spec = self.sources[family[0].model]
                query = family_query(self.env, family[0], spec)
            except Exception:  # noqa: BLE001 - one by one, to find the culprit
                singles += family
                continue
            parts.append((("family", key, spec), query, record_ids, family, True))
        for definition in singles:
            try:
                spec = self.sources[definition.model]
                query = contribution_query(self.env, definition, spec)
            except Exception as error:  # noqa: BLE001 - the KR's failure
                errors[definition.id] = error
                continue
            parts.append(
                (
                    ("single", definition, spec),
                    query,
                    record_ids_of[definition.id],
                    [definition],
                    False,
                )
            )
        return parts

    def _fetch_each(self, plans, errors, prepared):
        """``_fetch_contributions`` one key result at a time, each in a
        savepoint of its own: the failing ones go to ``errors``."""
        new_rows = defaultdict(dict)
        for definition, record_ids, _rows in plans:
            if definition.id in errors:
                continue
            try:
                spec = self.sources[definition.model]
                name, prepare = prepared_contribution_query(self.env, definition, spec)
                with self.cr.savepoint(flush=False):
                    rows = prepared.execute(name, prepare, record_ids)
                    self._take_rows([definition], False, rows, new_rows)
            except Exception as error:  # noqa: BLE001
                errors[definition.id] = error
                new_rows.pop(definition.id, None)
        return new_rows

    def _run_parts(self, parts, record_ids, prepared, new_rows):
        """Run ``parts`` of ``_fetch_contributions`` on the same records: in
        one statement, or in their own when there is only one."""
        if len(parts) == 1:
            _key, _query, _ids, members, family = parts[0]
            definition = members[0]
            spec = self.sources[definition.model]
            if family:
                name, prepare = prepared_family_query(self.env, definition, spec)
            else:
                name, prepare = prepared_contribution_query(self.env, definition, spec)
            rows = prepared.execute(name, prepare, record_ids)
            self._take_rows(members, family, rows, new_rows)
            return
        name, prepare = prepared_union_query(
            tuple(part[0] for part in parts),
            [(part[1], part[4]) for part in parts],
        )
        by_part = defaultdict(list)
        for row in prepared.execute(name, prepare, record_ids):
            by_part[row[0]].append(row[1:])
        for index, (_key, _query, _ids, members, family) in enumerate(parts):
            self._take_rows(members, family, by_part.get(index, ()), new_rows)

    def _take_rows(self, members, family, rows, new_rows):
        """Give each of ``members`` (definitions) its rows of a contribution
        statement: ``(*CONTRIBUTION_COLUMNS, [scope columns], value as
        text)``; a family's rows go to the key results of their scope."""
        # the value as text, the last column (see pg.prepare_statement)
        rows = [(*row[:2], exact(row[-1]), *row[3:-1]) for row in rows]
        if not family:
            kr_id = members[0].id
            for res_id, *row in rows:
                new_rows[kr_id][res_id] = tuple(row[:4])
            return
        width = len(CONTRIBUTION_COLUMNS)
        for row in rows:
            res_id, contribution = row[0], tuple(row[1:width])
            scope_values = dict(
                zip((s[2] for s in FAMILY_SCOPES), row[width:], strict=True)
            )
            for definition in members:
                if scope_values[definition.scope] == scope_value(definition):
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
        """Delete the ``stale`` (kr_id, res_id) rows, insert the ``fresh``
        ones: in one statement when there are both."""
        delete = stale and SQL(
            "DELETE FROM okr_contribution WHERE res_model = %s"
            " AND (key_result_id, res_id) IN (VALUES %s)",
            model_name,
            SQL(", ").join(SQL("(%s, %s)", *pair) for pair in stale),
        )
        if not fresh:
            if delete:
                self.cr.execute(delete)
            return
        rows = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s::date, %s::numeric, %s::boolean, %s::integer)",
                row[0],
                model_name,
                *row[1:],
            )
            for row in fresh
        )
        columns = SQL(", ").join(map(SQL.identifier, CONTRIBUTION_COLUMNS))
        if not delete:
            self.cr.execute(
                SQL(
                    "INSERT INTO okr_contribution (key_result_id, res_model, %s)"
                    " VALUES %s",
                    columns,
                    rows,
                )
            )
            return
        # The insert reads the delete's count: the delete runs to its end
        # first, and a row it deleted (same key result and record) no longer
        # conflicts with the unique constraint of the row replacing it.
        self.cr.execute(
            SQL(
                "WITH deleted AS (%s RETURNING 1)"
                " INSERT INTO okr_contribution (key_result_id, res_model, %s)"
                " SELECT * FROM (VALUES %s) AS v"
                " WHERE (SELECT count(*) FROM deleted) >= 0",
                delete,
                columns,
                rows,
            )
        )
