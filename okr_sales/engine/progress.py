"""Progress and pace of key results and objectives.

How to use it: the models call ``key_result_progress`` when a key result's
values change, ``weighted_progress`` to roll key results up into their
objective, and ``pace_status`` to say whether an objective or key result
keeps pace with the time elapsed in its period. All values are percentages
from 0 to 100.
"""

STATUS_ON_TRACK = "on_track"
STATUS_AT_RISK = "at_risk"
STATUS_OFF_TRACK = "off_track"
STATUS_ACHIEVED = "achieved"

STATUS_SELECTION = [
    (STATUS_ON_TRACK, "On track"),
    (STATUS_AT_RISK, "At risk"),
    (STATUS_OFF_TRACK, "Off track"),
    (STATUS_ACHIEVED, "Achieved"),
]

# Share of the expected progress (the part of the period already elapsed) an
# OKR must reach to count as on track, or at least as at risk. The usual
# traffic-light convention of OKR tools: 90% of the pace is fine, below 70% of
# it needs a plan.
ON_TRACK_PACE = 0.9
AT_RISK_PACE = 0.7


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


def pace_status(progress, date_start, date_end, today):
    """Traffic light of an OKR: achieved, on track, at risk or off track."""
    if progress >= 100.0:
        return STATUS_ACHIEVED
    if not date_start or not date_end:
        return STATUS_ON_TRACK
    expected = expected_progress(date_start, date_end, today)
    if progress >= ON_TRACK_PACE * expected:
        return STATUS_ON_TRACK
    if progress >= AT_RISK_PACE * expected:
        return STATUS_AT_RISK
    return STATUS_OFF_TRACK
