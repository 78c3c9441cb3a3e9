"""Where a user lands (issue #25): the Key Results menu opens on her own key
results of the current period, as My OKRs does, through the search view's
own filters."""

from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestLanding(OkrCrmCase):
    def test_key_results_menu_opens_on_mine_of_the_current_period(self):
        menu = self.env.ref("okr_sales.okr_menu_key_results")
        self.assertEqual(menu.action, self.env.ref("okr_sales.okr_key_result_action"))
        as_lan = self.env["ir.actions.act_window"].with_user(self.salesperson)
        context = as_lan._for_xml_id("okr_sales.okr_key_result_action")["context"]
        self.assertIn("'search_default_my_key_results': 1", context)
        self.assertIn("'search_default_current_period': 1", context)
        # the filters they switch on are the search view's own
        search = self.env.ref("okr_sales.okr_key_result_view_search")
        key_results = self.env["okr.key.result"].with_user(self.salesperson)
        arch = key_results.get_views([(search.id, "search")])["views"]["search"]["arch"]
        for name in ("my_key_results", "current_period"):
            self.assertIn(f'name="{name}"', arch)

    def test_objectives_menu_lands_a_manager_on_the_organisation(self):
        home = self.env.ref("okr_sales.okr_objective_action_home")
        self.assertEqual(self.env.ref("okr_sales.okr_menu_objectives").action, home)
        self.assertFalse(self.director._is_superuser())
        as_manager = home.with_user(self.director).run()
        self.assertEqual(as_manager["res_model"], "okr.objective")
        self.assertEqual(as_manager["context"], {"search_default_current_period": 1})
        as_lan = home.with_user(self.salesperson).run()
        self.assertEqual(
            as_lan["context"],
            {"search_default_current_period": 1, "search_default_my_okrs": 1},
        )

    def test_no_empty_level_column_leads(self):
        # her own objectives, grouped by level as the kanban groups them:
        # one column, hers (no empty Company column first, on a phone)
        objectives = self.env["okr.objective"].with_user(self.salesperson)
        groups = objectives.web_read_group(
            [("user_id", "=", self.salesperson.id)], ["level"], ["__count"]
        )["groups"]
        self.assertEqual([group["level"] for group in groups], ["individual"])
        # the organisation, top down: the levels that hold objectives, only
        groups = objectives.web_read_group([], ["level"], ["__count"])["groups"]
        expected = [
            level
            for level in ("company", "department", "team", "individual")
            if objectives.search_count([("level", "=", level)])
        ]
        self.assertEqual([group["level"] for group in groups], expected)
        self.assertGreater(len(expected), 1)
