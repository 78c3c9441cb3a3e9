"""Bucket totals and their deltas, as plain values: no database here.

A contribution row is what one record gives one key result:
``(bucket, value, in numerator, distinct key)``. A bucket's totals are
``[records, records in the numerator, sum of values, distinct values]``.
Comparing a key result's stored rows with its new ones gives the rows to
delete and insert, and the deltas of its bucket totals
(``{(kr_id, bucket): totals}``) that the fold adds to the stored totals.
"""

import math
from collections import defaultdict
from decimal import Context, Decimal, Inexact, InvalidOperation

from odoo.tools import float_round

from .definitions import SCOPE_COMPANY, SCOPE_OWNER, SCOPE_TEAM

# Two key results' values (floats, for display and progress) closer than
# this are equal: what the alignment checks compare.
VALUE_TOLERANCE = 1e-6
# A stored value is stale when it differs from the computed one by more than
# a float's last bits, relative to its size: a duration of seconds (1e-5
# days) moves as surely as billions of VND, and the stored value stays the
# exact value of its bucket.
STORED_VALUE_REL_TOLERANCE = 1e-12

# Sums are exact: values come from PostgreSQL numerics as Decimals, and are
# added with enough digits for any amount (a float has at most 309 digits
# before the point); an inexact sum would raise, not drift.
EXACT = Context(prec=1000, traps=[Inexact, InvalidOperation])
ZERO = Decimal(0)
# From here on a float has no digit below the units: rounding it to a
# currency changes nothing, and Odoo's float_round, which nudges a value
# by its last bit before rounding, would move it at each write.
WHOLE_FLOATS_FROM = 2.0**52


def value_moved(stored, value):
    """Whether ``stored``, a key result's stored value, is no longer
    ``value``, the one computed from its totals."""
    return not math.isclose(stored, value, rel_tol=STORED_VALUE_REL_TOLERANCE)


def round_amount(value, rounding):
    """``value`` rounded to a currency's ``rounding`` (0.01, 1) as Odoo
    rounds amounts, but unchanged when a float cannot hold a smaller digit
    anyway: an absurd 1e30 stays 1e30, write after write."""
    if not rounding or abs(value) >= WHOLE_FLOATS_FROM:
        return value
    return float_round(value, precision_rounding=rounding)


def new_bucket_deltas():
    """``{(kr_id, bucket): [records, numerator, value sum, distinct]}``,
    zero for a bucket not seen yet."""
    return defaultdict(lambda: [0, 0, ZERO, 0])


def exact(value):
    """``value`` as a Decimal: a numeric read as text (Odoo's cursor reads
    numerics as floats, which are not exact), an int, a Decimal or None."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(value)


def add_delta(bucket_deltas, kr_id, row, sign):
    """Add (``sign`` +1) or withdraw (-1) a contribution row's share."""
    bucket, value, in_numerator, _distinct_key = row
    totals = bucket_deltas[kr_id, bucket]
    totals[0] += sign
    totals[1] += sign if in_numerator else 0
    totals[2] = EXACT.add(totals[2], EXACT.multiply(sign, exact(value)))


def merge_deltas(bucket_deltas, deltas):
    """Add ``deltas`` into ``bucket_deltas``; returns ``bucket_deltas``."""
    for key, totals in deltas.items():
        merged = bucket_deltas.setdefault(key, [0, 0, ZERO, 0])
        merged[0] += totals[0]
        merged[1] += totals[1]
        merged[2] = EXACT.add(merged[2], exact(totals[2]))
        merged[3] += totals[3]
    return bucket_deltas


def same_row(old, new):
    """Whether two contribution rows (or None) say the same."""
    if old is None or new is None:
        return old is new
    return (
        old[0] == new[0]
        and exact(old[1]) == exact(new[1])
        and bool(old[2]) == bool(new[2])
        and old[3] == new[3]
    )


def diff_contributions(
    definition, record_ids, old_rows, new_rows, stale, fresh, bucket_deltas
):
    """Compare a key result's stored and new rows for these records.

    ``old_rows`` maps ``(kr_id, res_id)`` to the stored row, ``new_rows``
    ``res_id`` to the new one. Appends ``(kr_id, res_id)`` of the rows to
    delete to ``stale``, ``(kr_id, res_id, *row)`` of those to insert to
    ``fresh``, and their deltas to ``bucket_deltas``.
    """
    kr_id = definition.id
    for res_id in record_ids:
        old = old_rows.get((kr_id, res_id))
        new = new_rows.get(res_id)
        if same_row(old, new):
            continue
        if old is not None:
            stale.append((kr_id, res_id))
            add_delta(bucket_deltas, kr_id, old, -1)
        if new is not None:
            fresh.append((kr_id, res_id, *new))
            add_delta(bucket_deltas, kr_id, new, +1)


def touched_keys(distinct_ids, stale, fresh, old_rows):
    """``(kr_id, bucket, value)`` of the distinct counts the rows may move:
    a distinct count moves when a value enters or leaves a bucket.
    ``distinct_ids`` are the key results counting distinct values,
    ``old_rows`` the stored rows as ``diff_contributions`` takes them."""
    keys = set()
    for kr_id, res_id in stale:
        if kr_id in distinct_ids:
            bucket, _value, _numerator, key = old_rows[kr_id, res_id]
            keys.add((kr_id, bucket, key))
    for kr_id, _res_id, bucket, _value, _numerator, key in fresh:
        if kr_id in distinct_ids:
            keys.add((kr_id, bucket, key))
    return keys


def same_totals(computed, stored):
    """Whether two ``{bucket: (records, numerator, sum, distinct)}`` agree,
    exactly."""
    if computed.keys() != stored.keys():
        return False
    for bucket, totals in computed.items():
        other = stored[bucket]
        if tuple(totals[:2]) != tuple(other[:2]) or totals[3] != other[3]:
            return False
        if exact(totals[2]) != exact(other[2]):
            return False
    return True


def scope_value(definition):
    """The salesperson, team or company whose records a key result counts."""
    return {
        SCOPE_OWNER: definition.user_id,
        SCOPE_TEAM: definition.team_id,
        SCOPE_COMPANY: definition.company_id,
    }[definition.scope]
