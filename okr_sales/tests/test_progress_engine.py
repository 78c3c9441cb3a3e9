from datetime import date

from odoo.tests import BaseCase

from ..engine.period import period_bounds
from ..engine.progress import (
    STATUS_ACHIEVED,
    STATUS_AT_RISK,
    STATUS_OFF_TRACK,
    STATUS_ON_TRACK,
    expected_progress,
    key_result_progress,
    pace_status,
    weighted_progress,
)


class TestProgressEngine(BaseCase):
    """The plain maths, without the ORM."""

    def test_progress_up(self):
        self.assertEqual(key_result_progress(0, 450, 90), 20.0)

    def test_progress_lower_is_better(self):
        # Average days to close: from 20 down to 12, now 15.
        self.assertEqual(key_result_progress(20, 12, 15), 62.5)

    def test_progress_clamped(self):
        self.assertEqual(key_result_progress(0, 10, 25), 100.0)
        self.assertEqual(key_result_progress(0, 10, -5), 0.0)
        self.assertEqual(key_result_progress(20, 12, 25), 0.0)
        self.assertEqual(key_result_progress(20, 12, 8), 100.0)

    def test_progress_target_equals_baseline(self):
        self.assertEqual(key_result_progress(5, 5, 9), 0.0)

    def test_weighted_progress(self):
        self.assertEqual(weighted_progress([(100.0, 2.0), (40.0, 1.0)]), 80.0)
        self.assertEqual(weighted_progress([(100.0, 0.0), (40.0, 0.0)]), 0.0)
        self.assertEqual(weighted_progress([]), 0.0)

    def test_expected_progress(self):
        start, end = date(2026, 1, 1), date(2026, 1, 10)
        self.assertEqual(expected_progress(start, end, date(2025, 12, 31)), 0.0)
        self.assertEqual(expected_progress(start, end, date(2026, 1, 5)), 50.0)
        self.assertEqual(expected_progress(start, end, date(2026, 1, 10)), 100.0)

    def test_pace_status(self):
        start, end = date(2026, 1, 1), date(2026, 1, 10)
        halfway = date(2026, 1, 5)
        self.assertEqual(pace_status(100.0, start, end, halfway), STATUS_ACHIEVED)
        self.assertEqual(pace_status(45.0, start, end, halfway), STATUS_ON_TRACK)
        self.assertEqual(pace_status(36.0, start, end, halfway), STATUS_AT_RISK)
        self.assertEqual(pace_status(30.0, start, end, halfway), STATUS_OFF_TRACK)
        self.assertEqual(
            pace_status(0.0, start, end, date(2025, 12, 1)), STATUS_ON_TRACK
        )

    def test_period_bounds(self):
        day = date(2026, 5, 17)
        self.assertEqual(
            period_bounds("year", day), (date(2026, 1, 1), date(2026, 12, 31))
        )
        self.assertEqual(
            period_bounds("quarter", day), (date(2026, 4, 1), date(2026, 6, 30))
        )
        self.assertEqual(
            period_bounds("month", day), (date(2026, 5, 1), date(2026, 5, 31))
        )
        self.assertIsNone(period_bounds("custom", day))
