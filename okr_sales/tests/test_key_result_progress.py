from odoo.tests import tagged

from .common import OkrCase


@tagged("post_install", "-at_install")
class TestKeyResultProgress(OkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.objective = cls._new_objective()

    def test_new_key_result_stands_at_its_baseline(self):
        days_to_close = self._new_key_result(
            self.objective, unit="days", baseline_value=20, target_value=12
        )
        self.assertEqual(days_to_close.current_value, 20)
        self.assertEqual(days_to_close.progress, 0.0)

    def test_progress_moves_up_with_the_value(self):
        revenue = self._new_key_result(
            self.objective,
            unit="currency",
            baseline_value=0,
            target_value=15_000_000_000,
        )
        self._check_in(revenue, 6_000_000_000)
        self.assertEqual(revenue.current_value, 6_000_000_000)
        self.assertAlmostEqual(revenue.progress, 40.0)

    def test_lower_is_better(self):
        days_to_close = self._new_key_result(
            self.objective, unit="days", baseline_value=20, target_value=12
        )
        self._check_in(days_to_close, 15)
        self.assertAlmostEqual(days_to_close.progress, 62.5)

    def test_progress_is_clamped(self):
        conversion = self._new_key_result(
            self.objective, unit="percent", baseline_value=10, target_value=20
        )
        self._check_in(conversion, 35)
        self.assertEqual(conversion.progress, 100.0)
        self.assertEqual(conversion.status, "achieved")
        self._check_in(conversion, 4)
        self.assertEqual(conversion.progress, 0.0)

    def test_changing_the_target_recomputes_progress(self):
        prospects = self._new_key_result(self.objective, target_value=50)
        self._check_in(prospects, 20)
        self.assertAlmostEqual(prospects.progress, 40.0)
        prospects.target_value = 40
        self.assertAlmostEqual(prospects.progress, 50.0)

    def test_currency_defaults_to_the_company_currency(self):
        revenue = self._new_key_result(self.objective, unit="currency")
        self.assertEqual(revenue.currency_id, self.company.currency_id)
        count = self._new_key_result(self.objective, unit="number")
        self.assertFalse(count.currency_id)

    def test_owner_and_dates_follow_the_objective(self):
        key_result = self._new_key_result(self.objective)
        self.assertEqual(key_result.user_id, self.salesperson)
        self.assertEqual(key_result.date_start, self.year_start)
        self.assertEqual(key_result.date_end, self.year_end)
