"""Numbers too large to mean anything are refused with the field named,
not left to overflow somewhere below (a weight of 1e308 made the objective's
progress infinite and the save an HTTP 500)."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestNumberBounds(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calls = cls._new_key_result(cls.my_objective, name="Calls")

    def test_an_overflowing_weight_is_refused_with_the_field_named(self):
        for value in (1e308, -1e308, "1e308"):
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "^Weight: .* out of range"),
            ):
                self.calls.with_user(self.salesperson).write({"weight": value})
        self.assertEqual(self.calls.weight, 1.0)

    def test_overflowing_amounts_are_refused_with_the_field_named(self):
        for fname, label in (
            ("target_value", "Target"),
            ("baseline_value", "Baseline"),
        ):
            with (
                self.subTest(field=fname),
                self.assertRaisesRegex(ValidationError, f"^{label}: .* out of range"),
            ):
                self.calls.with_user(self.salesperson).write({fname: 1e308})
        with self.assertRaisesRegex(ValidationError, "^Value: .* out of range"):
            self._check_in(self.calls.with_user(self.salesperson), 1e308)
        with self.assertRaisesRegex(ValidationError, "^Target: .* out of range"):
            self._new_key_result(self.my_objective, target_value=-1e300)

    def test_integers_stay_within_postgresql_int4(self):
        with self.assertRaisesRegex(ValidationError, "^Sequence: .* out of range"):
            self.calls.write({"sequence": 2**31})
        with self.assertRaisesRegex(ValidationError, "^Color Index: .* out of range"):
            self.my_objective.write({"color": -(2**31) - 1})
        checkin = self._check_in(self.calls, 40)
        # refused by the check-in's own 0-10 range first
        with self.assertRaisesRegex(ValidationError, "^Confidence"):
            checkin.confidence = 10**12
        self.calls.sequence = 2**31 - 1
        self.assertEqual(self.calls.sequence, 2**31 - 1)

    def test_large_real_amounts_still_fit(self):
        # a company's yearly revenue in đồng, and the bound itself
        self.calls.write({"target_value": 300e12, "weight": 1e6})
        self.assertEqual(self.calls.target_value, 300e12)
        self.calls.target_value = 2.0**53
        self.assertEqual(self.calls.target_value, 2.0**53)
        self.assertEqual(self.my_objective.progress, 0.0)
