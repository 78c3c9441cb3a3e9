"""Roll-ups: key results whose value comes from the key results under them.

A key result contributes to a key result of a higher objective (its
*Contributes To*). A roll-up key result takes its value from those aligned
under it, or from an explicit choice of key results (*Rolled Up From*): their
sum, average, minimum, the share of them at their target, or their progress
weighted by their targets. It moves in the
transaction that moved a child - a deal won, a ticket closed, a check-in -
through any depth of roll-ups: the values are gathered while the
transaction commits, after the engine's (a reaction of the one commit
callback, ``okr_key_result_changes.py``): every roll-up the changes reach is
locked in one statement before its children are read (in one query), so that
two salespeople's deals never overwrite each other's share of their team's
sum, then computed once, children first.
"""

import logging
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..engine.definitions import SOURCE_ROLLUP, UNIT_CURRENCY, UNIT_PERCENT
from ..engine.rollup import (
    PERCENT_METHODS,
    ROLLUP_METHOD_SELECTION,
    ROLLUP_SHARE_ACHIEVED,
    ROLLUP_SUM,
    TARGET_METHODS,
    VALUE_METHODS,
    last_mover,
    rollup_ancestors,
    rollup_children_query,
    rollup_edges_query,
    rollup_value,
)
from ..engine.totals import value_moved

_logger = logging.getLogger(__name__)

# What a roll-up reads of a child: a change of one moves the roll-ups over it.
CHILD_FIELDS = frozenset(
    {
        "current_value",
        "baseline_value",
        "target_value",
        "active",
        "unit",
        "currency_id",
        "objective_id",
    }
)
# What a roll-up is: a change computes it again.
ROLLUP_FIELDS = frozenset(
    {"source", "rollup_method", "unit", "currency_id", "baseline_value"}
)
# What the roll-up tree is made of: a change clears the cached tree
# (``_okr_rollup_graph``), in every worker.
GRAPH_FIELDS = frozenset({"parent_id", "rollup_child_ids", "source", "active"})
# postcommit data key (it lives until the transaction ends): the transaction
# changed the tree
TREE_CHANGED_KEY = "okr_sales.rollup_tree_changed"


def _rate_text(rate):
    """A rate readable both ways: 25,400.00 or 0.0000393701."""
    return f"{rate:,.2f}" if rate >= 1 else f"{rate:.6g}"


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    parent_id = fields.Many2one(
        "okr.key.result",
        "Contributes To",
        index=True,
        ondelete="set null",
        tracking=True,
        check_company=True,
        domain="[('id', '!=', id)]",
        help="The key result of a higher objective this one counts toward: "
        "a roll-up there takes its value.",
    )
    child_ids = fields.One2many(
        "okr.key.result",
        "parent_id",
        "Aligned Key Results",
        context={"active_test": True},
    )
    rollup_method = fields.Selection(
        ROLLUP_METHOD_SELECTION,
        "Rolled Up As",
        default=ROLLUP_SUM,
        tracking=True,
        help="How a roll-up combines the key results under it. Share achieved: "
        "the percentage of them at or beyond their target. Progress weighted by "
        "target: the average of their progress, each weighing its target (a 15 bn "
        "key result counts 150 times a 100 M one).",
    )
    rollup_child_ids = fields.Many2many(
        "okr.key.result",
        "okr_key_result_rollup_rel",
        "parent_id",
        "child_id",
        "Rolled Up From",
        check_company=True,
        domain="[('id', '!=', id)]",
        help="The key results a roll-up takes its value from. Empty: those "
        "aligned under it (whose Contributes To is this key result).",
    )
    rollup_note = fields.Text(
        readonly=True,
        copy=False,
        help="What a roll-up could not take as it is: no key result under it, "
        "or amounts converted from another currency.",
    )

    # ------------------------------------------------------------------
    # THE TREE
    # ------------------------------------------------------------------

    def _okr_rollup_children(self):
        """The key results this roll-up takes its value from: live ones of
        its explicit choice, or of those aligned under it."""
        self.ensure_one()
        children = self.rollup_child_ids or self.child_ids
        return children.filtered(lambda kr: kr.active and kr.objective_id.active)

    @api.model
    def _okr_rollup_parent_ids(self, key_result_ids, direct=True):
        """Ids of the live roll-ups taking ``key_result_ids``: directly, or
        (``direct`` False) through other roll-ups too."""
        if not key_result_ids:
            return set()
        return rollup_ancestors(self._okr_rollup_graph_now(), key_result_ids, direct)

    @api.model
    def _okr_rollup_graph_now(self):
        """The tree as this transaction sees it: ``{key result id: frozenset
        of the live roll-ups taking it directly}``."""
        if self.env.cr.postcommit.data.get(TREE_CHANGED_KEY):
            # This transaction changed the tree: read as it stands here,
            # never cached (a savepoint may still roll the change back).
            return self._okr_read_rollup_graph()
        return self._okr_rollup_graph()

    @api.model
    @tools.ormcache()
    def _okr_rollup_graph(self):
        """The tree (``_okr_read_rollup_graph``), cached until it changes
        (``GRAPH_FIELDS``): every deal asks which roll-ups its key results
        reach, and the tree changes only when managers align key results."""
        return self._okr_read_rollup_graph()

    @api.model
    def _okr_read_rollup_graph(self):
        """``{key result id: frozenset of the live roll-ups taking it
        directly}``."""
        graph = defaultdict(set)
        for child_id, parent_id in self.env.execute_query(rollup_edges_query()):
            graph[child_id].add(parent_id)
        return {child_id: frozenset(parents) for child_id, parents in graph.items()}

    def _okr_rollup_graph_changed(self):
        # Cleared in this worker now, in the others at the commit.
        self.env.cr.postcommit.data[TREE_CHANGED_KEY] = True
        self.env.registry.clear_cache()

    @api.model
    def _okr_rollup_ancestor_ids(self, key_result_ids):
        """Ids of the live roll-ups over ``key_result_ids``, to any depth:
        what a change of them moves, locked with them (see the engine)."""
        return self._okr_rollup_parent_ids(key_result_ids, direct=False)

    # ------------------------------------------------------------------
    # CHECKS AT SAVE
    # ------------------------------------------------------------------

    @api.constrains(
        "source",
        "rollup_method",
        "rollup_child_ids",
        "parent_id",
        "unit",
        "currency_id",
    )
    def _check_rollup(self):
        self.env.flush_all()
        rollups = self.filtered(lambda kr: kr.source == SOURCE_ROLLUP)
        parents = self.browse(self._okr_rollup_parent_ids(self.ids))
        for rollup in (rollups | parents).sudo():
            rollup._check_rollup_cycle()
            rollup._check_rollup_units()

    def _check_rollup_cycle(self):
        if self.id in self._okr_rollup_ancestor_ids([self.id]):
            raise ValidationError(
                self.env._(
                    "%(field)s: key result “%(name)s” would take its value from "
                    "itself, through the key results under it. A roll-up takes "
                    "only key results below it.",
                    field=self._fields["rollup_child_ids"].string,
                    name=self.name,
                )
            )

    def _check_rollup_units(self):
        """Values summed, averaged or compared must measure the same thing,
        and so must targets weighed against each other; amounts of another
        currency are converted (and the roll-up says so)."""
        if self.rollup_method in PERCENT_METHODS:
            if self.unit != UNIT_PERCENT:
                if self.rollup_method == ROLLUP_SHARE_ACHIEVED:
                    raise ValidationError(
                        self.env._(
                            "Unit: the share of key results achieved of “%(name)s” "
                            "is a percentage; set its unit to Percent.",
                            name=self.name,
                        )
                    )
                raise ValidationError(
                    self.env._(
                        "Unit: the progress weighted by target of “%(name)s” is "
                        "a percentage; set its unit to Percent.",
                        name=self.name,
                    )
                )
            if self.rollup_method in TARGET_METHODS:
                self._check_rollup_target_units()
            return
        units = dict(self._fields["unit"]._description_selection(self.env))
        for child in self._okr_rollup_children():
            if child.unit != self.unit:
                raise ValidationError(
                    self.env._(
                        "%(field)s: “%(child)s” is measured in %(child_unit)s and "
                        "“%(name)s” in %(unit)s: a %(method)s cannot mix them. "
                        "Choose key results of the same unit, or roll up the "
                        "share achieved.",
                        field=self._fields["rollup_child_ids"].string,
                        child=child.name,
                        child_unit=units.get(child.unit, child.unit),
                        name=self.name,
                        unit=units.get(self.unit, self.unit),
                        method=dict(
                            self._fields["rollup_method"]._description_selection(
                                self.env
                            )
                        )[self.rollup_method].lower(),
                    )
                )

    def _check_rollup_target_units(self):
        """Targets weighed against each other must share a unit (amounts of
        other currencies are converted)."""
        children = self._okr_rollup_children()
        units = dict(self._fields["unit"]._description_selection(self.env))
        for child in children[1:]:
            if child.unit != children[0].unit:
                raise ValidationError(
                    self.env._(
                        "%(field)s: “%(child)s” is measured in %(child_unit)s and "
                        "“%(first)s” in %(first_unit)s: the progress of “%(name)s” "
                        "weighs their targets against each other. Choose key "
                        "results of the same unit, or roll up the share achieved.",
                        field=self._fields["rollup_child_ids"].string,
                        child=child.name,
                        child_unit=units.get(child.unit, child.unit),
                        first=children[0].name,
                        first_unit=units.get(children[0].unit, children[0].unit),
                        name=self.name,
                    )
                )

    # ------------------------------------------------------------------
    # WHO MAY CHANGE THE TREE
    # ------------------------------------------------------------------

    def _okr_check_alignment_access(self, old_parents):
        """Aligning a key result under a roll-up moves the roll-up's value:
        an OKR manager's decision, as the roll-up itself is."""
        if self.env.su or self.env.user._okr_is_manager():
            return
        moved = (old_parents | self.parent_id).sudo()
        if any(
            parent.source == SOURCE_ROLLUP and not parent.rollup_child_ids
            for parent in moved
        ):
            raise AccessError(
                self.env._(
                    "Only OKR managers can align a key result under a roll-up, or "
                    "take it out: the roll-up's value would change."
                )
            )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------
    # Imported right after okr_key_result.py: in the MRO just above the
    # model's own class (a mixin, it was just below). The lock and input
    # checks still run first (okr_key_result_access.py).

    @api.model_create_multi
    def create(self, vals_list):
        key_results = super().create(vals_list)
        if any(
            vals.get("parent_id")
            or vals.get("rollup_child_ids")
            or vals.get("source") == SOURCE_ROLLUP
            for vals in vals_list
        ):
            self._okr_rollup_graph_changed()
        key_results._okr_check_alignment_access(self.browse())
        key_results._okr_note_rollup_children()
        key_results._okr_note_rollup_targets()
        return key_results

    def write(self, vals):
        if "current_value" in vals and not self.env.su:
            # A value typed is a check-in: the model's write splits it off
            # and writes the rest again, through here.
            return super().write(vals)
        old_parents = self.parent_id if "parent_id" in vals else self.browse()
        graph_changed = GRAPH_FIELDS.intersection(vals)
        if graph_changed:
            self._okr_rollup_graph_changed()
        result = super().write(vals)
        if graph_changed:
            # again: the tree may have been read before the relation moved
            self._okr_rollup_graph_changed()
        if "parent_id" in vals:
            self._okr_check_alignment_access(old_parents)
            # the roll-up it left
            old_parents._okr_note_rollup_targets()
            self._okr_note_rollup_children()
        if {"rollup_child_ids", "rollup_method", "source"} & vals.keys():
            self._okr_note_rollup_targets()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_note_rollups(self):
        # Found now: afterwards nothing leads from the key results to them.
        parents = self.browse(self._okr_rollup_parent_ids(self.ids)) - self
        parents._okr_note_rollup_targets()

    def unlink(self):
        result = super().unlink()
        # after: the database unlinks the relations (set null, cascade)
        self._okr_rollup_graph_changed()
        return result

    # ------------------------------------------------------------------
    # VALUES
    # ------------------------------------------------------------------

    def _okr_refresh_rollups(self):
        """Compute these roll-ups (and all the roll-ups over them: the set
        is closed upward) from their children's stored values, locked first,
        in one statement: a concurrent transaction's change of a sibling is
        waited for and seen, never overwritten. The children are read in SQL
        after the lock, in one query, whatever their number."""
        if not self.ids:
            return
        stored = dict(
            self.env.execute_query(
                SQL(
                    "SELECT k.id, COALESCE(k.current_value, 0) FROM okr_key_result k"
                    " JOIN okr_objective o ON o.id = k.objective_id"
                    # an archived one (a closed period) keeps its last value
                    " WHERE k.id IN %s AND k.source = %s AND k.active AND o.active"
                    " ORDER BY k.id FOR UPDATE OF k",
                    tuple(self.ids),
                    SOURCE_ROLLUP,
                )
            )
        )
        if not stored:
            return
        children_of = defaultdict(list)
        for parent_id, *child in self.env.execute_query(rollup_children_query(stored)):
            children_of[parent_id].append(child)
        rollups = self.sudo().with_context(tracking_disable=True).browse(stored)
        computed, moved, movers, todays = {}, {}, {}, {}
        now = self.env.cr.now()
        for rollup in rollups._okr_children_first(children_of):
            rows = children_of[rollup.id]
            children = [
                (computed.get(child_id, value), baseline, target, currency_id)
                for child_id, value, baseline, target, currency_id, *_move in rows
            ]
            # the rates of its company's today
            company = rollup.company_id
            if company not in todays:
                todays[company] = rollup._okr_today()
            value, note = rollup._okr_rollup_result(children, todays[company])
            if value is None:
                value = rollup.baseline_value
            computed[rollup.id] = value
            if value_moved(stored[rollup.id], value):
                moved[rollup.id] = value
                # moved by what moved its latest child: a roll-up moved in
                # this pass, by its own
                mover = last_mover(
                    (now, *movers[row[0]]) if row[0] in movers else tuple(row[5:])
                    for row in rows
                )
                if mover:
                    movers[rollup.id] = mover
            if (rollup.rollup_note or False) != (note or False):
                rollup.rollup_note = note
        # one statement, as the engine's values (see _okr_write_values)
        self._okr_write_values(moved, rolled_up=True, movers=movers)

    def _okr_children_first(self, children_of):
        """These roll-ups ordered so that each comes after the roll-ups it
        takes (``children_of``: ``{id: [(child id, ...)]}``); ids order
        otherwise (a cycle, refused at save, ends it)."""
        below = {
            rollup.id: {row[0] for row in children_of[rollup.id]} & set(self.ids)
            for rollup in self
        }
        ordered = []
        while below:
            ready = sorted(
                kr_id for kr_id, ids in below.items() if not ids & below.keys()
            )
            for kr_id in ready or [min(below)]:
                ordered.append(kr_id)
                del below[kr_id]
        return self.browse(ordered)

    def _okr_rollup_currency(self):
        """The currency the children's amounts are converted into before
        they are combined: the roll-up's own for a sum, average or minimum
        of amounts, its company's for targets weighed against each other;
        none otherwise."""
        if self.rollup_method in VALUE_METHODS and self.unit == UNIT_CURRENCY:
            return self.currency_id
        if self.rollup_method in TARGET_METHODS:
            return self.company_id.currency_id
        return self.env["res.currency"]

    def _okr_rollup_result(self, children, today):
        """``(value or None, note)`` of this roll-up from its ``children``:
        ``(value, baseline, target, currency id)`` rows (the currency of
        amounts only)."""
        self.ensure_one()
        if not children:
            return None, self.env._(
                "No key result to roll up: align key results under this one "
                "(their Contributes To) or choose them in Rolled Up From. The "
                "value stays at the baseline."
            )
        rows, rates = [], {}
        into = self._okr_rollup_currency()
        for value, baseline, target, currency_id in children:
            if into and currency_id and currency_id != into.id:
                currency = self.env["res.currency"].browse(currency_id)
                rates[currency] = currency._convert(
                    1.0, into, self.company_id, today, round=False
                )
                # all three: a child's progress is the same in any currency
                value, baseline, target = (
                    currency._convert(amount, into, self.company_id, today, round=False)
                    for amount in (value, baseline, target)
                )
            rows.append((value, baseline, target))
        # Not rounded to the currency: the sum of the children as they are.
        value = rollup_value(self.rollup_method, rows)
        note = False
        if rates:
            note = self.env._(
                "Amounts in other currencies are converted at the rate of "
                "%(date)s: %(rates)s.",
                date=fields.Date.to_string(today),
                rates="; ".join(
                    f"1 {currency.name} = {_rate_text(rate)} {into.name}"
                    for currency, rate in sorted(rates.items(), key=lambda i: i[0].name)
                ),
            )
        return value, note
