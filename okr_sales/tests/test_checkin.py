from datetime import date

from odoo.tests import Form, tagged

from .common import OkrCase


@tagged("post_install", "-at_install")
class TestCheckin(OkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.objective = cls._new_objective()
        cls.prospects = cls._new_key_result(
            cls.objective, name="Meet 50 prospects", target_value=50
        )

    def test_checkin_sets_the_current_value_and_keeps_a_snapshot(self):
        checkin = self._check_in(self.prospects, 20, confidence=8)
        self.assertEqual(self.prospects.current_value, 20)
        self.assertAlmostEqual(checkin.progress, 40.0)
        self.assertEqual(self.prospects.last_confidence, 8)
        # A later change of target leaves the history as it was.
        self.prospects.target_value = 40
        self.assertAlmostEqual(checkin.progress, 40.0)
        self.assertAlmostEqual(self.prospects.progress, 50.0)

    def test_latest_checkin_wins(self):
        self._check_in(self.prospects, 30, date=date(2026, 3, 1))
        self._check_in(self.prospects, 10, date=date(2026, 2, 1))
        self.assertEqual(self.prospects.current_value, 30)
        self.assertEqual(self.prospects.last_checkin_date, date(2026, 3, 1))

    def test_correcting_or_removing_a_checkin(self):
        first = self._check_in(self.prospects, 10, date=date(2026, 2, 1))
        last = self._check_in(self.prospects, 25, date=date(2026, 3, 1))
        last.value = 27
        self.assertEqual(self.prospects.current_value, 27)
        last.unlink()
        self.assertEqual(self.prospects.current_value, 10)
        first.unlink()
        self.assertEqual(self.prospects.current_value, 10)

    def test_checkin_button_opens_a_prefilled_form(self):
        self._check_in(self.prospects, 12, confidence=6)
        action = self.prospects.action_checkin()
        self.assertEqual(action["res_model"], "okr.checkin")
        self.assertEqual(action["target"], "new")
        with Form(self.env["okr.checkin"].with_context(**action["context"])) as form:
            self.assertEqual(form.key_result_id, self.prospects)
            self.assertEqual(form.value, 12)
            self.assertEqual(form.confidence, 6)
            form.value = 18
        self.assertEqual(self.prospects.current_value, 18)
