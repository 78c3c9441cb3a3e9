"""The progress engine: key results that move with the records they count.

What it touches. The engine is a function of its inputs (``EngineInputs``:
the definitions of the live automatic key results, the sources, the roll-up
graph) and of the changed record ids. Through the cursor it reads and
writes only its own tables (``okr_contribution``, ``okr_key_result_period``,
``okr_pending_change``), reads and locks ``okr_key_result`` rows (the
stored value, baseline and currency rounding; ``FOR UPDATE``, with their
objectives' rows) and reads the currencies' rates and rounding. The counted
records are read in SQL built by their model's query compiler (``_search``,
``_field_to_sql``): never browsed, never written. It calls no method of
``okr.key.result`` and writes none of its fields: it returns the values
that moved, the errors and the drift as plain data (``EngineResult``), and
the model writes them (``models/okr_key_result_engine.py``).

The event flow, from a deal won to a manager's kanban:

1. A salesperson wins a deal. ``okr.source.mixin`` (mixed into ``crm.lead``,
   ``calendar.event``, ``mail.activity`` and any bridged model) sees the
   create, write or unlink and only notes the record as changed, in the
   transaction's precommit data; nothing is computed during the write.
2. When the transaction commits (or a test calls ``env.cr.flush()``), the
   key results' one commit callback (``okr_key_result_changes.py``) hands
   every changed record to ``ProgressEngine.process``, once per model,
   however many writes there were: an import or a merge costs one pass.
3. Which key results are touched: those the records contributed to before
   (their ``okr.contribution`` rows) and those whose owner, team or company
   the records now belong to, or that they are linked to by hand. The cost
   grows with these key results, not with the size of the database.
4. For each touched key result, ``contribution_query`` says what each
   record contributes now: those of a model's touched key results run on
   the changed records as one statement, prepared once per cursor
   (``prepared_union_query``; key results that differ only in whose
   records they count share one part, ``family_key``). The stored
   contributions (``okr.contribution``, a row per record and key result)
   are replaced, and the difference of the bucket totals is kept as
   deltas.
5. ``fold_totals`` applies the deltas to the per-bucket totals
    (``okr.key.result.period``: a row per period, month or quarter);
    ``refresh`` returns each key result's current value (its current
    bucket's value) when it moved, and the model writes them in one
    statement for all of them (``_okr_write_values``, which records them
    in the transaction's change list): progress, the objective's progress
    and status follow through the ORM's recompute, still in the deal's
    transaction. The same callback then runs the reactions to the change
    list: the roll-ups over them, the day's history point, the behind-pace
    activities, the live message, the won-deal notification and the
    webhook outbox. The touched key results are
   locked first (NOWAIT). Only if another transaction holds or has just
   changed one of them (salespeople winning deals for the same company key
   result at the same moment) does the deal's transaction step aside: it
   only queues its records (``okr.pending.change``, no foreign key, so no
   conflict), and they are processed right after the commit, in short
   READ COMMITTED transactions of their own, instead of making the deal
   fail on a serialization error. One request at a time drains the queue,
   in batches, until it finds it empty; the deals that find it draining
   return at once and leave their records to it, so a busy sales floor
   does not keep its server's workers waiting on the same rows (the key
   results follow a moment later, as the live refresh shows). A scheduled
   action processes whatever is left queued.

In the background mode (setting ``okr_sales.update_mode``, for busy sales
floors), step 4 and 5 leave the deal's transaction altogether: it always
queues its records, and triggers the scheduled action, which waits half a
second for more deals after the commit, then processes the queue in
batches. The salesperson waits for one
insert; the key results follow a moment later, and a batch of deals costs
about what one deal costs.

A failure while computing one key result is caught in a savepoint: the key
result keeps its value, the error is returned (the model logs it and shows
it on the key result), and the deal is still won.
``ProgressEngine.recompute`` totals key results from scratch with the same
query over all records (grouped, several key results at once), rebuilds
those whose totals drifted, and returns the drift it corrects and the
errors it clears once fixed.
"""

from .buckets import BucketStore
from .incremental import IncrementalUpdate
from .inputs import EngineInputs, EngineResult
from .queue import PendingQueue
from .recompute import Recompute


def engine_env(env):
    """The environment the engine builds its SQL in: a superuser one
    (values count all matching records, whoever may see them), no reader's
    time zone (a record's day is its company's, the definition's time zone,
    see _day_sql), and one language for every user alike: the SQL is cached
    and shared."""
    return env(
        su=True,
        context={"active_test": False, "tz": "UTC", "lang": "en_US"},
    )


__all__ = ["EngineInputs", "EngineResult", "ProgressEngine", "engine_env"]


class ProgressEngine(IncrementalUpdate, PendingQueue, Recompute, BucketStore):
    """Keeps the values of automatic key results in step with their records.

    ``ProgressEngine(env, inputs)``: ``env`` gives the cursor and the
    counted models' query compiler, ``inputs`` (``EngineInputs``) all it
    knows of the key results. ``run(pending, old_keys)`` processes changed
    records and returns an ``EngineResult`` (or, step by step: ``process``
    per model, ``fold_totals`` of what it returns, ``refresh``);
    ``defer`` and ``process_pending`` go through the queue;
    ``recompute(definitions)`` rebuilds from scratch. Each step lives in
    its own module: ``incremental.py``, ``queue.py``, ``recompute.py``,
    ``buckets.py``. Nothing here calls a method of ``okr.key.result`` or
    writes its fields: the caller writes the returned values and errors.
    """

    def __init__(self, env, inputs):
        self.env = engine_env(env)
        self.cr = self.env.cr
        self.inputs = inputs
        self.sources = inputs.sources
        # Only a context for today's date (``current_values``): no key
        # result is read or written through it.
        self.key_results = self.env["okr.key.result"]
        # errors of ``process`` calls, returned by the next ``refresh``
        self.errors = {}
        # what ``process`` counted of the changed records, returned by ``run``
        # (``EngineResult.records``)
        self.records = {}
