"""Roll-ups: a key result whose value comes from the key results under it.

How to use it: the key result model finds a roll-up's children (the key
results aligned under it, or an explicit choice of them) and their values,
converted into the roll-up's currency, and calls ``rollup_value``. The
database side (which roll-ups a change reaches, in SQL) is
``ROLLUP_PARENTS_SQL``. Nothing here reads the ORM.
"""

import math

from odoo.tools import SQL

from .definitions import SOURCE_ROLLUP
from .progress import key_result_progress

ROLLUP_SUM = "sum"
ROLLUP_AVERAGE = "average"
ROLLUP_MINIMUM = "minimum"
ROLLUP_SHARE_ACHIEVED = "share_achieved"
ROLLUP_METHOD_SELECTION = [
    (ROLLUP_SUM, "Sum"),
    (ROLLUP_AVERAGE, "Average"),
    (ROLLUP_MINIMUM, "Minimum"),
    (ROLLUP_SHARE_ACHIEVED, "Share of key results achieved (%)"),
]
# Methods that combine the children's values, which must share a unit;
# the share achieved counts children at their target, whatever they measure.
VALUE_METHODS = (ROLLUP_SUM, ROLLUP_AVERAGE, ROLLUP_MINIMUM)


def rollup_value(method, children):
    """The value of a roll-up from ``children``: ``(value, baseline,
    target)`` tuples, values already in the roll-up's unit and currency.
    None without children: the roll-up has nothing to show."""
    if not children:
        return None
    if method == ROLLUP_SHARE_ACHIEVED:
        achieved = sum(
            1
            for value, baseline, target in children
            if key_result_progress(baseline, target, value) >= 100.0
        )
        return 100.0 * achieved / len(children)
    values = [value for value, _baseline, _target in children]
    if method == ROLLUP_SUM:
        # fsum: the exact sum of the floats, whatever their order.
        return math.fsum(values)
    if method == ROLLUP_AVERAGE:
        return math.fsum(values) / len(values)
    if method == ROLLUP_MINIMUM:
        return min(values)
    raise ValueError(f"unknown roll-up method {method!r}")


# The roll-ups that take key results ``%(ids)s`` into their value, directly
# (``direct``) or through other roll-ups, to any depth: a roll-up takes its
# explicit choice of key results (``okr_key_result_rollup_rel``), or, without
# one, those aligned under it (``parent_id``). UNION, not UNION ALL: a cycle
# (refused at save) would still end. Archived roll-ups take nothing.
_PARENTS_OF = """
    SELECT r.parent_id FROM okr_key_result_rollup_rel r
     WHERE r.child_id = {child}
    UNION ALL
    SELECT k.parent_id FROM okr_key_result k
     WHERE k.id = {child} AND k.parent_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM okr_key_result_rollup_rel r
                        WHERE r.parent_id = k.parent_id)
"""
ROLLUP_ANCESTORS_SQL = """
WITH RECURSIVE up(id) AS (
    SELECT p.id FROM unnest(%(ids)s::int[]) AS s(id)
      CROSS JOIN LATERAL ({seed_parents}) AS e(parent_id)
      JOIN okr_key_result p ON p.id = e.parent_id
     WHERE p.source = %(rollup)s AND p.active
    UNION
    SELECT p.id FROM up
      CROSS JOIN LATERAL ({up_parents}) AS e(parent_id)
      JOIN okr_key_result p ON p.id = e.parent_id
     WHERE p.source = %(rollup)s AND p.active AND NOT %(direct)s
)
SELECT id FROM up
""".format(
    seed_parents=_PARENTS_OF.format(child="s.id"),
    up_parents=_PARENTS_OF.format(child="up.id"),
)


def rollup_ancestors_query(key_result_ids, direct=False):
    """The SQL of the roll-ups over ``key_result_ids`` (see above)."""
    return SQL(
        ROLLUP_ANCESTORS_SQL,
        ids=list(key_result_ids),
        rollup=SOURCE_ROLLUP,
        direct=direct,
    )


# The live children of roll-ups ``%(ids)s``: ``(roll-up id, child id, value,
# baseline, target, currency id)``, their explicit choice or, without one,
# the key results aligned under them.
ROLLUP_CHILDREN_SQL = """
SELECT e.parent_id, c.id, COALESCE(c.current_value, 0),
       COALESCE(c.baseline_value, 0), COALESCE(c.target_value, 0), c.currency_id
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


def rollup_children_query(rollup_ids):
    """The SQL of the live children of ``rollup_ids`` (see above)."""
    return SQL(ROLLUP_CHILDREN_SQL, ids=sorted(rollup_ids))
