"""Pipeline coverage of a revenue key result, counted by hand: what is left,
the 12-month win rate by value of its scope, the pipeline needed and how
much of it the weighted open pipeline covers."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestPipelineCoverage(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["okr.key.result"]._okr_today()
        # the period around today: the history below is before it
        (cls.department | cls.team_objective | cls.my_objective).write(
            {
                "date_start": cls.today - timedelta(days=30),
                "date_end": cls.today + timedelta(days=29),
            }
        )
        cls.mine = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", scope="owner", target_value=1000.0
        )
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team", target_value=5000.0
        )

    def _closed(self, amount, days_ago, won=True, user=None):
        deal = self._new_deal(user=user, amount=amount)
        if won:
            deal.action_set_won()
        else:
            deal.action_set_lost()
        deal.date_closed = fields.Datetime.now() - timedelta(days=days_ago)
        return deal

    def _history(self):
        """Lan: won 300 two months ago and 100 today, lost 600 three months
        ago, lost 5,000 thirteen months ago (too old); Hung: won 1,000 and
        lost 1,000 a month and a half ago. An open deal of Lan's at 50 %
        expected this period."""
        self._closed(300.0, 60)
        self._closed(100.0, 0)
        self._closed(600.0, 90, won=False)
        self._closed(5000.0, 400, won=False)
        self._closed(1000.0, 45, user=self.colleague)
        self._closed(1000.0, 45, won=False, user=self.colleague)
        self._new_deal(
            amount=1000.0,
            probability=50.0,
            date_deadline=self.today + timedelta(days=10),
        )
        self._commit_point()
        self.env.invalidate_all()

    def test_her_coverage_by_hand(self):
        self._history()
        self.assertEqual(self.mine.current_value, 100.0)
        # win rate: 400 won of 1,000 closed; left 900; needed 900 / 40 % =
        # 2,250; weighted pipeline 500: 22.2 %, 1,750 more
        self.assertAlmostEqual(self.mine.coverage_win_rate, 40.0)
        self.assertAlmostEqual(self.mine.coverage_needed, 2250.0)
        # shown to a tenth of a percent
        self.assertAlmostEqual(self.mine.coverage_ratio, 100.0 * 500 / 2250, places=1)
        summary = self.mine.coverage_summary
        self.assertIn("1,750", summary)
        self.assertIn("40%", summary)

    def test_the_team_and_every_reader_see_the_same(self):
        self._history()
        # team: won 400 + 1,000, lost 600 + 1,000: 1,400 of 3,000; left 4,900
        expected_rate = 100.0 * 1400 / 3000
        for user in (self.env.user, self.salesperson, self.colleague, self.leader):
            team = self.team_revenue.with_user(user)
            with self.subTest(user=user.name):
                self.assertAlmostEqual(team.coverage_win_rate, expected_rate, places=1)
                self.assertAlmostEqual(
                    team.coverage_needed, 4900.0 * 100 / expected_rate
                )
                self.assertAlmostEqual(
                    team.coverage_ratio,
                    100.0 * 500 / (4900.0 * 100 / expected_rate),
                    places=1,
                )

    def test_her_pipeline_panel_says_it(self):
        self._history()
        panel = (
            self.env["okr.key.result"]
            .with_user(self.salesperson)
            .get_pipeline_panel_data()
        )
        mine = next(kr for kr in panel if kr["id"] == self.mine.id)
        self.assertIn("more pipeline", mine["coverage"])

    def test_nothing_closed_and_nothing_left(self):
        self._new_deal(
            amount=1000.0,
            probability=50.0,
            date_deadline=self.today + timedelta(days=3),
        )
        self._commit_point()
        self.assertIn("No deal closed", self.mine.coverage_summary)
        self.assertEqual(self.mine.coverage_needed, 0.0)
        self._new_deal(amount=1200.0).action_set_won()
        self._commit_point()
        self.env.invalidate_all()
        # achieved: nothing needed
        self.assertFalse(self.mine.coverage_summary)

    def test_only_revenue_key_results_have_it(self):
        self._history()
        conversion = self._new_auto_key_result(
            self.my_objective, "lead_conversion_rate", scope="owner", target_value=20
        )
        days = self._new_auto_key_result(
            self.my_objective, "days_to_close", scope="owner", target_value=12
        )
        self.assertFalse(conversion.coverage_summary)
        self.assertFalse(days.coverage_summary)
