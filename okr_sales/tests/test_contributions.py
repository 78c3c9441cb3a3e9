from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestContributions(OkrCrmCase):
    """Links both ways: from a deal to its key results and back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team"
        )
        cls.mine = cls._new_deal(amount=100.0)
        cls.colleagues = cls._new_deal(user=cls.colleague, amount=40.0)
        (cls.mine | cls.colleagues).action_set_won()
        cls.env.cr.flush()

    def test_key_result_opens_exactly_its_records(self):
        self.assertEqual(self.team_revenue.current_value, 140.0)
        self.assertEqual(self.team_revenue.contribution_count, 2)
        action = self.team_revenue.action_open_contributing_records()
        self.assertEqual(action["res_model"], "crm.lead")
        self.assertEqual(
            self.env["crm.lead"].search(action["domain"]), self.mine | self.colleagues
        )

    def test_salesperson_sees_only_her_own_deals_behind_a_team_value(self):
        action = self.team_revenue.with_user(
            self.salesperson
        ).action_open_contributing_records()
        visible = (
            self.env["crm.lead"].with_user(self.salesperson).search(action["domain"])
        )
        self.assertEqual(visible, self.mine)
        # The value itself counts the whole team.
        self.assertEqual(
            self.team_revenue.with_user(self.salesperson).current_value, 140.0
        )

    def test_deal_shows_what_it_contributes(self):
        self.assertEqual(self.mine.okr_key_result_ids, self.team_revenue)
        self.assertEqual(self.mine.okr_key_result_count, 1)
        self.assertEqual(self.mine.okr_contribution_ids.value, 100.0)
        action = self.mine.action_open_okr_key_results()
        self.assertEqual(
            self.env["okr.key.result"].search(action["domain"]), self.team_revenue
        )

    def test_linked_records_count_when_linked_by_hand(self):
        strategic = self.env["okr.key.result"].create(
            {
                "name": "Close 3 strategic deals",
                "objective_id": self.my_objective.id,
                "source": "linked",
                "source_model": "crm.lead",
                "date_field_id": self.env.ref("crm.field_crm_lead__create_date").id,
                "measure": "count",
                "target_value": 3,
            }
        )
        self._commit_point()
        self.assertEqual(strategic.current_value, 0.0)
        self.mine.with_user(self.salesperson).okr_linked_key_result_ids = strategic
        self._commit_point()
        self.assertEqual(strategic.current_value, 1.0)
        self.assertIn(strategic, self.mine.okr_key_result_ids)
        self.mine.okr_linked_key_result_ids = False
        self._commit_point()
        self.assertEqual(strategic.current_value, 0.0)
