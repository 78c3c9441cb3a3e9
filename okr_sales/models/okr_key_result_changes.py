"""One path for a key result's change: the write, the transaction's change
list, and the reactions run once at its commit.

A won deal, from the write to the kanban, the webhook and the notification:

1. What changes a key result passes through one of two doors, and both
   record ``{key result id: changed names}`` in the transaction's one
   change list (``Changes``, in ``cr.precommit.data``) through
   ``_okr_record_changes``, which registers the one commit-time callback
   (``_okr_commit_changes``) the first time:

   - ``_write_multi``, the only override of it on the OKR models: every
     stored change, typed, written in code or recomputed by the ORM
     (progress and status after a value). What cannot wait stays here:
     the cached roll-up tree is cleared when the tree changes, and the
     status and alignment warning a webhook tells are read before the
     write (only when a webhook listens);
   - ``_okr_write_values``, the engine's and the roll-ups' values, in one
     SQL statement (no write method's checks and tracking: the system
     counts, nobody types).

   The records of counted models (a deal) are noted apart, by
   ``models/base.py`` and ``okr.source.mixin``, in the same callback's data.
2. At the commit (and at every ``cr.flush()``: savepoints, tests), the
   callback flushes, then runs the reactions (``REACTIONS``) in their
   declared order, each once over the whole list, batched:

   - the values, until nothing moves: definitions rebuilt, the engine on
     the changed records (``_okr_process_pending``), the roll-ups over what
     moved (children first, closed upward in one pass). What they write is
     recorded in the list again, and the next round takes it;
   - then once over everything the run recorded: the day's history point,
     the behind-pace activities, the live bus message, the won-deal
     notification and the webhook outbox.

Precommit callbacks run several times in one transaction: the live bus row
and the webhook outbox rows are rewritten by a later run (their ids live in
``cr.postcommit.data``), and the won-deal notification and the engine's own
queue take over after the commit (``process_after_commit``,
``notify_after_commit``).
"""

import logging
import weakref
from dataclasses import dataclass, field
from typing import NamedTuple

from odoo import api, models
from odoo.tools import SQL

from ..engine.definitions import SOURCE_ROLLUP
from ..engine.pg import engine_settings
from ..webhook.events import (
    EVENT_ACHIEVED,
    EVENT_ALIGNMENT,
    EVENT_STATUS,
    note_alignment_warnings,
    note_progress,
    note_status_changes,
    wanted,
)
from .okr_key_result_definition import BROKEN_KEY, DEFINITION_TRIGGERS
from .okr_key_result_engine import CHANGES_KEY
from .okr_key_result_live import SHOWN_FIELDS
from .okr_key_result_rollup import CHILD_FIELDS, GRAPH_FIELDS, ROLLUP_FIELDS
from .okr_source_mixin import OLD_KEYS_KEY, PENDING_KEY

_logger = logging.getLogger(__name__)

# precommit data keys: whether the callback is registered; the change list
REGISTERED_KEY = "okr_sales.registered"
CHANGE_LIST_KEY = "okr_sales.change_list"
# {cursor: the change list while the callback runs}. Not in the precommit
# data, which a precommit run nested in it (a savepoint's flush) clears, nor
# in the postcommit's (a test's bus message runs it) or the cursor's cache
# (a savepoint rolled back clears it): only the callback removes it.
RUNNING = weakref.WeakKeyDictionary()
# The engine's own notes in the same data (the records of counted models).
ENGINE_KEYS = (PENDING_KEY, OLD_KEYS_KEY, CHANGES_KEY, BROKEN_KEY)
# Rounds of the values at most (a roll-up chain takes two): a loop is a bug,
# logged, not a hung commit.
MAX_ROUNDS = 10

# Names recorded beside field names when key results are noted outright,
# not by a field's change: created, their objective archived or restored,
# a roll-up computed again by hand or by a cron.
NOTE_DEFINITION = "okr:definition"
NOTE_ROLLUP_CHILD = "okr:rollup_child"
NOTE_ROLLUP = "okr:rollup"
NOTE_STATUS = "okr:status"
# A value the roll-ups wrote: the roll-ups over it were computed with it.
NOTE_ROLLED_UP = "okr:rolled_up"

HISTORY_TRIGGERS = frozenset({"current_value"})
# The last move, written with the value.
MOVED_FIELDS = ("last_moved_date", "last_moved_model", "last_moved_res_id")
STATUS_TRIGGERS = frozenset({"status", NOTE_STATUS})
# The open behind-pace activity tells the value of now: a value moved
# rewrites it (``_okr_process_status``).
ALERT_TRIGGERS = STATUS_TRIGGERS | HISTORY_TRIGGERS
ROLLUP_TRIGGERS = CHILD_FIELDS | ROLLUP_FIELDS | {NOTE_ROLLUP_CHILD, NOTE_ROLLUP}
# The fields and notes the reactions take (besides the definitions').
WATCHED = (
    DEFINITION_TRIGGERS
    | ROLLUP_TRIGGERS
    | HISTORY_TRIGGERS
    | ALERT_TRIGGERS
    | SHOWN_FIELDS
    | {NOTE_DEFINITION}
)


@dataclass
class Changes:
    """The transaction's change list."""

    # {key result id: set of changed field names and notes}
    key_results: dict = field(default_factory=dict)
    # {lead id: {"uid": winner}} of the deals won
    won: dict = field(default_factory=dict)
    # {lead id: (before, after)}: what the engine counted of deals, each
    # {kr id: (value, in numerator)} (``EngineResult.records``)
    counted: dict = field(default_factory=dict)
    # webhook events were noted (okr.webhook.event): its rows are written
    outbox: bool = False

    def __bool__(self):
        return bool(self.key_results or self.won or self.outbox)

    def record(self, names_by_id):
        for kr_id, names in names_by_id.items():
            self.key_results.setdefault(kr_id, set()).update(names)

    def merge(self, other):
        self.record(other.key_results)
        self.take_notes(other)

    def take_notes(self, other):
        """The won deals, what the engine counted of deals and the outbox
        flag of ``other``, taken from it."""
        for lead_id, noted in other.won.items():
            self.won.setdefault(lead_id, noted)
        self.note_counted(other.counted)
        self.outbox = self.outbox or other.outbox
        other.won, other.counted, other.outbox = {}, {}, False

    def note_counted(self, records):
        """Add what a pass of the engine counted of deals (``{lead id:
        (before, after)}``): a deal counted twice in the transaction (created,
        then won, in one flush) keeps its first before and its last after."""
        for lead_id, (before, after) in records.items():
            if lead_id in self.counted:
                first, last = self.counted[lead_id]
                # a key result the first pass added had no value before
                before = {
                    **{k: v for k, v in before.items() if k not in last},
                    **first,
                }
                after = {**last, **after}
            self.counted[lead_id] = (before, after)

    def of(self, triggers):
        """``{kr id: names}`` of the key results whose changes meet
        ``triggers``, by id."""
        return {
            kr_id: names
            for kr_id, names in sorted(self.key_results.items())
            if names & triggers
        }


class Reaction(NamedTuple):
    # The names that call it, with ``{kr id: names}`` of the key results
    # they meet (if any); None: it takes notes of its own, called with the
    # change list at each run.
    triggers: frozenset | None
    method: str


# The values, until nothing moves, in this order: each reads what the one
# before wrote.
VALUE_REACTIONS = (
    # The engine: key results whose definition changed
    # (``_okr_definition_triggers``) rebuilt, then the records of counted
    # models the sources noted.
    Reaction(None, "_okr_process_pending"),
    # Children first, closed upward: one pass.
    Reaction(ROLLUP_TRIGGERS, "_okr_react_rollups"),
)
# Then once over everything the run recorded: these write no value.
AFTER_REACTIONS = (
    Reaction(HISTORY_TRIGGERS, "_okr_write_history"),
    Reaction(ALERT_TRIGGERS, "_okr_process_status"),
    Reaction(SHOWN_FIELDS, "_okr_write_moved_message"),
    # before the outbox: the webhook tells the deal that moved a key result
    Reaction(None, "_okr_notify_won_deals"),
    Reaction(SHOWN_FIELDS, "_okr_note_progress_events"),
    Reaction(None, "_okr_react_outbox"),
)
REACTIONS = VALUE_REACTIONS + AFTER_REACTIONS


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # THE CHANGE LIST
    # ------------------------------------------------------------------

    @api.model
    def _okr_precommit_data(self, key, default):
        """The transaction's value under ``key`` (``default`` the first
        time), with the one commit callback registered."""
        data = self.env.cr.precommit.data
        if REGISTERED_KEY not in data:
            data[REGISTERED_KEY] = True
            self.env.cr.precommit.add(
                self.env["okr.key.result"].sudo()._okr_commit_changes
            )
        return data.setdefault(key, default)

    @api.model
    def _okr_changes(self):
        """The transaction's change list (``Changes``): while the callback
        runs, the one it takes its next round from."""
        running = RUNNING.get(self.env.cr)
        if running is not None:
            return running
        data = self.env.cr.precommit.data
        changes = data.get(CHANGE_LIST_KEY)
        if changes is None or REGISTERED_KEY not in data:
            changes = self._okr_precommit_data(CHANGE_LIST_KEY, Changes())
        return changes

    @api.model
    def _okr_record_changes(self, names_by_id):
        """Record ``{key result id: changed names}`` for the commit."""
        if names_by_id:
            self._okr_changes().record(names_by_id)

    @api.model
    def _okr_take_changes(self):
        """What was recorded since the last round of the running callback."""
        cr = self.env.cr
        taken, RUNNING[cr] = RUNNING[cr], Changes()
        return taken

    @api.model
    def _okr_definition_triggers(self):
        """Names whose change may change what a key result counts: its
        definition, and the key result fields a bridge's rules read."""
        return DEFINITION_TRIGGERS | self._okr_bridge_rule_fields() | {NOTE_DEFINITION}

    # ------------------------------------------------------------------
    # THE TWO DOORS
    # ------------------------------------------------------------------

    def _write_multi(self, vals_list):
        # Every stored change goes through here, also those the ORM
        # recomputes (progress and status after a value, a team or dates
        # following the objective's). Ids and names only: nothing is read
        # here, in the middle of a flush, but what a webhook compares.
        before = self._okr_webhook_before(vals_list)
        super()._write_multi(vals_list)
        if any(GRAPH_FIELDS.intersection(vals) for vals in vals_list):
            # also what the ORM recomputes (archived with its objective)
            self._okr_rollup_graph_changed()
        if before:
            self._okr_note_webhook_changes(vals_list, before)
        watched = WATCHED | self._okr_definition_triggers()
        names_by_id = {}
        for kr_id, vals in zip(self._ids, vals_list, strict=True):
            names = watched.intersection(vals)
            if names:
                names_by_id.setdefault(kr_id, set()).update(names)
        self._okr_record_changes(names_by_id)
        return None  # as the ORM's

    def _okr_write_values(self, values, rolled_up=False, movers=None):
        """Write values (``{kr id: value}``) in one statement, not one ORM
        write per key result: the deal's transaction pays for the values,
        not for the write method's checks and tracking, which are the
        system's to skip (the engine counts; nobody types). What follows a
        value still follows: progress, status and the objective's progress
        are marked for recompute (``modified``), and the change is recorded
        as ``_write_multi`` records it. ``rolled_up``: written by the
        roll-ups, which computed the roll-ups over them in the same pass.
        ``movers``: ``{kr id: (model, record id)}`` of the records that
        moved them, kept as their last move (none: a recompute)."""
        if not values:
            return
        movers = movers or {}
        key_results = self.sudo().browse(sorted(values))
        field_ = self._fields["current_value"]
        written = [
            field_.convert_to_cache(values[key_result.id], key_result)
            for key_result in key_results
        ]
        rows = [
            SQL(
                "(%s, %s::numeric, %s, %s::int)",
                kr_id,
                value,
                *movers.get(kr_id, (None, None)),
            )
            for kr_id, value in zip(key_results.ids, written, strict=True)
        ]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                "UPDATE okr_key_result k SET current_value = v.value,"
                " last_moved_date = %s, last_moved_model = v.model,"
                " last_moved_res_id = v.res_id, write_uid = %s, write_date = %s"
                " FROM (VALUES %s) AS v(id, value, model, res_id) WHERE k.id = v.id",
                now,
                self.env.uid,
                now,
                SQL(", ").join(rows),
            )
        )
        key_results.invalidate_recordset(
            ["current_value", "write_uid", "write_date", *MOVED_FIELDS]
        )
        # What was just written, kept in the cache: the progress and status
        # that follow do not read the rows again.
        field_._insert_cache(key_results, written)
        self._fields["last_moved_date"]._insert_cache(
            key_results, [now] * len(key_results)
        )
        key_results.modified(["current_value"])
        names = {"current_value", NOTE_ROLLED_UP} if rolled_up else {"current_value"}
        self._okr_record_changes(dict.fromkeys(key_results.ids, names))

    # ------------------------------------------------------------------
    # NOTES: key results noted outright
    # ------------------------------------------------------------------

    def _okr_note_definition_change(self):
        """These key results may count something else now: compared with
        what they counted (``definition_key``) when the transaction commits."""
        self._okr_record_changes(dict.fromkeys(self.ids, {NOTE_DEFINITION}))

    def _okr_note_rollup_children(self):
        """These key results changed: the roll-ups over them follow when the
        transaction commits."""
        self._okr_record_changes(dict.fromkeys(self.ids, {NOTE_ROLLUP_CHILD}))

    def _okr_note_rollup_targets(self):
        """These roll-ups are computed again when the transaction commits."""
        rollups = self.filtered(lambda kr: kr.source == SOURCE_ROLLUP)
        self._okr_record_changes(dict.fromkeys(rollups.ids, {NOTE_ROLLUP}))

    def _okr_note_status(self):
        """These key results' status is looked at when the transaction
        commits (born behind pace: the owner hears of it)."""
        self._okr_record_changes(dict.fromkeys(self.ids, {NOTE_STATUS}))

    def _okr_webhook_before(self, vals_list):
        """``{kr id: (status, has_alignment_warning)}`` as stored before a
        write that changes them, when a webhook listens: a status or a
        warning that changes is told, not one written again unchanged."""
        if not any(
            "status" in vals or "has_alignment_warning" in vals for vals in vals_list
        ) or not wanted(self.env, EVENT_STATUS, EVENT_ACHIEVED, EVENT_ALIGNMENT):
            return {}
        rows = self.env.execute_query(
            SQL(
                "SELECT id, status, has_alignment_warning FROM okr_key_result"
                " WHERE id = ANY(%s)",
                list(self._ids),
            )
        )
        return {row[0]: row[1:] for row in rows}

    def _okr_note_webhook_changes(self, vals_list, before):
        changes, warned = {}, []
        for kr_id, vals in zip(self._ids, vals_list, strict=True):
            status, warning = before.get(kr_id, (None, None))
            if "status" in vals and vals["status"] != status and status:
                changes[kr_id] = (status, vals["status"])
            if vals.get("has_alignment_warning") and not warning:
                warned.append(kr_id)
        note_status_changes(self.env, changes)
        note_alignment_warnings(self.env, warned)

    # ------------------------------------------------------------------
    # THE COMMIT CALLBACK
    # ------------------------------------------------------------------

    @api.model
    def _okr_commit_changes(self):
        """Run the reactions over the transaction's changes (see the module's
        docstring); registered once, run when the transaction commits."""
        cr = self.env.cr
        data = cr.precommit.data
        if cr in RUNNING:
            return  # run again from within itself: the running one takes it
        # While it runs, what is recorded goes to a list that a precommit
        # run nested in it (a savepoint's flush) does not clear.
        RUNNING[cr] = data.pop(CHANGE_LIST_KEY, None) or Changes()
        run = Changes()
        try:
            for _round in range(MAX_ROUNDS):
                # First what the flush itself changes (what the ORM
                # recomputes), then what the last round wrote.
                self.env.flush_all()
                batch = self._okr_take_changes()
                if not (batch or any(key in data for key in ENGINE_KEYS)):
                    break
                run.merge(batch)
                self._okr_react(VALUE_REACTIONS, batch)
            else:
                _logger.warning("OKR changes still moving after %s rounds", MAX_ROUNDS)
            self._okr_react(AFTER_REACTIONS, run, take_notes=True)
        finally:
            # what changes from here on runs the callback again
            data.pop(REGISTERED_KEY, None)
            left = RUNNING.pop(cr, None)
        if left or any(key in data for key in ENGINE_KEYS):
            # recorded while the last reactions ran: the next run takes them
            self._okr_changes().merge(left or Changes())

    @api.model
    def _okr_react(self, reactions, changes, take_notes=False):
        """Run ``reactions`` over ``changes``; ``take_notes``: with the notes
        the reactions before took (the deal that moved a key result, for
        the outbox)."""
        for reaction in reactions:
            method = getattr(self, reaction.method)
            if reaction.triggers is None:
                if take_notes:
                    changes.take_notes(RUNNING[self.env.cr])
                method(changes)
                continue
            changed = changes.of(reaction.triggers)
            if changed:
                method(changed)

    # ------------------------------------------------------------------
    # REACTIONS
    # ------------------------------------------------------------------

    @api.model
    def _okr_react_rollups(self, changed):
        """Move the roll-ups over what changed: every roll-up it reaches, to
        any depth, computed once, children before parents."""
        children, targets = set(), []
        for kr_id, names in changed.items():
            moved = names & (CHILD_FIELDS | {NOTE_ROLLUP_CHILD})
            if NOTE_ROLLED_UP in names:
                # the roll-ups over it were computed with it, in its pass
                moved = moved - {"current_value"}
            if moved:
                children.add(kr_id)
            if names & (ROLLUP_FIELDS | {NOTE_ROLLUP}):
                targets.append(kr_id)
        targets = set(
            self.browse(targets).filtered(lambda kr: kr.source == SOURCE_ROLLUP).ids
        )
        reached = targets | self._okr_rollup_ancestor_ids(children | targets)
        if reached:
            self.browse(sorted(reached))._okr_refresh_rollups()

    @api.model
    def _okr_note_progress_events(self, changed):
        note_progress(self.env, list(changed))

    @api.model
    def _okr_react_outbox(self, changes):
        if changes.outbox:
            changes.outbox = False
            self.env["okr.webhook.event"].sudo()._okr_write_outbox()

    # ------------------------------------------------------------------
    # THE ENGINE ON THE CHANGED RECORDS
    # ------------------------------------------------------------------

    @api.model
    def _okr_process_pending(self, changes):
        """Run the engine on what the transaction changed (see the engine's
        docstring): the key results whose definition changed, and the
        records of counted models the sources noted."""
        data = self.env.cr.precommit.data
        pending = data.pop(PENDING_KEY, None) or {}
        old_keys = data.pop(OLD_KEYS_KEY, None) or {}
        dependency_changes = data.pop(CHANGES_KEY, None) or {}
        broken = data.pop(BROKEN_KEY, None) or {}
        if broken:
            self._okr_record_broken(broken)
        changed = changes.of(self._okr_definition_triggers())
        if changed:
            # A manager's edit: rebuilt in the manager's transaction, in
            # both modes.
            with engine_settings(self.env.cr):
                self._okr_sync_definitions(set(changed))
        recompute = self._okr_resolve_changes(dependency_changes, pending)
        if recompute:
            # A rate or a company's currency: amounts converted again, in
            # the transaction that changed it.
            key_results = self.browse(recompute).exists()
            with engine_settings(self.env.cr):
                key_results._okr_recompute(key_results.ids)
        if pending:
            self._okr_process_records(pending, old_keys)
