from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import OkrCase


@tagged("post_install", "-at_install")
class TestObjective(OkrCase):
    def test_progress_is_the_weighted_mean_of_key_results(self):
        objective = self._new_objective()
        revenue = self._new_key_result(objective, target_value=100, weight=3)
        close_rate = self._new_key_result(objective, target_value=30, weight=1)
        self._check_in(revenue, 50)
        self._check_in(close_rate, 30)
        # (50% x 3 + 100% x 1) / 4
        self.assertAlmostEqual(objective.progress, 62.5)

    def test_zero_weight_key_result_does_not_count(self):
        objective = self._new_objective()
        counted = self._new_key_result(objective, target_value=10)
        ignored = self._new_key_result(objective, target_value=10, weight=0)
        self._check_in(counted, 8)
        self._check_in(ignored, 1)
        self.assertAlmostEqual(objective.progress, 80.0)

    def test_objective_without_key_results_has_no_progress(self):
        self.assertEqual(self._new_objective().progress, 0.0)

    def test_progress_follows_a_removed_key_result(self):
        objective = self._new_objective()
        done = self._new_key_result(objective, target_value=10)
        pending = self._new_key_result(objective, target_value=10)
        self._check_in(done, 10)
        self.assertAlmostEqual(objective.progress, 50.0)
        pending.unlink()
        self.assertAlmostEqual(objective.progress, 100.0)

    def test_quick_period_choice_sets_the_dates(self):
        with Form(self.env["okr.objective"]) as form:
            form.name = "Q2: grow sales revenue"
            form.date_start = date(2026, 5, 17)
            form.period_type = "quarter"
            self.assertEqual(form.date_start, date(2026, 4, 1))
            self.assertEqual(form.date_end, date(2026, 6, 30))
            form.period_type = "year"
            self.assertEqual(form.date_start, date(2026, 1, 1))
            self.assertEqual(form.date_end, date(2026, 12, 31))
            form.period_type = "month"
            self.assertEqual(form.date_end, date(2026, 1, 31))

    def test_new_objective_defaults_to_the_current_quarter(self):
        with freeze_time(date(2026, 11, 26)):
            objective = self.env["okr.objective"].create({"name": "Close the year"})
        self.assertEqual(objective.date_start, date(2026, 10, 1))
        self.assertEqual(objective.date_end, date(2026, 12, 31))
        self.assertEqual(objective.user_id, self.env.user)

    def test_status_compares_progress_with_the_elapsed_period(self):
        objective = self._new_objective()
        key_result = self._new_key_result(objective, target_value=100)
        halfway = date(2026, 7, 2)
        with freeze_time(halfway):
            self._check_in(key_result, 48)
            self.assertEqual(objective.status, "on_track")
            self._check_in(key_result, 38)
            self.assertEqual(objective.status, "at_risk")
            self._check_in(key_result, 10)
            self.assertEqual(objective.status, "off_track")
            self._check_in(key_result, 100)
            self.assertEqual(objective.status, "achieved")

    def test_daily_job_moves_status_with_the_calendar(self):
        objective = self._new_objective()
        key_result = self._new_key_result(objective, target_value=100)
        with freeze_time(date(2026, 1, 10)):
            self._check_in(key_result, 10)
            self.assertEqual(objective.status, "on_track")
        with freeze_time(date(2026, 9, 1)):
            self.env["okr.objective"]._cron_refresh_status()
        self.assertEqual(objective.status, "off_track")
        self.assertEqual(key_result.status, "off_track")

    def test_alignment_tree(self):
        company = self._new_objective(level="company", user_id=self.director.id)
        department = self._new_objective(level="department", parent_id=company.id)
        mine = self._new_objective(parent_id=department.id)
        self.assertEqual(company.child_ids, department)
        self.assertEqual(department.child_ids, mine)
        self.assertEqual(
            self.env["okr.objective"].search([("id", "child_of", company.id)]),
            company | department | mine,
        )

    def test_objective_lists_its_key_results(self):
        objective = self._new_objective()
        key_results = self._new_key_result(objective) | self._new_key_result(objective)
        self.assertEqual(objective.key_result_count, 2)
        action = objective.action_open_key_results()
        self.assertEqual(
            self.env["okr.key.result"].search(action["domain"]), key_results
        )
