from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestRuleCount(OkrCrmCase):
    """The count beside a key result's rule is the count of Contributing
    Records: the rule, of whose records, in the period; with the viewer's
    rights, saying so when some are out of her sight."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Won this year: Lan 2 deals, Hung 3. Won last year: Lan 1. Open: 1.
        for user, count in ((cls.salesperson, 2), (cls.colleague, 3)):
            for _i in range(count):
                cls._new_deal(user=user, amount=100.0).action_set_won()
        old = cls._new_deal(amount=100.0)
        old.action_set_won()
        old.date_closed = old.date_closed - relativedelta(years=1)
        cls._new_deal(amount=100.0)
        cls.env.cr.flush()
        cls.mine = cls._new_auto_key_result(cls.my_objective, "won_revenue")
        cls.team_kr = cls._new_auto_key_result(cls.team_objective, "won_revenue")

    def _listed(self, key_result, user):
        action = key_result.with_user(user).action_open_contributing_records()
        return self.env[action["res_model"]].with_user(user).search(action["domain"])

    def test_the_count_is_the_key_results_not_the_rules(self):
        # The rule alone (what the domain widget would count): all won deals
        # of the company, at any date.
        rule_alone = self.env["crm.lead"].search_count(
            [("won_status", "=", "won"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(rule_alone, 6)
        # Lan's key result: her 2 deals won this year; her team's: 5.
        self.assertEqual(self.mine.contribution_count, 2)
        self.assertEqual(self.team_kr.contribution_count, 5)
        for key_result in (self.mine, self.team_kr):
            self.assertEqual(
                len(self._listed(key_result, self.env.user)),
                key_result.contribution_count,
            )
            self.assertFalse(key_result.has_hidden_contributions)

    def test_a_salesperson_sees_her_own_and_is_told_of_the_others(self):
        # Lan reads her own leads only: 2 of her team's 5.
        team_kr = self.team_kr.with_user(self.salesperson)
        self.assertEqual(team_kr.contribution_count, 2)
        self.assertEqual(len(self._listed(self.team_kr, self.salesperson)), 2)
        self.assertTrue(team_kr.has_hidden_contributions)
        mine = self.mine.with_user(self.salesperson)
        self.assertEqual(mine.contribution_count, 2)
        self.assertFalse(mine.has_hidden_contributions)

    def test_an_empty_list_for_lack_of_rights_says_so(self):
        hung_objective = self._new_objective(
            name="Hung's revenue",
            user_id=self.colleague.id,
            date_start=self.period_start,
            date_end=self.period_end,
        )
        hungs = self._new_auto_key_result(hung_objective, "won_revenue")
        self.assertEqual(hungs.contribution_count, 3)
        as_lan = hungs.with_user(self.salesperson)
        self.assertEqual(as_lan.contribution_count, 0)
        self.assertTrue(as_lan.has_hidden_contributions)
        action = as_lan.action_open_contributing_records()
        self.assertFalse(self._listed(hungs, self.salesperson))
        self.assertIn("you may not see", action["help"])
        self.assertNotIn("yet", action["help"])
        self.assertNotIn("3", action["help"])  # not how many
        # Nothing counted at all: "yet", as before.
        empty = self._new_auto_key_result(
            hung_objective, "won_revenue", name="Nothing yet", scope="owner"
        )
        hung_objective.user_id = self.director
        empty.user_id = self.director
        self.env.cr.flush()
        action = empty.with_user(self.salesperson).action_open_contributing_records()
        self.assertFalse(empty.contribution_count)
        self.assertIn("yet", action["help"])
