"""The demo's orders: one on each deal won this year, with its products and
channel; B2C revenue splits online / offline as counted here by hand."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.okr_sales.tests.common import require_demo

# Untaxed totals of the demo orders, in VND: (order, customer is a company,
# channel)
DEMO_ORDERS = {
    "okr_demo_order_lan_thep": (2_360_000_000, True, "direct"),
    "okr_demo_order_lan_dientu": (1_200_000_000, True, "email"),
    "okr_demo_order_lan_an": (900_000_000, False, "website"),
    "okr_demo_order_lan_hong": (850_000_000, False, "direct"),
    "okr_demo_order_hung_noithat": (1_800_000_000, True, "phone"),
    "okr_demo_order_hung_thucpham": (905_000_000, True, "email"),
    "okr_demo_order_hung_nam": (1_200_000_000, False, "website"),
    "okr_demo_order_ha_logistics": (1_100_000_000, True, "direct"),
    "okr_demo_order_ha_duoc": (700_000_000, True, "phone"),
}


@tagged("post_install", "-at_install")
class TestSaleDemoData(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_demo(cls.env, "okr_sales_sale")
        cls.team = cls.env.ref("okr_sales.okr_team_b2b_hanoi")
        today = cls.env["okr.key.result"]._okr_today()
        cls.objective = cls.env["okr.objective"].create(
            {
                "name": "B2C revenue by channel",
                "level": "team",
                "team_id": cls.team.id,
                "user_id": cls.team.user_id.id,
                "period_type": "custom",
                "date_start": today.replace(month=1, day=1),
                "date_end": today.replace(month=12, day=31),
            }
        )

    def _new_key_result(self, preset):
        key_result = self.env["okr.key.result"].create(
            {
                "name": preset,
                "objective_id": self.objective.id,
                "preset_id": self.env.ref(f"okr_sales_sale.okr_preset_{preset}").id,
                "scope": "team",
                "target_value": 450e9,
            }
        )
        self.env.cr.flush()
        return key_result

    def test_each_won_deal_has_its_confirmed_order(self):
        for xmlid, (total, _b2b, medium) in DEMO_ORDERS.items():
            order = self.env.ref(f"okr_sales_sale.{xmlid}")
            with self.subTest(order=xmlid):
                self.assertEqual(order.state, "sale")
                self.assertEqual(order.amount_untaxed, total)
                self.assertEqual(order.opportunity_id.won_status, "won")
                self.assertEqual(
                    order.medium_id, self.env.ref(f"utm.utm_medium_{medium}")
                )
                # the deal's expected revenue is not raised by its order
                self.assertGreaterEqual(order.opportunity_id.expected_revenue, total)

    def test_b2c_revenue_online_and_offline(self):
        key_result = self._new_key_result("b2c_order_revenue")
        b2c = {x: v for x, v in DEMO_ORDERS.items() if not v[1]}
        self.assertAlmostEqual(
            key_result.current_value, sum(total for total, *_r in b2c.values())
        )
        action = key_result.action_open_breakdown()
        lines = self.env["okr.breakdown.line"].search(
            action["domain"] + [("period", "=", "current")]
        )
        by_medium = {}
        for line in lines:
            name = line.medium_id.name
            by_medium[name] = by_medium.get(name, 0.0) + line.value
        website = self.env.ref("utm.utm_medium_website").name
        direct = self.env.ref("utm.utm_medium_direct").name
        self.assertEqual(by_medium, {website: 2_100_000_000.0, direct: 850_000_000.0})

    def test_b2b_revenue_is_the_company_orders(self):
        key_result = self._new_key_result("b2b_order_revenue")
        self.assertAlmostEqual(
            key_result.current_value,
            sum(total for total, b2b, _m in DEMO_ORDERS.values() if b2b),
        )
