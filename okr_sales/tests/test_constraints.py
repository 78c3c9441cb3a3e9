from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OkrCase


@tagged("post_install", "-at_install")
class TestBadInputIsRefused(OkrCase):
    """Each refusal names the field at fault."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.objective = cls._new_objective()

    def test_target_equal_to_baseline(self):
        with self.assertRaisesRegex(ValidationError, "Target .* Baseline"):
            self._new_key_result(self.objective, baseline_value=12, target_value=12)
        key_result = self._new_key_result(self.objective, target_value=10)
        with self.assertRaisesRegex(ValidationError, "Target .* Baseline"):
            key_result.baseline_value = 10

    def test_end_before_start(self):
        with self.assertRaisesRegex(ValidationError, "End Date .* Start Date"):
            self._new_objective(date_start=date(2026, 6, 30), date_end=date(2026, 4, 1))
        key_result = self._new_key_result(self.objective)
        with self.assertRaisesRegex(ValidationError, "End Date .* Start Date"):
            key_result.write(
                {"date_start": date(2026, 6, 30), "date_end": date(2026, 4, 1)}
            )

    def test_negative_weight(self):
        with self.assertRaisesRegex(ValidationError, "Weight .* negative"):
            self._new_key_result(self.objective, weight=-1)

    def test_alignment_cycle(self):
        child = self._new_objective(parent_id=self.objective.id)
        grandchild = self._new_objective(parent_id=child.id)
        with self.assertRaisesRegex(ValidationError, "Aligned With"):
            self.objective.parent_id = grandchild
        with self.assertRaisesRegex(ValidationError, "Aligned With"):
            self.objective.parent_id = self.objective

    def test_key_result_outside_its_objective_period(self):
        quarter = self._new_objective(
            date_start=date(2026, 4, 1), date_end=date(2026, 6, 30)
        )
        with self.assertRaisesRegex(ValidationError, "Start Date and End Date"):
            self._new_key_result(
                quarter, date_start=date(2026, 3, 1), date_end=date(2026, 6, 30)
            )
        key_result = self._new_key_result(quarter)
        with self.assertRaisesRegex(ValidationError, "Start Date and End Date"):
            key_result.date_end = date(2026, 7, 15)

    def test_key_result_keeps_its_own_dates_inside_the_objective(self):
        april = self._new_key_result(
            self.objective, date_start=date(2026, 4, 1), date_end=date(2026, 4, 30)
        )
        self.objective.write(
            {"date_start": date(2026, 4, 1), "date_end": date(2026, 6, 30)}
        )
        self.assertEqual(april.date_start, date(2026, 4, 1))
        self.assertEqual(april.date_end, date(2026, 4, 30))
        # Shrinking the objective past the key result brings it back inside.
        self.objective.write(
            {"date_start": date(2026, 5, 1), "date_end": date(2026, 6, 30)}
        )
        self.assertEqual(april.date_start, date(2026, 5, 1))
        self.assertEqual(april.date_end, date(2026, 6, 30))

    def test_confidence_out_of_range(self):
        key_result = self._new_key_result(self.objective)
        with self.assertRaisesRegex(ValidationError, "Confidence"):
            self._check_in(key_result, 5, confidence=11)
