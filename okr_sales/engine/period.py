"""Quick period choices: the year, quarter or month around a date."""

from odoo.tools import date_utils

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
