"""Pipeline forecast: where a key result that sums or counts won deals will
stand at the end of its period, from the open opportunities.

How to use it: ``forecast_domain`` gives the open records a key result's
forecast takes (its forecast rule, its scope, an expected date in the
current period or bucket); ``weighted_total`` adds them up, each weighted by
its probability. The key result adds the total to its current value: an
aggregate of all the records in its scope, counted as the system, the same
for every reader (``okr.key.result._okr_forecasts``, one statement for
all the key results asked).
"""

import math
from dataclasses import replace

from .contributions import records_domain
from .definitions import CADENCE_PERIOD, MEASURE_COUNT, MEASURE_SUM

# The measures a forecast can follow: a sum or a count of records.
FORECAST_MEASURES = (MEASURE_SUM, MEASURE_COUNT)


def can_forecast(definition, spec):
    """Whether this key result's records have a pipeline to forecast from."""
    return bool(
        spec.forecast_date_field
        and spec.probability_field
        and definition.measure in FORECAST_MEASURES
    )


def forecast_domain(model, definition, spec, rule, today):
    """The open records the forecast of ``definition`` takes: matching
    ``rule`` (the parsed forecast rule), in its scope, expected within the
    bucket the key result shows today (its period, month or quarter)."""
    bucket_start = definition.current_bucket(today)
    bucket_end = definition.bucket_end(bucket_start)
    open_records = replace(
        definition,
        domain=tuple(rule),
        date_field=spec.forecast_date_field,
        cadence=CADENCE_PERIOD,
        date_start=bucket_start,
        date_end=bucket_end,
    )
    return records_domain(model, open_records, spec)


def weighted_total(measure, rows):
    """The records' expected contribution: ``rows`` of ``(amount,
    probability, count)``, ``count`` records of that probability whose
    amounts add up to ``amount`` (in the key result's currency); a count
    adds the probabilities only."""
    if measure == MEASURE_COUNT:
        return math.fsum(
            count * probability / 100.0 for _amount, probability, count in rows
        )
    return math.fsum(amount * probability / 100.0 for amount, probability, _c in rows)
