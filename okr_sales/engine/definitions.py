"""What an automatic key result counts, as plain data.

A ``KeyResultDefinition`` is read once from an ``okr.key.result`` record and
handed to the engine; the engine never reads key results through the ORM.
Selection values are the module constants below, imported by the models.
"""

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo.tools import date_utils

from .days import UTC
from .period import (  # noqa: F401 (the cadences, defined with the buckets)
    CADENCE_MONTH,
    CADENCE_PERIOD,
    CADENCE_QUARTER,
    CADENCE_SELECTION,
    bucket_end,
    bucket_start,
)

# Where the value of a key result comes from.
SOURCE_MANUAL = "manual"
SOURCE_AUTOMATIC = "automatic"
SOURCE_LINKED = "linked"
SOURCE_ROLLUP = "rollup"
SOURCE_SELECTION = [
    (SOURCE_MANUAL, "Manual check-ins"),
    (SOURCE_AUTOMATIC, "Automatic: records matching a rule"),
    (SOURCE_LINKED, "Linked records"),
    (SOURCE_ROLLUP, "Roll-up of the key results under it"),
]
# The sources whose value counts records: the engine's.
COUNTING_SOURCES = (SOURCE_AUTOMATIC, SOURCE_LINKED)
COUNTING_SOURCE_SELECTION = [
    item for item in SOURCE_SELECTION if item[0] in COUNTING_SOURCES
]

# When key results follow their records (see engine.py's docstring): the
# system parameter set in the OKR settings.
UPDATE_MODE_PARAM = "okr_sales.update_mode"
UPDATE_TRANSACTION = "transaction"
UPDATE_BACKGROUND = "background"
UPDATE_MODE_SELECTION = [
    (UPDATE_TRANSACTION, "At once, as part of the deal"),
    (UPDATE_BACKGROUND, "A second later, in the background (busy sales floors)"),
]

# Whose records count.
SCOPE_OWNER = "owner"
SCOPE_TEAM = "team"
SCOPE_COMPANY = "company"
SCOPE_SELECTION = [
    (SCOPE_OWNER, "The key result owner's"),
    (SCOPE_TEAM, "Its sales team's"),
    (SCOPE_COMPANY, "The whole company's"),
]

# How the matching records make a value.
MEASURE_COUNT = "count"
MEASURE_SUM = "sum"
MEASURE_AVERAGE = "average"
MEASURE_DURATION = "duration"
MEASURE_DISTINCT = "distinct"
MEASURE_RATIO = "ratio"
MEASURE_RETENTION = "retention"
MEASURE_SELECTION = [
    (MEASURE_COUNT, "Count of records"),
    (MEASURE_SUM, "Sum of a field"),
    (MEASURE_AVERAGE, "Average of a field"),
    (MEASURE_DURATION, "Average duration between two dates"),
    (MEASURE_DISTINCT, "Distinct count of a field"),
    (MEASURE_RATIO, "Ratio of two rules (%)"),
    (MEASURE_RETENTION, "Retention (%)"),
]
# Measures that count distinct values, recounted from the contributions.
DISTINCT_MEASURES = (MEASURE_DISTINCT, MEASURE_RETENTION)
# Measures that have no value without records (an empty average is not 0).
NO_DATA_MEASURES = (MEASURE_AVERAGE, MEASURE_DURATION, MEASURE_RATIO, MEASURE_RETENTION)


# What a key result's value is in (a duration's unit is one of its units).
UNIT_NUMBER = "number"
UNIT_PERCENT = "percent"
UNIT_CURRENCY = "currency"
UNIT_DAYS = "days"
UNIT_HOURS = "hours"
UNIT_SELECTION = [
    (UNIT_NUMBER, "Number"),
    (UNIT_PERCENT, "Percent"),
    (UNIT_CURRENCY, "Currency"),
    (UNIT_DAYS, "Days"),
    (UNIT_HOURS, "Hours"),
]
DURATION_DAYS = UNIT_DAYS
DURATION_HOURS = UNIT_HOURS
DURATION_UNITS = (DURATION_DAYS, DURATION_HOURS)

# Whose objective: its level.
LEVEL_COMPANY = "company"
LEVEL_DEPARTMENT = "department"
LEVEL_TEAM = "team"
LEVEL_INDIVIDUAL = "individual"
LEVEL_SELECTION = [
    (LEVEL_COMPANY, "Company"),
    (LEVEL_DEPARTMENT, "Department"),
    (LEVEL_TEAM, "Team"),
    (LEVEL_INDIVIDUAL, "Individual"),
]


# What a key result field is to its definition (``KeyResultDefinition``).
# A rule says what is counted: only OKR managers change it (a salesperson
# picks a preset). The context places the rule: whose records, which days,
# which currency.
KIND_RULE = "rule"
KIND_CONTEXT = "context"


def _read(kr_field, kind, parse=False):
    """A definition attribute read from the key result field ``kr_field``
    (``parse``: a domain, parsed with ``domains.parse_domain``)."""
    return field(metadata={"field": kr_field, "kind": kind, "parse": parse})


@dataclass(frozen=True)
class KeyResultDefinition:
    """Everything the engine needs to know about one automatic key result.

    The one place that says what a key result counts: each attribute names
    the key result field it is read from. The fields only managers may set,
    the fields whose change rebuilds a key result and the fields a preset
    fills in are all derived from it (``definition_fields``), so a new
    attribute needs no other list.
    """

    id: int
    source: str = _read("source", KIND_RULE)
    model: str = _read("source_model", KIND_RULE)
    domain: tuple = _read("source_domain", KIND_RULE, parse=True)
    numerator_domain: tuple = _read("numerator_domain", KIND_RULE, parse=True)
    date_field: str = _read("date_field_id", KIND_RULE)
    scope: str = _read("scope", KIND_RULE)
    measure: str = _read("measure", KIND_RULE)
    measure_field: str = _read("measure_field_id", KIND_RULE)
    duration_start_field: str = _read("duration_start_field_id", KIND_RULE)
    duration_end_field: str = _read("duration_end_field_id", KIND_RULE)
    duration_unit: str = _read("unit", KIND_RULE)
    first_time_only: bool = _read("first_time_only", KIND_RULE)
    cadence: str = _read("cadence", KIND_RULE)
    user_id: int = _read("user_id", KIND_CONTEXT)
    team_id: int = _read("team_id", KIND_CONTEXT)
    company_id: int = _read("company_id", KIND_CONTEXT)
    date_start: date = _read("date_start", KIND_CONTEXT)
    date_end: date = _read("date_end", KIND_CONTEXT)
    currency_id: int = _read("currency_id", KIND_CONTEXT)
    # The company's time zone (days.company_tz): a datetime is counted on
    # the company's day. Not a key result field: the company's.
    tz: str = UTC

    @classmethod
    def build(cls, kr_id, values, parse, tz=UTC):
        """The definition of key result ``kr_id`` from ``{attribute: value}``
        as the key result fields hold them, in its company's time zone
        ``tz``; ``parse`` turns a domain's text into the domain. The
        defaults of an incomplete form apply."""
        values = dict(values)
        values["scope"] = values["scope"] or SCOPE_OWNER
        values["cadence"] = values["cadence"] or CADENCE_PERIOD
        if values["measure"] != MEASURE_RATIO:
            values["numerator_domain"] = False  # a leftover of another measure
        for name, _field, _kind, is_domain in definition_attributes():
            if is_domain:
                values[name] = parse(values[name]) if values[name] else ()
        return cls(id=kr_id, tz=tz, **values)

    @property
    def key(self):
        """A digest of what the key result counts: it changes exactly when
        the key result must be rebuilt (its company's time zone included:
        the records' days move with it)."""
        text = repr(tuple(getattr(self, f.name) for f in fields(self)[1:]))
        return hashlib.sha1(text.encode()).hexdigest()

    # Buckets: the stretches the value is measured over.

    def bucket_of(self, day):
        """First day of the bucket holding ``day``."""
        if day >= self.date_start:
            return bucket_start(self.cadence, day, self.date_start)
        # before the period (retention looks back): the stretch before it
        if self.cadence == CADENCE_PERIOD:
            return self.previous_start
        return date_utils.start_of(day, self.cadence)

    def bucket_end(self, start):
        return bucket_end(self.cadence, start, self.date_end)

    def previous_bucket(self, start):
        """The bucket before, against which retention is measured."""
        if self.cadence == CADENCE_PERIOD:
            return self.previous_start
        step = relativedelta(months=1 if self.cadence == CADENCE_MONTH else 3)
        return date_utils.start_of(start, self.cadence) - step

    @property
    def previous_start(self):
        """Start of the stretch as long as the period, just before it."""
        return self.date_start - (self.date_end - self.date_start) - timedelta(days=1)

    @property
    def records_start(self):
        """First day of the records that can matter (retention looks back)."""
        if self.measure != MEASURE_RETENTION:
            return self.date_start
        return self.previous_bucket(self.bucket_of(self.date_start))

    def current_bucket(self, today):
        """The bucket a key result shows today: today's, clamped to the period."""
        day = min(max(today, self.date_start), self.date_end)
        return self.bucket_of(day)


def definition_attributes():
    """``(attribute, key result field, kind, parse)`` of every attribute of
    ``KeyResultDefinition`` read from the key result."""
    return tuple(
        (f.name, f.metadata["field"], f.metadata["kind"], f.metadata["parse"])
        for f in fields(KeyResultDefinition)
        if f.metadata
    )


def definition_fields(kind=None):
    """The key result fields a definition is read from (of one kind)."""
    return tuple(
        kr_field
        for _name, kr_field, field_kind, _parse in definition_attributes()
        if kind is None or field_kind == kind
    )


# The key result fields that say what is counted: OKR managers only.
RULE_FIELDS = definition_fields(KIND_RULE)
