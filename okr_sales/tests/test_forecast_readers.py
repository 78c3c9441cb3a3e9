from datetime import timedelta

from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestForecastForEveryReader(OkrCrmCase):
    """The forecast is an aggregate, as the current value is: whoever reads
    the key result sees the same number, counted over its whole scope. The
    Open Pipeline list shows only the opportunities the reader may read, and
    says when some are out of her sight (never how many)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_kr = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team", target_value=3000.0
        )
        cls.company_kr = cls._new_auto_key_result(
            cls.department, "won_revenue", scope="company", target_value=3000.0
        )
        in_period = cls.period_end - timedelta(days=3)
        cls._new_deal(amount=1000.0).action_set_won()
        # Open in the period: Lan's two, Hung's two, and one of no team.
        cls.lans = cls._new_deal(
            amount=800.0, probability=50.0, date_deadline=in_period
        ) | cls._new_deal(amount=400.0, probability=25.0, date_deadline=in_period)
        cls.hungs = cls._new_deal(
            user=cls.colleague, amount=2000.0, probability=10.0, date_deadline=in_period
        ) | cls._new_deal(
            user=cls.colleague, amount=1000.0, probability=60.0, date_deadline=in_period
        )
        cls.teamless = cls._new_deal(
            user=cls.director,
            amount=500.0,
            probability=40.0,
            date_deadline=in_period,
            team_id=False,
        )
        # Not in any forecast: expected after the period, lost.
        cls._new_deal(
            amount=5000.0, probability=90.0, date_deadline=cls.period_end + timedelta(1)
        )
        lost = cls._new_deal(amount=6000.0, probability=60.0, date_deadline=in_period)
        lost.action_set_lost()
        cls.env.cr.flush()
        cls.readers = (cls.salesperson, cls.leader, cls.director)

    @staticmethod
    def _hand_count(leads):
        """Expected revenue x probability, as the forecast weighs them."""
        return sum(lead.expected_revenue * lead.probability / 100.0 for lead in leads)

    def test_the_readers_are_who_they_should_be(self):
        self.assertTrue(self.director.has_group("okr_sales.group_okr_manager"))
        self.assertFalse(self.director._is_superuser())
        self.assertFalse(self.director.has_group("base.group_erp_manager"))

    def test_every_reader_sees_the_same_forecast(self):
        team_pipeline = self._hand_count(self.lans | self.hungs)
        company_pipeline = team_pipeline + self._hand_count(self.teamless)
        self.assertAlmostEqual(team_pipeline, 400.0 + 100.0 + 200.0 + 600.0)
        for key_result, pipeline in (
            (self.team_kr, team_pipeline),
            (self.company_kr, company_pipeline),
        ):
            self.assertAlmostEqual(key_result.current_value, 1000.0)
            expected = 1000.0 + pipeline
            for user in self.readers:
                # Each reader computes it afresh (the cache is per record).
                self.env.invalidate_all()
                as_user = key_result.with_user(user)
                self.assertAlmostEqual(
                    as_user.forecast_value, expected, msg=f"{user.name}"
                )
                self.assertAlmostEqual(
                    as_user.forecast_progress, 100.0 * expected / 3000.0, places=1
                )
                self.assertTrue(as_user.forecast_summary, user.name)
                # The status weighs the same forecast, whoever triggers it.
                self.assertAlmostEqual(
                    as_user._okr_forecast_progresses()[key_result.id],
                    100.0 * expected / 3000.0,
                    places=1,
                )

    def test_the_forecast_does_not_depend_on_who_read_it_first(self):
        expected = 1000.0 + self._hand_count(self.lans | self.hungs)
        self.env.invalidate_all()
        first = self.team_kr.with_user(self.salesperson).forecast_value
        second = self.team_kr.with_user(self.leader).forecast_value
        third = self.team_kr.forecast_value
        self.assertAlmostEqual(first, expected)
        self.assertAlmostEqual(second, expected)
        self.assertAlmostEqual(third, expected)

    def _listed(self, key_result, user):
        action = key_result.with_user(user).action_open_forecast()
        leads = self.env["crm.lead"].with_user(user).with_context(active_test=False)
        return action, leads.search(action["domain"])

    def test_the_open_pipeline_list_shows_her_own_and_says_some_are_hidden(self):
        action, listed = self._listed(self.team_kr, self.salesperson)
        self.assertEqual(listed, self.lans)
        self.assertFalse(set(action["domain"][0][2]) & set(self.hungs.ids))
        as_lan = self.team_kr.with_user(self.salesperson)
        self.assertEqual(as_lan.forecast_count, 2)
        self.assertTrue(as_lan.has_hidden_pipeline)
        self.assertIn("you may not see", action["help"])
        # The team leader reads the whole team's pipeline: nothing hidden.
        self.env.invalidate_all()
        action, listed = self._listed(self.team_kr, self.leader)
        self.assertEqual(listed, self.lans | self.hungs)
        as_leader = self.team_kr.with_user(self.leader)
        self.assertEqual(as_leader.forecast_count, 4)
        self.assertFalse(as_leader.has_hidden_pipeline)

    def test_an_empty_list_for_lack_of_rights_says_so_not_how_many(self):
        hung_objective = self._new_objective(
            name="Hung's revenue",
            user_id=self.colleague.id,
            date_start=self.period_start,
            date_end=self.period_end,
        )
        hungs_kr = self._new_auto_key_result(
            hung_objective, "won_revenue", scope="owner", target_value=3000.0
        )
        self.env.invalidate_all()
        as_lan = hungs_kr.with_user(self.salesperson)
        self.assertAlmostEqual(as_lan.forecast_value, self._hand_count(self.hungs))
        self.assertEqual(as_lan.forecast_count, 0)
        self.assertTrue(as_lan.has_hidden_pipeline)
        action, listed = self._listed(hungs_kr, self.salesperson)
        self.assertFalse(listed)
        self.assertIn("you may not see", action["help"])
        self.assertNotIn("2", action["help"])  # not how many
