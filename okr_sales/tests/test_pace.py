import calendar
from datetime import date, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, tagged

from ..engine.progress import (
    AT_RISK_PACE_PARAM,
    ON_TRACK_PACE_PARAM,
    check_pace_thresholds,
    expected_value,
    pace_status,
    pace_thresholds,
)
from .common import OkrCase, OkrCrmCase


@tagged("post_install", "-at_install")
class TestPaceFunctions(BaseCase):
    """The pure functions, against hand computations."""

    def test_expected_value_is_the_straight_line_from_baseline_to_target(self):
        start, end = date(2026, 1, 1), date(2026, 1, 10)
        # End of 4 January: 4 of 10 days elapsed.
        self.assertAlmostEqual(
            expected_value(0, 1000, start, end, date(2026, 1, 4)), 400
        )
        # Lower is better: 20 days down to 12, 40% of the way is 16.8.
        self.assertAlmostEqual(
            expected_value(20, 12, start, end, date(2026, 1, 4)), 16.8
        )

    def test_expected_value_before_and_after_the_period(self):
        start, end = date(2026, 1, 1), date(2026, 1, 10)
        self.assertEqual(expected_value(5, 50, start, end, date(2025, 12, 31)), 5)
        self.assertEqual(expected_value(5, 50, start, end, date(2026, 1, 10)), 50)
        self.assertEqual(expected_value(5, 50, start, end, date(2026, 3, 1)), 50)
        self.assertEqual(expected_value(5, 50, False, False, date(2026, 1, 5)), 5)

    def test_thresholds_decide_the_status(self):
        start, end = date(2026, 1, 1), date(2026, 1, 10)
        today = date(2026, 1, 5)  # pace: 50%
        self.assertEqual(pace_status(45, start, end, today), "on_track")  # >= 45
        self.assertEqual(pace_status(44, start, end, today), "at_risk")  # >= 35
        self.assertEqual(pace_status(34, start, end, today), "off_track")
        self.assertEqual(
            pace_status(25, start, end, today, on_track=0.6, at_risk=0.4),
            "at_risk",  # 25 >= 20, < 30
        )
        self.assertEqual(
            pace_status(30, start, end, today, on_track=0.6, at_risk=0.4), "on_track"
        )
        self.assertEqual(
            pace_status(19, start, end, today, on_track=0.6, at_risk=0.4),
            "off_track",
        )
        self.assertEqual(pace_status(100, start, end, today), "achieved")

    def test_forecast_only_raises_the_status(self):
        start, end = date(2026, 1, 1), date(2026, 1, 10)
        today = date(2026, 1, 5)
        self.assertEqual(pace_status(10, start, end, today), "off_track")
        self.assertEqual(pace_status(10, start, end, today, forecast=95), "on_track")
        self.assertEqual(pace_status(10, start, end, today, forecast=75), "at_risk")
        self.assertEqual(pace_status(10, start, end, today, forecast=5), "off_track")
        self.assertEqual(pace_status(10, start, end, today, forecast=150), "on_track")
        self.assertEqual(pace_status(45, start, end, today, forecast=0), "on_track")

    def test_threshold_checks(self):
        self.assertIsNone(check_pace_thresholds(90, 70))
        self.assertEqual(check_pace_thresholds(70, 90), ("at_risk", "order"))
        self.assertEqual(check_pace_thresholds(70, 70), ("at_risk", "order"))
        self.assertEqual(check_pace_thresholds(120, 70), ("on_track", "range"))
        self.assertEqual(check_pace_thresholds(90, 0), ("at_risk", "range"))
        self.assertEqual(pace_thresholds("60", "40"), (0.6, 0.4))
        # Unusable stored values: the defaults.
        self.assertEqual(pace_thresholds("40", "60"), (0.9, 0.7))
        self.assertEqual(pace_thresholds(False, False), (0.9, 0.7))
        self.assertEqual(pace_thresholds("many", "70"), (0.9, 0.7))


@tagged("post_install", "-at_install")
class TestExpectedValue(OkrCase):
    def test_expected_value_of_a_key_result(self):
        today = self.env["okr.key.result"]._okr_today()
        objective = self._new_objective(
            date_start=today - timedelta(days=9), date_end=today + timedelta(days=30)
        )
        days_to_close = self._new_key_result(
            objective, unit="days", baseline_value=20, target_value=12
        )
        # 10 of 40 days elapsed at the end of today: 20 - 8 x 0.25 = 18.
        self.assertAlmostEqual(days_to_close.expected_value, 18.0)
        self.assertAlmostEqual(days_to_close.expected_progress, 25.0)

    def test_expected_value_before_the_period_is_the_baseline(self):
        today = self.env["okr.key.result"]._okr_today()
        objective = self._new_objective(
            date_start=today + timedelta(days=1), date_end=today + timedelta(days=20)
        )
        key_result = self._new_key_result(objective, baseline_value=10, target_value=50)
        self.assertEqual(key_result.expected_value, 10.0)


@tagged("post_install", "-at_install")
class TestMonthlyExpectedValue(OkrCrmCase):
    def test_monthly_key_result_is_paced_on_the_current_month(self):
        prospects = self._new_auto_key_result(
            self.my_objective, "prospects_met", scope="owner", target_value=50
        )
        today = prospects._okr_today()
        days_in_month = calendar.monthrange(today.year, today.month)[1]
        self.assertAlmostEqual(
            prospects.expected_value, 50.0 * today.day / days_in_month
        )


@tagged("post_install", "-at_install")
class TestPaceSettings(OkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["okr.key.result"]._okr_today()
        # 10 of 20 days elapsed at the end of today: the pace is 50%.
        cls.objective = cls._new_objective(
            date_start=cls.today - timedelta(days=9),
            date_end=cls.today + timedelta(days=10),
        )

    def _save_settings(self, on_track, at_risk):
        self.env["res.config.settings"].create(
            {"okr_on_track_pace": on_track, "okr_at_risk_pace": at_risk}
        ).set_values()

    def test_defaults_are_90_and_70_percent(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.okr_on_track_pace, 90)
        self.assertEqual(settings.okr_at_risk_pace, 70)

    def test_out_of_order_thresholds_are_refused_naming_the_field(self):
        with self.assertRaises(ValidationError) as refused:
            self._save_settings(60, 70)
        self.assertIn("At Risk From", str(refused.exception))
        with self.assertRaises(ValidationError) as refused:
            self._save_settings(120, 70)
        self.assertIn(
            "On Track From (% of Pace) must be above 0", str(refused.exception)
        )
        self.assertEqual(
            self.env["ir.config_parameter"]._okr_pace_thresholds(), (0.9, 0.7)
        )

    def test_direct_parameter_write_is_checked_too(self):
        parameters = self.env["ir.config_parameter"].sudo()
        with self.assertRaises(ValidationError) as refused:
            parameters.set_param(AT_RISK_PACE_PARAM, "95")
        self.assertIn("At Risk From", str(refused.exception))
        parameters.set_param(ON_TRACK_PACE_PARAM, "80")
        self.assertEqual(parameters._okr_pace_thresholds(), (0.8, 0.7))

    def test_status_follows_the_thresholds(self):
        key_result = self._new_key_result(self.objective, target_value=100)
        self._check_in(key_result, 30)  # 30% against a pace of 50%
        objective = key_result.objective_id
        # 30 < 0.7 x 50 = 35: off track with the defaults.
        self.assertEqual(key_result.status, "off_track")
        self.assertEqual(objective.status, "off_track")
        self._save_settings(60, 40)
        # 30 >= 0.6 x 50: on track once saved.
        self.assertEqual(key_result.status, "on_track")
        self.assertEqual(objective.status, "on_track")
        self._save_settings(80, 55)
        # 27.5 <= 30 < 40: at risk.
        self.assertEqual(key_result.status, "at_risk")
        self.assertEqual(objective.status, "at_risk")
