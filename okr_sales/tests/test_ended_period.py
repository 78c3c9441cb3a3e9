from datetime import date

from freezegun import freeze_time

from .common import OkrCase

BEHIND = "okr_sales.mail_activity_type_okr_behind_pace"


class TestEndedPeriod(OkrCase):
    """The first quarter of 2026 (90 days), target 100, a manual key result."""

    def setUp(self):
        super().setUp()
        self.objective = self._new_objective(
            name="Q1: expand market share",
            date_start=date(2026, 1, 1),
            date_end=date(2026, 3, 31),
        )

    def _on(self, day):
        return freeze_time(day)

    def _refresh(self, day):
        with self._on(day):
            self.env["okr.objective"]._cron_refresh_status()

    def test_an_ended_period_reads_missed_not_behind(self):
        key_result = self._new_key_result(self.objective, target_value=100)
        with self._on(date(2026, 3, 30)):
            self._check_in(key_result, 80)
            # 80 of 100 the day before the end, 98.9 expected: at risk (80 is
            # at least 70% of 98.9, not 90% of it).
            self.assertEqual(key_result.status, "at_risk")
            self.assertEqual(self.objective.status, "at_risk")
        # The day after its end, the daily job gives the final state.
        self._refresh(date(2026, 4, 1))
        self.assertEqual(key_result.status, "missed")
        self.assertEqual(self.objective.status, "missed")
        # and it stays so in December, out of the "At Risk" filter
        with self._on(date(2026, 12, 1)):
            self.env.add_to_compute(key_result._fields["status"], key_result)
            self.env.add_to_compute(self.objective._fields["status"], self.objective)
            self.env.flush_all()
        self.assertEqual(key_result.status, "missed")
        self.assertNotIn(
            self.objective,
            self.env["okr.objective"].search(
                [("status", "in", ("at_risk", "off_track"))]
            ),
        )

    def test_an_ended_period_reached_reads_achieved(self):
        key_result = self._new_key_result(self.objective, target_value=100)
        with self._on(date(2026, 3, 30)):
            self._check_in(key_result, 100)
            self.env.flush_all()
        self._refresh(date(2026, 4, 1))
        self.assertEqual(key_result.status, "achieved")
        self.assertEqual(self.objective.status, "achieved")

    def test_the_behind_pace_activity_closes_when_the_period_ends(self):
        key_result = self._new_key_result(self.objective, target_value=100)
        with self._on(date(2026, 3, 15)):
            self._check_in(key_result, 10)
            self.assertEqual(key_result.status, "off_track")
            self.env.cr.flush()  # the commit's callbacks: the alert opens
        activity = key_result.alert_activity_id
        self.assertEqual(activity.activity_type_id, self.env.ref(BEHIND))
        self.assertTrue(activity.active)
        with self._on(date(2026, 4, 1)):
            self.env["okr.objective"]._cron_refresh_status()
            self.env.cr.flush()
        self.assertEqual(key_result.status, "missed")
        self.assertFalse(activity.active, "marked done")
        self.assertFalse(key_result.alert_activity_id)
        done = key_result.message_ids.filtered(
            lambda m: "The period is over" in (m.body or "")
        )
        self.assertEqual(len(done), 1)
        self.assertIn("final value 10 for a target of 100", done.body)
        self.assertFalse(
            key_result.message_ids.filtered(lambda m: "Back to" in (m.body or ""))
        )


class TestObjectiveWithoutKeyResults(OkrCase):
    def test_no_key_results_no_status(self):
        objective = self._new_objective(
            date_start=date(2026, 1, 1), date_end=date(2026, 3, 31)
        )
        with freeze_time(date(2026, 3, 15)):
            self.env.add_to_compute(objective._fields["status"], objective)
            self.assertFalse(objective.status, "no key result: nothing is behind")
            off_track = self.env["okr.objective"].search(
                [("status", "=", "off_track"), ("id", "=", objective.id)]
            )
            self.assertFalse(off_track)
            # Its first key result, nothing measured yet: still none; its
            # first check-in gives both a status (10 of 100 in mid-March).
            key_result = self._new_key_result(objective, target_value=100)
            self.assertFalse(key_result.status)
            self.assertFalse(objective.status)
            self._check_in(key_result, 10)
            self.assertEqual(key_result.status, "off_track")
            self.assertEqual(objective.status, "off_track")
            # and it has none again without it
            key_result.unlink()
            self.assertFalse(objective.status)
