"""Progress and pace of key results and objectives.

How to use it: the models call ``key_result_progress`` when a key result's
values change, ``weighted_progress`` to roll key results up into their
objective, ``expected_value`` for where a key result should stand today, and
``pace_status`` to say whether an objective or key result keeps pace with the
time elapsed in its period (with the thresholds of ``pace_thresholds``).
Progress values are percentages from 0 to 100.
"""

STATUS_ON_TRACK = "on_track"
STATUS_AT_RISK = "at_risk"
STATUS_OFF_TRACK = "off_track"
STATUS_ACHIEVED = "achieved"
# The period is over and the target was not reached: a final state, no longer
# a pace to catch up with (nor an alert to act on).
STATUS_MISSED = "missed"

# Worst first, as pivots, graphs and group-bys list them: the definition order
# is the order of the groups (``okr.natural.order.mixin``).
STATUS_SELECTION = [
    (STATUS_MISSED, "Missed"),
    (STATUS_OFF_TRACK, "Off track"),
    (STATUS_AT_RISK, "At risk"),
    (STATUS_ON_TRACK, "On track"),
    (STATUS_ACHIEVED, "Achieved"),
]

# A status is "better" than another if it comes later.
STATUS_RANK = {value: rank for rank, (value, _label) in enumerate(STATUS_SELECTION)}
# The statuses that alert the owner.
BEHIND_STATUSES = frozenset({STATUS_AT_RISK, STATUS_OFF_TRACK})

# Share of the expected progress (the part of the period already elapsed) an
# OKR must reach to count as on track, or at least as at risk. The usual
# traffic-light convention of OKR tools: 90% of the pace is fine, below 70% of
# it needs a plan. The defaults of the OKR settings below, in percent.
ON_TRACK_PACE = 0.9
AT_RISK_PACE = 0.7
ON_TRACK_PACE_PARAM = "okr_sales.on_track_pace"
AT_RISK_PACE_PARAM = "okr_sales.at_risk_pace"


def key_result_progress(baseline, target, current):
    """Share of the way from baseline to target, clamped to 0-100.

    Works in both directions: with baseline 20 days and target 12 days, a
    current value of 15 days is 62.5% of the way.
    """
    if target == baseline:
        # Refused at save; a definition that slipped through counts nothing.
        return 0.0
    ratio = (current - baseline) / (target - baseline)
    return max(0.0, min(100.0, 100.0 * ratio))


def weighted_progress(progress_weight_pairs):
    """Weighted mean of ``(progress, weight)`` pairs; 0 without any weight."""
    total_weight = sum(weight for _progress, weight in progress_weight_pairs)
    if total_weight <= 0:
        return 0.0
    weighted = sum(progress * weight for progress, weight in progress_weight_pairs)
    return weighted / total_weight


def expected_progress(date_start, date_end, today):
    """Share of the period [date_start, date_end] elapsed at the end of today."""
    if today < date_start:
        return 0.0
    if today >= date_end:
        return 100.0
    elapsed_days = (today - date_start).days + 1
    period_days = (date_end - date_start).days + 1
    return 100.0 * elapsed_days / period_days


def expected_value(baseline, target, date_start, date_end, today):
    """Where a key result should stand at the end of ``today`` to keep pace:
    baseline + (target - baseline) x the elapsed share of [date_start,
    date_end]. Lower-is-better key results go down from their baseline."""
    if not date_start or not date_end:
        return baseline
    share = expected_progress(date_start, date_end, today) / 100.0
    return baseline + (target - baseline) * share


def check_pace_thresholds(on_track_percent, at_risk_percent):
    """Why the thresholds (in percent of the pace) cannot be used, as
    ``(which, reason)`` with ``which`` "on_track" or "at_risk"; None if they
    can: both above 0 (0 is no threshold at all) and at most 100, at risk
    strictly below on track."""
    for which, value in (("on_track", on_track_percent), ("at_risk", at_risk_percent)):
        if not 0 < value <= 100:
            return which, "range"
    if at_risk_percent >= on_track_percent:
        return "at_risk", "order"
    return None


def pace_thresholds(on_track_text, at_risk_text):
    """``(on_track, at_risk)`` fractions from the settings' stored texts
    (percentages); the defaults for a missing or unusable pair."""
    try:
        on_track, at_risk = float(on_track_text), float(at_risk_text)
    except (TypeError, ValueError):
        return ON_TRACK_PACE, AT_RISK_PACE
    if check_pace_thresholds(on_track, at_risk):
        return ON_TRACK_PACE, AT_RISK_PACE
    return on_track / 100.0, at_risk / 100.0


def _threshold_status(progress, expected, on_track, at_risk):
    if progress >= on_track * expected:
        return STATUS_ON_TRACK
    if progress >= at_risk * expected:
        return STATUS_AT_RISK
    return STATUS_OFF_TRACK


def pace_status(
    progress,
    date_start,
    date_end,
    today,
    on_track=ON_TRACK_PACE,
    at_risk=AT_RISK_PACE,
    forecast=None,
    has_data=True,
):
    """Traffic light of an OKR: achieved, on track, at risk or off track;
    once ``date_end`` is past, its final state: achieved or missed. False
    (no status) while it has no data (``has_data``: no record counted, no
    check-in, its value still the baseline) and its period runs: a key
    result born today is not "off track".

    ``on_track`` and ``at_risk``: the share of the pace (fractions, 0.9 and
    0.7 by default) the progress must reach. ``forecast``: the progress a
    forecast expects at the end of the period, or None; it can only raise
    the status (a deal pipeline that covers the target keeps a key result on
    track that the calendar alone puts behind), never to achieved.
    """
    if progress >= 100.0:
        return STATUS_ACHIEVED
    if not date_start or not date_end:
        return STATUS_ON_TRACK
    if today > date_end:
        # Nothing left to catch up: "at risk" in the next year would be noise.
        return STATUS_MISSED
    if not has_data:
        return False
    expected = expected_progress(date_start, date_end, today)
    status = _threshold_status(progress, expected, on_track, at_risk)
    if forecast is not None:
        by_forecast = _threshold_status(forecast, 100.0, on_track, at_risk)
        status = max(status, by_forecast, key=STATUS_RANK.__getitem__)
    return status
