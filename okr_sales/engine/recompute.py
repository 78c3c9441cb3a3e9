"""The full recompute: key results totalled from all their records.

Used nightly, by the *Recompute* action, and to rebuild a key result whose
definition changed. See ``engine.py`` for the whole flow.
"""

import logging
from collections import defaultdict

from odoo.tools import SQL

from .contributions import (
    BUCKET_TOTALS,
    CONTRIBUTION_COLUMNS,
    contribution_query,
    family_key,
    family_totals_query,
)
from .pg import engine_settings
from .totals import exact, same_totals, scope_value

_logger = logging.getLogger(__name__)


class Recompute:
    """The full recompute of ``ProgressEngine`` (a mixin of it)."""

    def recompute(self, definitions, rebuild=False):
        """Recompute these key results (``{kr id: KeyResultDefinition}``)
        from all their records; returns an ``EngineResult``.

        Each key result's bucket totals are computed from scratch in one
        grouped query and compared with the stored ones; only those that
        differ are rebuilt (their contribution rows replaced), so a nightly
        check that finds nothing wrong writes nothing. ``rebuild`` rebuilds
        all of them: a changed definition may count other records for the
        same totals.

        The result's ``drift`` is ``{kr_id: (old value, new value)}`` for the
        key results whose value changed: the drift the incremental path had
        let in (or the effect of a new definition); its ``cleared`` the key
        results computed without error.
        """
        with engine_settings(self.cr):
            return self._recompute(dict(definitions), rebuild)

    def _recompute(self, definitions, rebuild):
        errors = {}
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
        return self._refresh_key_results(
            list(definitions.values()), errors, clear_errors=True
        )

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
                    " value_sum::text, distinct_count"
                    " FROM okr_key_result_period WHERE key_result_id IN %s",
                    tuple(queries),
                )
            )
            for kr_id, bucket, *bucket_totals in rows:
                stored[kr_id][bucket] = tuple(bucket_totals)
        return [
            definitions[kr_id]
            for kr_id in queries
            if not same_totals(totals[kr_id], stored[kr_id])
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
            members[definition.scope, scope_value(definition)].append(definition.id)
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
                            records,
                            numerator,
                            exact(value_sum),
                            distinct,
                        )
                        for bucket, records, numerator, value_sum, distinct in rows
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
