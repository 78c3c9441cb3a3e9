"""Quick period choices: the year, quarter or month around a date."""

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
