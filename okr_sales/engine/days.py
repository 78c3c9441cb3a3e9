"""The company's day: the one "today" of a key result, and the day of a moment.

A key result lives in its company's calendar. A deal won at 00:30 in Hanoi on
the 1st belongs to the 1st, and on the 1st the key result shows the new
month: its bucket, its status, its pace, its history point and its alerts
all speak of the same day, whatever the server's clock (UTC) or the reader's
time zone say.

The company's time zone is its partner's; without one, its country's when
the country has a single time zone; else UTC. Never the reader's: two users
of the company see the same day.

Pure functions: a time zone name and a moment in, a day out. Moments are
naive UTC datetimes, as Odoo stores them.
"""

from datetime import UTC as UTC_TZINFO
from datetime import datetime, time

import pytz

UTC = "UTC"


def company_tz(partner_tz, country_code=None):
    """The time zone name of a company whose partner has ``partner_tz`` and
    whose country has the ISO code ``country_code`` (see the module's
    docstring)."""
    if partner_tz and partner_tz in pytz.all_timezones_set:
        return partner_tz
    zones = pytz.country_timezones.get(country_code.upper()) if country_code else None
    if zones and len(zones) == 1:
        return zones[0]
    return UTC


def utc_now():
    """Now, as a naive UTC datetime."""
    return datetime.now(UTC_TZINFO).replace(tzinfo=None)


def day_of(moment, tz_name):
    """The calendar day of ``moment`` in ``tz_name``: a naive UTC datetime,
    or a date (a date field's value, which is a day already). None for no
    moment."""
    if not moment:
        return None
    if not isinstance(moment, datetime):
        return moment
    if tz_name == UTC:
        return moment.date()
    return pytz.utc.localize(moment).astimezone(pytz.timezone(tz_name)).date()


def company_today(tz_name, now=None):
    """Today in ``tz_name`` (at ``now``, a naive UTC datetime, if given)."""
    return day_of(now or utc_now(), tz_name)


def day_start(day, tz_name):
    """The first moment of ``day`` in ``tz_name``, as a naive UTC datetime:
    the bound a datetime field is compared with."""
    midnight = datetime.combine(day, time.min)
    if tz_name == UTC:
        return midnight
    local = pytz.timezone(tz_name).localize(midnight, is_dst=False)
    return local.astimezone(pytz.utc).replace(tzinfo=None)
