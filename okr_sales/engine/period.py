"""Periods and buckets: the year, quarter or month around a date, and the
stretch (bucket) a key result measured each month or quarter counts a day
in. Plain dates, no cursor: the SQL twin of ``bucket_start`` is
``contributions._bucket_sql``."""

from datetime import date

from odoo.tools import date_utils

# The dates an objective may span. Outside, date arithmetic of the engine
# (the stretch before a period, a bucket's last day) would leave the years
# Python and PostgreSQL know.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)

PERIOD_YEAR = "year"
PERIOD_QUARTER = "quarter"
PERIOD_MONTH = "month"
PERIOD_CUSTOM = "custom"

# Over which stretch a key result's value is measured against its target.
CADENCE_PERIOD = "period"
CADENCE_MONTH = "month"
CADENCE_QUARTER = "quarter"
CADENCE_SELECTION = [
    (CADENCE_PERIOD, "The whole period"),
    (CADENCE_MONTH, "Each month"),
    (CADENCE_QUARTER, "Each quarter"),
]

PERIOD_SELECTION = [
    (PERIOD_YEAR, "Year"),
    (PERIOD_QUARTER, "Quarter"),
    (PERIOD_MONTH, "Month"),
    (PERIOD_CUSTOM, "Custom"),
]


def period_bounds(period_type, reference_date):
    """First and last day of the year/quarter/month holding ``reference_date``.

    Returns None for a custom period, whose dates the user sets by hand.
    """
    if period_type not in (PERIOD_YEAR, PERIOD_QUARTER, PERIOD_MONTH):
        return None
    return (
        date_utils.start_of(reference_date, period_type),
        date_utils.end_of(reference_date, period_type),
    )


def within_bounds(day):
    """Whether ``day`` lies between ``EARLIEST_DATE`` and ``LATEST_DATE``."""
    return EARLIEST_DATE <= day <= LATEST_DATE


# ------------------------------------------------------------------
# Buckets
# ------------------------------------------------------------------


def is_whole_period(cadence):
    """Whether a key result of ``cadence`` is measured over its whole period
    (no cadence: a manual key result)."""
    return cadence in (False, None, CADENCE_PERIOD)


def bucket_start(cadence, day, date_start):
    """First day of the bucket holding ``day`` (not before ``date_start``,
    the period's first day): the period's start, or the month's or
    quarter's, not before the period's."""
    if is_whole_period(cadence):
        return date_start
    return max(date_utils.start_of(day, cadence), date_start)


def bucket_end(cadence, start, date_end):
    """Last day of the bucket starting on ``start``: the period's last day
    ``date_end``, or the month's or quarter's, not after the period's."""
    if is_whole_period(cadence):
        return date_end
    return min(date_utils.end_of(start, cadence), date_end)
