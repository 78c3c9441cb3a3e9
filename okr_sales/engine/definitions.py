"""What an automatic key result counts, as plain data.

A ``KeyResultDefinition`` is read once from an ``okr.key.result`` record and
handed to the engine; the engine never reads key results through the ORM.
Selection values are the module constants below, imported by the models.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo.tools import date_utils

# Where the value of a key result comes from.
SOURCE_MANUAL = "manual"
SOURCE_AUTOMATIC = "automatic"
SOURCE_LINKED = "linked"
SOURCE_SELECTION = [
    (SOURCE_MANUAL, "Manual check-ins"),
    (SOURCE_AUTOMATIC, "Automatic: records matching a rule"),
    (SOURCE_LINKED, "Linked records"),
]

# When key results follow their records (see engine.py's docstring): the
# system parameter set in the OKR settings.
UPDATE_MODE_PARAM = "okr_sales.update_mode"
UPDATE_TRANSACTION = "transaction"
UPDATE_BACKGROUND = "background"
UPDATE_MODE_SELECTION = [
    (UPDATE_TRANSACTION, "In the deal's transaction"),
    (UPDATE_BACKGROUND, "In the background, right after"),
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

# Over which stretch the value is measured against the target.
CADENCE_PERIOD = "period"
CADENCE_MONTH = "month"
CADENCE_QUARTER = "quarter"
CADENCE_SELECTION = [
    (CADENCE_PERIOD, "The whole period"),
    (CADENCE_MONTH, "Each month"),
    (CADENCE_QUARTER, "Each quarter"),
]

DURATION_DAYS = "days"
DURATION_HOURS = "hours"


@dataclass(frozen=True)
class KeyResultDefinition:
    """Everything the engine needs to know about one automatic key result."""

    id: int
    source: str
    model: str
    domain: tuple  # parsed, placeholders filled
    numerator_domain: tuple  # ratio only
    date_field: str
    scope: str
    user_id: int
    team_id: int
    company_id: int
    measure: str
    measure_field: str  # sum, average, distinct, retention
    duration_start_field: str
    duration_end_field: str
    duration_unit: str
    first_time_only: bool
    cadence: str
    date_start: date
    date_end: date
    currency_id: int

    # Buckets: the stretches the value is measured over.

    def bucket_of(self, day):
        """First day of the bucket holding ``day``."""
        if self.cadence == CADENCE_PERIOD:
            return self.date_start if day >= self.date_start else self.previous_start
        start = date_utils.start_of(day, self.cadence)
        return max(start, self.date_start) if day >= self.date_start else start

    def bucket_end(self, bucket_start):
        if self.cadence == CADENCE_PERIOD:
            return self.date_end
        return min(date_utils.end_of(bucket_start, self.cadence), self.date_end)

    def previous_bucket(self, bucket_start):
        """The bucket before, against which retention is measured."""
        if self.cadence == CADENCE_PERIOD:
            return self.previous_start
        step = relativedelta(months=1 if self.cadence == CADENCE_MONTH else 3)
        return date_utils.start_of(bucket_start, self.cadence) - step

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
