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
