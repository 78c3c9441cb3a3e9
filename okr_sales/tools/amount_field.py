"""The field of key result amounts: Odoo's Monetary, rounded as the
currency is, except where a float has no digit below the units.

Odoo's ``float_round`` nudges a value by its last bit before rounding (to
undo binary representation errors); on a float beyond 2**52, which has no
fraction to round, that nudge moves the amount itself, and moves it again
at each write (1e30 ₫ became 1.0000000000000017e30 after two). Below that,
which is every real amount, this is ``fields.Monetary`` unchanged.
"""

from odoo import fields

from ..engine.totals import WHOLE_FLOATS_FROM


def _whole(value):
    try:
        return abs(float(value or 0.0)) >= WHOLE_FLOATS_FROM
    except (TypeError, ValueError):
        return False  # refused by the input checks, with the field named


class Amount(fields.Monetary):
    def convert_to_column_insert(self, value, record, values=None, validate=True):
        if _whole(value):
            return float(value)
        return super().convert_to_column_insert(value, record, values, validate)

    def convert_to_cache(self, value, record, validate=True):
        if _whole(value):
            return float(value)
        return super().convert_to_cache(value, record, validate)
