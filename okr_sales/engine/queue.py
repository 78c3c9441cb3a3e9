"""Changes waiting for the engine: the ``okr.pending.change`` queue.

A deal's transaction queues its records when a shared key result is busy,
and always in the background mode (``defer``); ``process_pending`` takes
them in order, and ``process_after_commit`` runs it in transactions of its
own right after a commit, one request draining the queue at a time. See
``engine.py`` for the whole flow.
"""

import json
import logging
import random
import time
from collections import defaultdict
from datetime import date

from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from .incremental import (
    ISOLATE_CALLER,
    ISOLATE_KEY_RESULT,
    ISOLATE_STATEMENT,
    ContributionsFailed,
)
from .inputs import EngineResult
from .pg import engine_settings
from .totals import merge_deltas

_logger = logging.getLogger(__name__)

# postcommit data key: the transaction queued records (``defer``); whatever
# waits for them asks the queue only then (see okr_key_result_notify.py)
DEFERRED_KEY = "okr_sales.deferred"


class PendingQueue:
    """The queue of ``ProgressEngine`` (a mixin of it)."""

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
            self.cr.postcommit.data[DEFERRED_KEY] = True
            self.cr.execute(
                SQL(
                    "INSERT INTO okr_pending_change (res_model, res_ids, old_keys)"
                    " VALUES %s",
                    SQL(", ").join(rows),
                )
            )

    def process_pending(self, limit=None):
        """Process the deferred records (``defer``), the oldest ``limit``
        queue rows or all; returns ``(number of queue rows processed,
        EngineResult)``, the values of their key results for the caller to
        write. Rows another transaction is processing are skipped (SKIP
        LOCKED)."""
        rows = self.env.execute_query(
            SQL(
                "SELECT id, res_model, res_ids, old_keys FROM okr_pending_change"
                " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                limit,
            )
        )
        if not rows:
            return 0, EngineResult()
        pending = defaultdict(set)
        old_keys = defaultdict(lambda: defaultdict(set))
        for _id, model_name, record_ids, keys in rows:
            pending[model_name].update(record_ids)
            for fname, date_fname, key, day in keys or ():
                old_keys[model_name][fname, date_fname].add(
                    (key, date.fromisoformat(day))
                )
        result = self.run(
            {m: ids for m, ids in pending.items() if m in self.sources}, old_keys
        )
        self.cr.execute(
            SQL(
                "DELETE FROM okr_pending_change WHERE id IN %s",
                tuple(row[0] for row in rows),
            )
        )
        return len(rows), result

    def run(self, pending, old_keys, nowait=False, isolate=ISOLATE_STATEMENT):
        """Process changed records (``{model name: ids}``, ``old_keys`` per
        model as ``process`` takes them), fold their deltas and return the
        ``EngineResult`` of their key results."""
        bucket_deltas = {}
        for model_name, record_ids in sorted(pending.items()):
            deltas = self.process(
                model_name,
                record_ids,
                old_keys.get(model_name),
                nowait=nowait,
                isolate=isolate,
            )
            merge_deltas(bucket_deltas, deltas)
        result = self.refresh(self.fold_totals(bucket_deltas))
        result.records, self.records = self.records, {}
        return result

    def run_in_savepoint(self, pending, old_keys, nowait=False):
        """``run`` in a savepoint, whose rollback undoes all of it on error.
        The contributions statements run in it without a savepoint of their
        own (two statements less); if one fails, the savepoint is rolled
        back and the run starts again with one savepoint per key result, to
        find those at fault (their errors are returned, the others move)."""
        try:
            with self.cr.savepoint(flush=False):
                return self.run(pending, old_keys, nowait, ISOLATE_CALLER)
        except ContributionsFailed:
            self.errors, self.records = {}, {}
        with self.cr.savepoint(flush=False):
            return self.run(pending, old_keys, nowait, ISOLATE_KEY_RESULT)


# How long the processing after a commit waits for a key result another
# transaction holds (a recompute, a manager's rebuild): it runs before the
# salesperson's request returns, so it gives up and leaves the rest to the
# scheduled action rather than keep her waiting.
AFTER_COMMIT_LOCK_TIMEOUT = "3s"
# How long one request goes on draining what others queued meanwhile before
# it hands the rest to the scheduled action.
AFTER_COMMIT_DRAIN_SECONDS = 1.0
# The transaction-level advisory lock of the one processing the queue after
# a commit (see ``process_after_commit``).
DRAIN_LOCK = SQL("pg_try_advisory_xact_lock(hashtext('okr_sales.pending_change'))")

# ``_drain_once`` outcomes
DRAINED, BUSY, FAILED = "drained", "busy", "failed"


def process_after_commit(registry, drain, attempts=3):
    """Process deferred records in transactions of their own, after a commit.

    One request at a time drains the queue (an advisory lock): a deal that
    finds another one draining returns at once and leaves its records to
    it, instead of keeping an HTTP worker waiting for the same shared key
    results. The one draining looks at the queue again each time it has
    released the lock, and goes on while it is not empty: records queued
    while it held the lock (whose deal then found it busy) are always seen,
    at the latest by that look. Each round processes all the records queued
    so far in one batch, which costs about what one deal costs.

    READ COMMITTED: a round waits for a concurrent transaction on the same
    key result instead of failing on its update, at most
    ``AFTER_COMMIT_LOCK_TIMEOUT``. Whatever cannot be processed now, or
    within ``AFTER_COMMIT_DRAIN_SECONDS``, stays queued, and the scheduled
    action is woken to take it (``wake_cron``). ``drain(env)`` processes
    the queue in the superuser environment ``env`` of the round's cursor
    and writes what it returns: the model's (it builds the engine's inputs
    from that environment), so that nothing here imports the models.
    """
    deadline = time.monotonic() + AFTER_COMMIT_DRAIN_SECONDS
    while True:
        outcome = _drain_once(registry, drain, attempts)
        if outcome == BUSY:
            return  # the one draining will see these records
        if outcome == FAILED:
            break
        try:
            if not _unclaimed_changes(registry):
                return
        except Exception:
            _logger.exception("The OKR queue could not be read; left queued")
            break
        if time.monotonic() >= deadline:
            _logger.info("OKR changes left queued for the scheduled action")
            break
    wake_cron(registry)


def _drain_once(registry, drain, attempts):
    """One round of ``process_after_commit``: BUSY if another request is
    draining, DRAINED once the queue's records are processed and committed,
    FAILED otherwise (logged)."""
    for attempt in range(1, attempts + 1):
        try:
            with registry.cursor() as cr:
                cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
                cr.execute(
                    SQL("SET LOCAL lock_timeout = %s", AFTER_COMMIT_LOCK_TIMEOUT)
                )
                cr.execute(SQL("SELECT %s", DRAIN_LOCK))
                if not cr.fetchone()[0]:
                    return BUSY
                env = api.Environment(cr, SUPERUSER_ID, {})
                with engine_settings(cr):
                    drain(env)
            return DRAINED
        except errors.LockNotAvailable:
            _logger.info("OKR changes left queued: a key result is busy")
            return FAILED
        except (errors.DeadlockDetected, errors.SerializationFailure):
            if attempt == attempts:
                _logger.warning("OKR changes left queued after %s tries", attempt)
                return FAILED
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        except Exception:
            _logger.exception("OKR changes could not be processed; left queued")
            return FAILED
    return FAILED


def _unclaimed_changes(registry):
    """Whether the queue holds records no transaction is processing now
    (those being processed are that transaction's to finish)."""
    with registry.cursor() as cr:
        cr.execute(
            SQL("SELECT id FROM okr_pending_change LIMIT 1 FOR UPDATE SKIP LOCKED")
        )
        return bool(cr.fetchall())


def wake_cron(registry):
    """Ask the scheduled action to process the queue now, not in ten
    minutes."""
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("okr_sales.ir_cron_okr_fold_pending")._trigger()
    except Exception:
        _logger.exception("The OKR scheduled action could not be woken")
