from datetime import datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.okr_key_result_history import OkrKeyResultHistory
from .common import OkrCase, OkrCrmCase


@tagged("post_install", "-at_install")
class TestDailyHistory(OkrCrmCase):
    """An automatic key result keeps one point a day: the day's last value."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["okr.key.result"]._okr_today()
        # 10 of 40 days elapsed at the end of today.
        cls.sprint = cls._new_objective(
            name="Autumn push",
            date_start=cls.today - timedelta(days=9),
            date_end=cls.today + timedelta(days=30),
        )
        cls.revenue = cls._new_auto_key_result(
            cls.sprint, "won_revenue", scope="owner", target_value=1000.0
        )
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team", target_value=5000.0
        )

    def _points(self, key_result):
        return self.env["okr.key.result.history"].search(
            [("key_result_id", "=", key_result.id)], order="date, id"
        )

    def test_one_point_a_day_with_the_days_last_value(self):
        self._new_deal(amount=300.0).action_set_won()
        self._commit_point()
        points = self._points(self.revenue)
        self.assertEqual(len(points), 1)
        self.assertEqual(points.date, self.today)
        self.assertAlmostEqual(points.value, 300.0)
        self.assertAlmostEqual(points.progress, 30.0)
        # 1000 x 10 / 40
        self.assertAlmostEqual(points.expected_value, 250.0)
        self.assertFalse(points.checkin_id)
        self._new_deal(amount=200.0).action_set_won()
        self._commit_point()
        points = self._points(self.revenue)
        self.assertEqual(len(points), 1, "the same day's point, updated")
        self.assertAlmostEqual(points.value, 500.0)
        self.assertAlmostEqual(points.progress, 50.0)

    def test_one_statement_for_all_key_results_of_a_transaction(self):
        calls = []
        original = OkrKeyResultHistory._okr_upsert_daily_points

        def counting(model, rows):
            calls.append(sorted(row[0] for row in rows))
            return original(model, rows)

        deals = self._new_deal(amount=100.0) | self._new_deal(amount=50.0)
        deals |= self._new_deal(amount=25.0, user_id=self.colleague.id)
        with patch.object(OkrKeyResultHistory, "_okr_upsert_daily_points", counting):
            for deal in deals:
                deal.action_set_won()
            self._commit_point()
        self.assertEqual(calls, [sorted((self.revenue | self.team_revenue).ids)])
        self.assertAlmostEqual(self._points(self.revenue).value, 150.0)
        self.assertAlmostEqual(self._points(self.team_revenue).value, 175.0)

    def test_a_value_that_does_not_move_writes_no_point(self):
        self._new_deal(amount=100.0, stage_id=self.open_stage.id)
        self._commit_point()
        self.assertFalse(self._points(self.revenue))

    def test_each_day_keeps_its_own_point(self):
        yesterday = self.today - timedelta(days=1)
        with freeze_time(yesterday):
            self._new_deal(amount=300.0).action_set_won()
            self._commit_point()
        self._new_deal(amount=200.0).action_set_won()
        self._commit_point()
        points = self._points(self.revenue)
        self.assertEqual(points.mapped("date"), [yesterday, self.today])
        self.assertEqual(points.mapped("value"), [300.0, 500.0])
        # 1000 x 9 / 40, then 1000 x 10 / 40
        self.assertEqual(points.mapped("expected_value"), [225.0, 250.0])

    def test_a_later_write_in_the_same_commit_is_recorded_too(self):
        """A value written by another precommit callback after the history's
        has run (a roll-up's parent) gets its point in the same commit."""
        revenue = self.revenue.sudo().with_context(tracking_disable=True)
        original = OkrKeyResultHistory._okr_upsert_daily_points
        calls = []

        def late_write():
            # written and flushed inside the same run of the callbacks
            revenue.current_value = 777.0
            revenue.env.flush_all()

        def upsert_then_write_later(model, rows):
            calls.append(len(rows))
            original(model, rows)
            if len(calls) == 1:
                self.env.cr.precommit.add(late_write)

        self._new_deal(amount=300.0).action_set_won()
        with patch.object(
            OkrKeyResultHistory, "_okr_upsert_daily_points", upsert_then_write_later
        ):
            self._commit_point()
        # Both of the deal's key results, then the one written later.
        self.assertEqual(calls, [2, 1])
        self.assertAlmostEqual(self._points(self.revenue).value, 777.0)

    def test_one_daily_point_per_key_result_and_day(self):
        self._new_deal(amount=300.0).action_set_won()
        self._commit_point()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["okr.key.result.history"].sudo().create(
                {"key_result_id": self.revenue.id, "date": self.today, "value": 1}
            )

    def test_salespeople_read_the_history_but_never_write_it(self):
        self._new_deal(amount=300.0).action_set_won()
        self._commit_point()
        point = self._points(self.revenue).with_user(self.colleague)
        self.assertAlmostEqual(point.value, 300.0)
        with self.assertRaises(AccessError):
            point.write({"value": 1.0})
        with self.assertRaises(AccessError):
            point.unlink()
        with self.assertRaises(AccessError):
            self.env["okr.key.result.history"].with_user(self.salesperson).create(
                {"key_result_id": self.revenue.id, "date": self.today, "value": 1}
            )

    def test_history_chart_has_the_value_and_the_pace_line(self):
        self._new_deal(amount=300.0).action_set_won()
        self._commit_point()
        action = self.revenue.action_open_history()
        self.assertEqual(action["res_model"], "okr.key.result.pace.chart")
        chart = self.env[action["res_model"]].with_user(self.colleague)
        rows = chart.search_read(action["domain"], ["date", "series", "amount"])
        self.assertEqual(
            sorted((row["date"], row["series"], row["amount"]) for row in rows),
            [(self.today, "expected", 250.0), (self.today, "value", 300.0)],
        )


@tagged("post_install", "-at_install")
class TestRollupHistory(OkrCrmCase):
    """Roll-ups write their values in a precommit callback of their own,
    after the deal's key results: their points are in the same commit."""

    def test_the_cascade_has_its_points_in_the_deals_commit(self):
        team_revenue = self._new_rollup(self.team_objective, name="Team revenue")
        my_revenue = self._new_auto_key_result(
            self.my_objective,
            "won_revenue",
            scope="owner",
            parent_id=team_revenue.id,
        )
        self._new_deal(amount=1200.0).action_set_won()
        self._commit_point()
        today = my_revenue._okr_today()
        points = self.env["okr.key.result.history"].search(
            [("key_result_id", "in", (team_revenue | my_revenue).ids)]
        )
        self.assertEqual(
            sorted((p.key_result_id.id, p.date, p.value) for p in points),
            sorted([(my_revenue.id, today, 1200.0), (team_revenue.id, today, 1200.0)]),
        )


@tagged("post_install", "-at_install")
class TestCheckinHistory(OkrCase):
    """A manual key result keeps a point per check-in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["okr.key.result"]._okr_today()
        cls.objective = cls._new_objective(
            date_start=cls.today - timedelta(days=9),
            date_end=cls.today + timedelta(days=30),
        )
        cls.trainings = cls._new_key_result(
            cls.objective, name="Run 12 trainings", target_value=12
        )

    def test_check_in_makes_a_point(self):
        checkin = self._check_in(
            self.trainings, 4, confidence=7, comment="Two more booked"
        )
        point = self.trainings.history_ids
        self.assertEqual(len(point), 1)
        self.assertEqual(point.checkin_id, checkin)
        self.assertEqual(
            (point.date, point.value, point.confidence, point.comment),
            (self.today, 4.0, 7, "Two more booked"),
        )
        self.assertAlmostEqual(point.progress, 100 * 4 / 12, places=1)
        self.assertAlmostEqual(point.expected_value, 3.0)  # 12 x 10 / 40

    def test_points_follow_edited_and_deleted_check_ins(self):
        first = self._check_in(self.trainings, 2, date=self.today - timedelta(days=1))
        second = self._check_in(self.trainings, 4)
        self.assertEqual(len(self.trainings.history_ids), 2, "one per check-in")
        second.write({"value": 5, "confidence": 9, "comment": "Ahead"})
        point = self.trainings.history_ids.filtered(lambda p: p.checkin_id == second)
        self.assertEqual(
            (point.value, point.confidence, point.comment), (5, 9, "Ahead")
        )
        first.unlink()
        self.assertEqual(self.trainings.history_ids.checkin_id, second)

    def test_salesperson_check_in_writes_her_point(self):
        key_result = self.trainings.with_user(self.salesperson)
        self.env["okr.checkin"].with_user(self.salesperson).create(
            {"key_result_id": key_result.id, "value": 6, "comment": "Half way"}
        )
        self.assertEqual(key_result.history_ids.mapped("value"), [6.0])
        self.assertAlmostEqual(key_result.history_ids.progress, 50.0)


@tagged("post_install", "-at_install")
class TestHistoryBackfill(OkrCrmCase):
    """The days before a key result's history began, from its records."""

    def test_a_sum_gets_a_point_per_day_its_records_moved(self):
        key_result = self._new_auto_key_result(
            self.my_objective, "won_revenue", scope="owner"
        )
        today = key_result._okr_today()
        days = [
            day
            for day in (today - timedelta(days=20), today - timedelta(days=5))
            if day >= key_result.date_start
        ]
        for amount, day in zip((100.0, 250.0), days, strict=False):
            deal = self._new_deal(amount=amount)
            deal.action_set_won()
            deal.date_closed = datetime.combine(day, time(12, 0))
        self._commit_point()
        History = self.env["okr.key.result.history"]
        self.env.cr.execute(
            "DELETE FROM okr_key_result_history WHERE key_result_id = %s",
            (key_result.id,),
        )
        History._okr_backfill(key_result)
        points = History.search([("key_result_id", "=", key_result.id)])
        # By hand: 100 on the first day, 350 on the second.
        expected = dict(zip(days, (100.0, 350.0), strict=False))
        self.assertEqual({point.date: point.value for point in points}, expected)

    def test_the_transactions_records_are_counted_first(self):
        """A data file creates records, then backfills in the same
        transaction (the demo does): the engine counts them first. A point
        a day, never two, and today's is the engine's."""
        today = self.env["okr.key.result"]._okr_today()
        sprint = self._new_objective(
            name="Autumn push",
            date_start=today - timedelta(days=20),
            date_end=today + timedelta(days=20),
        )
        key_result = self._new_auto_key_result(sprint, "won_revenue", scope="owner")
        first, second = today - timedelta(days=12), today - timedelta(days=4)
        for amount, day in [
            (100.0, first),
            (50.0, first),
            (250.0, second),
            (400.0, today),
            (999.0, today - timedelta(days=30)),  # before the period
        ]:
            deal = self._new_deal(amount=amount)
            deal.action_set_won()
            deal.date_closed = datetime.combine(day, time(3, 0))
        History = self.env["okr.key.result.history"]
        History._okr_backfill(key_result)
        points = History.search([("key_result_id", "=", key_result.id)])
        # By hand: 150 at the end of the first day, 400 of the second, and
        # today 800, written by the engine when it counted the deals.
        self.assertEqual(
            sorted((point.date, point.value) for point in points),
            [(first, 150.0), (second, 400.0), (today, 800.0)],
        )
        # the ideal pace of each day: 1000 x the share of the 41 days elapsed
        self.assertAlmostEqual(
            points.filtered(lambda p: p.date == first).expected_value,
            1000.0 * 9 / 41,
        )
        # Run again (a second call, an upgrade): the same points, not twice.
        History._okr_backfill(key_result)
        again = History.search([("key_result_id", "=", key_result.id)])
        self.assertEqual(len(again), 3)
