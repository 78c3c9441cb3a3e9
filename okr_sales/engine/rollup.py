"""Roll-ups: a key result whose value comes from the key results under it.

How to use it: the key result model finds a roll-up's children (the key
results aligned under it, or an explicit choice of them) and their values,
converted into the roll-up's currency, and calls ``rollup_value``. The
database side (which roll-ups a change reaches, in SQL) is
``ROLLUP_EDGES_SQL``, walked by ``rollup_ancestors``. Nothing here reads
the ORM.
"""

import math

from odoo.tools import SQL

from .definitions import SOURCE_ROLLUP, UNIT_CURRENCY
from .progress import key_result_progress, weighted_progress

ROLLUP_SUM = "sum"
ROLLUP_AVERAGE = "average"
ROLLUP_MINIMUM = "minimum"
ROLLUP_SHARE_ACHIEVED = "share_achieved"
ROLLUP_WEIGHTED_PROGRESS = "weighted_progress"
ROLLUP_METHOD_SELECTION = [
    (ROLLUP_SUM, "Sum"),
    (ROLLUP_AVERAGE, "Average"),
    (ROLLUP_MINIMUM, "Minimum"),
    (ROLLUP_SHARE_ACHIEVED, "Share of key results achieved (%)"),
    (ROLLUP_WEIGHTED_PROGRESS, "Progress weighted by target (%)"),
]
# Methods that combine the children's values, which must share a unit;
# the share achieved counts children at their target, whatever they measure.
VALUE_METHODS = (ROLLUP_SUM, ROLLUP_AVERAGE, ROLLUP_MINIMUM)
# Methods whose value is a percentage of the children's progress: the
# roll-up's unit is Percent.
PERCENT_METHODS = (ROLLUP_SHARE_ACHIEVED, ROLLUP_WEIGHTED_PROGRESS)
# Methods that weigh the children by their targets, which must share a unit
# (amounts converted into one currency) to be compared.
TARGET_METHODS = (ROLLUP_WEIGHTED_PROGRESS,)


def rollup_value(method, children):
    """The value of a roll-up from ``children``: ``(value, baseline,
    target)`` tuples, values (and, for a method weighing targets, targets)
    already in one unit and currency. None without children: the roll-up
    has nothing to show."""
    if not children:
        return None
    if method == ROLLUP_SHARE_ACHIEVED:
        achieved = sum(
            1
            for value, baseline, target in children
            if key_result_progress(baseline, target, value) >= 100.0
        )
        return 100.0 * achieved / len(children)
    if method == ROLLUP_WEIGHTED_PROGRESS:
        # Each child's progress (0-100: one beyond its target does not make
        # up for another behind) weighs its target: a 15 bn key result counts
        # 150 times a 100 M one. A child aiming at 0 weighs nothing.
        return weighted_progress(
            [
                (key_result_progress(baseline, target, value), abs(target))
                for value, baseline, target in children
            ]
        )
    values = [value for value, _baseline, _target in children]
    if method == ROLLUP_SUM:
        # fsum: the exact sum of the floats, whatever their order.
        return math.fsum(values)
    if method == ROLLUP_AVERAGE:
        return math.fsum(values) / len(values)
    if method == ROLLUP_MINIMUM:
        return min(values)
    raise ValueError(f"unknown roll-up method {method!r}")


# Which live roll-up takes which key result directly: ``(child id, roll-up
# id)``. A roll-up takes its explicit choice of key results
# (``okr_key_result_rollup_rel``), or, without one, those aligned under it
# (``parent_id``). Archived roll-ups take nothing. Read whole, once, and
# cached (``_okr_rollup_graph``): a deal's transaction walks it in memory.
ROLLUP_EDGES_SQL = """
SELECT e.child_id, p.id
  FROM (SELECT r.child_id, r.parent_id FROM okr_key_result_rollup_rel r
        UNION ALL
        SELECT k.id, k.parent_id FROM okr_key_result k
         WHERE k.parent_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM okr_key_result_rollup_rel r
                            WHERE r.parent_id = k.parent_id)) AS e(child_id, parent_id)
  JOIN okr_key_result p ON p.id = e.parent_id
 WHERE p.source = %(rollup)s AND p.active
"""


def rollup_edges_query():
    """The SQL of the roll-up edges (see above)."""
    return SQL(ROLLUP_EDGES_SQL, rollup=SOURCE_ROLLUP)


def rollup_ancestors(graph, key_result_ids, direct=False):
    """The roll-ups over ``key_result_ids`` in ``graph`` (``{child id:
    roll-up ids}``): those taking them directly, or (``direct`` False)
    through other roll-ups too, to any depth. A cycle (refused at save)
    would still end."""
    found = set()
    frontier = set(key_result_ids)
    while frontier:
        parents = set()
        for kr_id in frontier:
            parents.update(graph.get(kr_id, ()))
        frontier = parents - found
        found |= parents
        if direct:
            break
    return found


# The live children of roll-ups ``%(ids)s``: ``(roll-up id, child id, value,
# baseline, target, currency id, last move)``, their explicit choice or,
# without one, the key results aligned under them; the currency only of
# amounts (what is converted); the last move ``(date, model, record id)``.
ROLLUP_CHILDREN_SQL = """
SELECT e.parent_id, c.id, COALESCE(c.current_value, 0),
       COALESCE(c.baseline_value, 0), COALESCE(c.target_value, 0),
       CASE WHEN c.unit = %(currency)s THEN c.currency_id END,
       c.last_moved_date, c.last_moved_model, c.last_moved_res_id
  FROM (SELECT r.parent_id, r.child_id FROM okr_key_result_rollup_rel r
         WHERE r.parent_id = ANY(%(ids)s::int[])
        UNION ALL
        SELECT k.parent_id, k.id FROM okr_key_result k
         WHERE k.parent_id = ANY(%(ids)s::int[])
           AND NOT EXISTS (SELECT 1 FROM okr_key_result_rollup_rel r
                            WHERE r.parent_id = k.parent_id)) AS e(parent_id, child_id)
  JOIN okr_key_result c ON c.id = e.child_id AND c.active
  JOIN okr_objective o ON o.id = c.objective_id AND o.active
 ORDER BY e.parent_id, c.id
"""


def last_mover(moves):
    """``(model, record id)`` of the latest of ``moves``, ``(date, model,
    record id)`` tuples (a date None: never moved), or None."""
    dated = [move for move in moves if move[0] and move[1]]
    if not dated:
        return None
    _date, model, res_id = max(dated, key=lambda move: (move[0], move[1], move[2]))
    return model, res_id


def rollup_children_query(rollup_ids):
    """The SQL of the live children of ``rollup_ids`` (see above)."""
    return SQL(ROLLUP_CHILDREN_SQL, ids=sorted(rollup_ids), currency=UNIT_CURRENCY)
