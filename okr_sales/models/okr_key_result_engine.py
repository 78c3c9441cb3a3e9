"""Running the progress engine for the key results: the engine steps the
commit runs (``okr_key_result_changes.py`` runs them), the queue, the
recompute, writing what the engine returns, the actions and the scheduled
actions.

``okr_key_result.py`` says what a key result is, ``okr_key_result_definition.py``
what an automatic one counts; this file how it moves. The engine itself is in
``engine/`` (start with its docstring).
"""

import logging
import time
from datetime import timedelta
from functools import partial

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..engine.contributions import clear_query_caches
from ..engine.definitions import (
    COUNTING_SOURCES,
    SOURCE_ROLLUP,
    UPDATE_BACKGROUND,
    UPDATE_MODE_PARAM,
    UPDATE_TRANSACTION,
)
from ..engine.dependencies import (
    KEY_RESULT,
    affected_domain,
    reference_domain,
)
from ..engine.engine import EngineInputs, ProgressEngine
from ..engine.pg import engine_settings
from ..engine.queue import process_after_commit
from .okr_key_result_display import VALUE_FULL
from .okr_source_mixin import PENDING_KEY

_logger = logging.getLogger(__name__)

# precommit data keys (see okr_key_result_changes.py): the changes of fields
# key results read through relations, {Dependency: ids or values}
CHANGES_KEY = "okr_sales.dependency_changes"
# Queue rows the scheduled action processes per committed batch.
PENDING_BATCH = 1000
# Seconds the scheduled action waits, once woken, for more queued changes.
GATHER_SECONDS = 0.5


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    pending_change_count = fields.Integer(
        "Changes Waiting",
        compute="_compute_pending_change_count",
        help="Changes of records queued for the engine and not yet counted "
        "(see OKRs > Configuration > Settings): the value follows within "
        "moments.",
    )
    definition_key = fields.Char(
        readonly=True,
        copy=False,
        help="Digest of the definition the stored contributions were counted "
        "with: a key result whose definition no longer gives it is rebuilt.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    def _compute_pending_change_count(self):
        # Queued changes are records, not key results: whether this one is
        # among those they touch is known once they are processed.
        count = self.env["okr.pending.change"].sudo().search_count([])
        for key_result in self:
            key_result.pending_change_count = (
                count if key_result.source in COUNTING_SOURCES else 0
            )

    # ------------------------------------------------------------------
    # THE TRANSACTION'S WORK, DONE AT ITS COMMIT
    # ------------------------------------------------------------------

    @api.model
    def _okr_note_dependency_change(
        self, records, dependencies, link_values, resolve_now=False
    ):
        """Fields that ``dependencies`` follow changed on ``records``; the
        counted records they touch are found when the transaction commits
        (``_okr_resolve_changes``), or now if ``records`` are being deleted
        (``resolve_now``: nothing leads to them afterwards)."""
        changes = {}
        for dependency in dependencies:
            if dependency.link:
                values = link_values.get(dependency.field, set())
            else:
                values = set(records.ids)
            if values:
                changes.setdefault(dependency, set()).update(values)
        if resolve_now:
            # records reached through them, found while they are still there
            now = {
                dep: ids
                for dep, ids in changes.items()
                if dep.path and not dep.link and dep.source != KEY_RESULT
            }
            self._okr_resolve_changes(now, self._okr_precommit_data(PENDING_KEY, {}))
            changes = {dep: ids for dep, ids in changes.items() if dep not in now}
        stored = self._okr_precommit_data(CHANGES_KEY, {})
        for dependency, values in changes.items():
            stored.setdefault(dependency, set()).update(values)

    @api.model
    def _okr_note_references(self, records, references):
        """``records`` are being deleted: the counted records whose
        many-to-one points at them lose it, in the database."""
        pending = self._okr_precommit_data(PENDING_KEY, {})
        for dependency in references:
            model = self.env[dependency.source].sudo().with_context(active_test=False)
            found = model.search(reference_domain(dependency, records.ids))
            pending.setdefault(dependency.source, set()).update(found.ids)

    @api.model
    def _okr_resolve_changes(self, changes, pending):
        """Add to ``pending`` the counted records ``changes`` touch, one search
        per path however many records changed; returns the ids of the key
        results to recompute (a currency rate changed)."""
        recompute, by_path = set(), {}
        for dependency, values in changes.items():
            if dependency.source == KEY_RESULT:
                recompute.add(dependency.key_result_id)
            elif not dependency.path:
                pending.setdefault(dependency.source, set()).update(values)
            else:
                by_path.setdefault((dependency.source, dependency.path), set()).update(
                    values
                )
        for (source, path), values in by_path.items():
            model = self.env[source].sudo().with_context(active_test=False)
            found = model.search(affected_domain(path, values))
            pending.setdefault(source, set()).update(found.ids)
        return recompute

    @api.model
    def _okr_update_mode(self):
        return (
            self.env["ir.config_parameter"].sudo().get_param(UPDATE_MODE_PARAM)
            or UPDATE_TRANSACTION
        )

    @api.model
    def _okr_process_records(self, pending, old_keys):
        """Count the changed records now, or queue them (background mode)."""
        if self._okr_update_mode() == UPDATE_BACKGROUND:
            # Only queued, for the scheduled action: none of the engine's
            # queries run in the deal's transaction.
            self._okr_engine(counting=False).defer(pending, old_keys)
            self.env.ref("okr_sales.ir_cron_okr_fold_pending")._trigger()
            return
        # No engine_settings: the engine sets them with its locks.
        self._okr_run_engine(pending, old_keys)

    @api.model
    def _okr_sync_definitions(self, key_result_ids):
        """Rebuild the key results whose definition changed, forget those that
        no longer count records."""
        key_results = (
            self.sudo().with_context(active_test=False).browse(key_result_ids).exists()
        )
        rebuild, clear, keys, unchanged = [], [], {}, {}
        for key_result in key_results:
            if not key_result._okr_is_live():
                if key_result.definition_key:
                    clear.append(key_result.id)
                    keys[key_result.id] = None
                continue
            try:
                key = key_result._okr_definition().key
            except Exception:  # noqa: BLE001 - the recompute records it
                key = None
            # In error, a save rebuilds it whatever changed: the error may
            # have cost it changes.
            if (
                key is None
                or key != key_result.definition_key
                or key_result.computation_error
            ):
                rebuild.append(key_result.id)
                keys[key_result.id] = key
            else:
                unchanged[key_result.id] = key_result._okr_definition()
        engine = self._okr_engine(counting=False)
        self._okr_apply_engine_result(engine.refresh(unchanged))
        if not keys:
            return
        # Every worker's cached definitions change with them.
        self.env.registry.clear_cache()
        engine.clear(clear)
        self._okr_recompute(rebuild, rebuild=True, engine=engine)
        self.env.cr.execute(
            SQL(
                "UPDATE okr_key_result k SET definition_key = v.key"
                " FROM (VALUES %s) AS v(id, key) WHERE k.id = v.id",
                SQL(", ").join(SQL("(%s, %s)", *item) for item in keys.items()),
            )
        )
        key_results.invalidate_recordset(["definition_key"])

    @api.model
    def _okr_run_engine(self, pending, old_keys):
        """Update the key results of the changed records in this transaction,
        or queue them for right after the commit if one is busy."""
        engine = self._okr_engine()
        try:
            result = engine.run_in_savepoint(pending, old_keys, nowait=True)
        except (errors.LockNotAvailable, errors.SerializationFailure) as busy:
            # A shared key result is busy: process after the commit.
            _logger.debug("OKR changes deferred after commit: %s", busy)
        except Exception:
            # Never the deal's failure: its records stay queued, and the
            # processing after the commit (or its scheduled action) retries.
            _logger.exception("OKR changes could not be processed; deferred")
        else:
            self._okr_apply_engine_result(result)
            return
        engine.defer(pending, old_keys)
        self.env.cr.postcommit.add(
            partial(process_after_commit, self.env.registry, _process_queue)
        )

    # ------------------------------------------------------------------
    # WHAT THE ENGINE RETURNS
    # ------------------------------------------------------------------

    @api.model
    def _okr_engine(self, counting=True):
        """A ``ProgressEngine`` on this environment's cursor, with its
        inputs; only the sources unless it is to count changed records
        (``counting``): a recompute or a refresh is handed its
        definitions."""
        if counting:
            return ProgressEngine(self.env, self._okr_engine_inputs())
        return ProgressEngine(self.env, EngineInputs(sources=self._okr_sources()))

    @api.model
    def _okr_apply_engine_result(self, result):
        """Write what the engine returned (``EngineResult``): the values that
        moved, in one statement; errors cleared by a full recompute; and the
        errors, shown on their key results and logged; and what the deals
        counted moved, for the won-deal notification."""
        self._okr_write_values(result.values, movers=result.movers())
        if result.records.get("crm.lead"):
            self._okr_changes().note_counted(result.records["crm.lead"])
        if result.cleared:
            self.sudo().with_context(active_test=False).browse(
                sorted(result.cleared)
            ).exists().filtered("computation_error").with_context(
                tracking_disable=True
            ).computation_error = False
        if result.errors:
            self._okr_record_errors(result.errors)

    @api.model
    def _okr_record_errors(self, failures):
        """Show on each key result the error (``{kr id: exception}``) that
        kept it from being updated, and log it. Never the caller's failure:
        a key result another transaction holds is left as it is (the error
        comes back at its next update)."""
        for kr_id, error in sorted(failures.items()):
            _logger.error("Key result %s could not be updated", kr_id, exc_info=error)
            key_result = (
                self.sudo()
                .with_context(tracking_disable=True, active_test=False)
                .browse(kr_id)
                .exists()
            )
            if not key_result:
                continue
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        SQL(
                            "SELECT id FROM okr_key_result WHERE id = %s"
                            " FOR UPDATE NOWAIT",
                            kr_id,
                        ),
                        log_exceptions=False,
                    )
                    key_result.computation_error = (
                        str(error) or error.__class__.__name__
                    )
            except (errors.LockNotAvailable, errors.SerializationFailure):
                continue

    @api.model
    def _okr_recompute(self, key_result_ids, rebuild=False, engine=None):
        """Recompute these key results from all their records (see the
        engine's ``recompute``), write the result and return the drift,
        ``{kr id: (old value, new value)}``."""
        self.env.flush_all()
        definitions, failures = {}, {}
        key_results = self.sudo().with_context(active_test=False)
        for key_result in key_results.browse(key_result_ids):
            try:
                definitions[key_result.id] = key_result._okr_definition()
            except Exception as error:  # noqa: BLE001 - shown on the KR
                failures[key_result.id] = error
        engine = engine or self._okr_engine(counting=False)
        result = engine.recompute(definitions, rebuild=rebuild)
        result.errors.update(failures)
        self._okr_apply_engine_result(result)
        return result.drift

    @api.model
    def _okr_process_queue(self, limit=None):
        """Process the queued changes (``okr.pending.change``), the oldest
        ``limit`` rows or all, and write their values; returns the number
        of queue rows processed."""
        processed, result = self._okr_engine().process_pending(limit=limit)
        self._okr_apply_engine_result(result)
        return processed

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_recompute(self):
        """Rebuild the selected automatic key results and say what changed."""
        if not (self.env.su or self.env.user._okr_is_manager()):
            raise AccessError(
                self.env._("Only OKR managers can recompute key results.")
            )
        self.check_access("read")
        automatic = self.filtered(lambda kr: kr.source in COUNTING_SOURCES)
        self.env.flush_all()
        drift = self._okr_recompute(automatic.ids)
        automatic._okr_post_drift(drift)
        # and the roll-ups from their key results, when the transaction commits
        self._okr_note_rollup_targets()
        message = self.env._(
            "%(count)s key result(s) recomputed; %(drift)s value(s) corrected.",
            count=len(automatic),
            drift=len(drift),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if drift else "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_breakdown(self):
        """Pivot and graph of the records behind the value, beside the same
        period last year (``okr.breakdown.line``)."""
        self.ensure_one()
        return self.env["okr.breakdown.line"]._okr_open(self)

    def _okr_post_drift(self, drift):
        """Say on each key result, and log, the value a recompute corrected:
        a drift the incremental updates had let in."""
        for key_result in self.browse(list(drift)):
            old, new = drift[key_result.id]
            _logger.warning(
                "Key result %s drifted: %s instead of %s, corrected by recompute",
                key_result.id,
                old,
                new,
            )
            key_result.message_post(
                body=self.env._(
                    "Recompute corrected the value from %(old)s to %(new)s.",
                    old=key_result._okr_value_display(old, style=VALUE_FULL),
                    new=key_result._okr_value_display(new, style=VALUE_FULL),
                ),
            )

    # ------------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------------

    @api.model
    def _cron_fold_pending(self):
        """Process the queued changes (``okr.pending.change``): all of them
        in the background mode, otherwise what a deal's transaction deferred
        and the processing after its commit could not take. In batches, each
        committed when run as the scheduled action."""
        in_cron = "cron_id" in self.env.context
        if in_cron and self._okr_update_mode() == UPDATE_BACKGROUND:
            # Woken by a deal: let the deals of the next moments queue up too.
            # A batch costs little more than one deal, so a busy floor's deals
            # cost a fraction of their own processing. Committed first: no
            # transaction stays open meanwhile, and the next one sees them.
            self.env["ir.cron"]._commit_progress()
            time.sleep(GATHER_SECONDS)
        while True:
            try:
                with self.env.cr.savepoint(), engine_settings(self.env.cr):
                    processed = self._okr_process_queue(
                        limit=PENDING_BATCH if in_cron else None
                    )
                # the winners of the deals just processed hear of them
                self._okr_notify_queued_wins()
            except (errors.DeadlockDetected, errors.SerializationFailure):
                # REPEATABLE READ, unlike the processing after a commit: a key
                # result changed meanwhile. The changes stay queued for next time.
                _logger.info("OKR changes left queued for the next run")
                return
            if not (processed and in_cron):
                return
            remaining = self.env["okr.pending.change"].search_count([])
            time_left = self.env["ir.cron"]._commit_progress(
                processed, remaining=remaining
            )
            if not (remaining and time_left):
                return

    @api.model
    def _cron_recompute_all(self):
        """Nightly: rebuild every automatic key result of the running periods
        (the current month moves on; changes made in raw SQL are caught up)."""
        # whichever company's today it is
        earliest, _latest = self.env["res.company"]._okr_today_range()
        key_results = self.search(
            [
                ("source", "in", COUNTING_SOURCES),
                ("date_end", ">=", earliest - timedelta(days=1)),
            ]
        )
        clear_query_caches()
        drift = self._okr_recompute(key_results.ids)
        key_results._okr_post_drift(drift)
        # Roll-ups too: amounts of other currencies follow today's rates.
        self.search([("source", "=", SOURCE_ROLLUP)])._okr_note_rollup_targets()


def _process_queue(env):
    """What ``process_after_commit`` runs in each of its cursors: the queue
    processed with inputs built from that cursor's environment."""
    env["okr.key.result"].sudo()._okr_process_queue()
