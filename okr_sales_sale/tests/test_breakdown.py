"""Breakdowns by product, product category and channel, counted by hand."""

from odoo.tests import tagged

from .common import SaleOkrCase


@tagged("post_install", "-at_install")
class TestSaleBreakdown(SaleOkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_revenue = cls._new_sale_key_result(
            cls.team_objective, "order_revenue", scope="team"
        )
        cls.team_orders = cls._new_sale_key_result(
            cls.team_objective, "orders_confirmed", scope="team", target_value=10
        )
        cls.website = cls.env.ref("utm.utm_medium_website")
        cls.direct = cls.env.ref("utm.utm_medium_direct")

    def _current_lines(self, key_result, user=None):
        key_result = key_result.with_user(user) if user else key_result
        action = key_result.action_open_breakdown()
        lines = self.env["okr.breakdown.line"]
        if user:
            lines = lines.with_user(user)
        return lines.search(action["domain"] + [("period", "=", "current")])

    def _sums(self, lines, dimension):
        totals = {}
        for line in lines:
            key = line[dimension].id
            totals[key] = totals.get(key, 0.0) + line.value
        return totals

    def _orders(self):
        # Lan, online: ERP 2 x 300, Onboarding 1 x 150; Hung, direct: CRM 4 x 50,
        # ERP 1 x 300
        lan = self._new_order(
            [(self.product_erp, 2, 300.0), (self.product_training, 1, 150.0)],
            medium_id=self.website.id,
        )
        hung = self._new_order(
            [(self.product_crm, 4, 50.0), (self.product_erp, 1, 300.0)],
            user=self.colleague,
            partner=self.customer_person,
            medium_id=self.direct.id,
        )
        (lan | hung).action_confirm()
        self._commit_point()
        return lan, hung

    def test_revenue_by_product_category_and_channel(self):
        self._orders()
        lines = self._current_lines(self.team_revenue)
        self.assertEqual(len(lines), 4)
        self.assertEqual(
            self._sums(lines, "product_id"),
            {
                self.product_erp.id: 900.0,
                self.product_training.id: 150.0,
                self.product_crm.id: 200.0,
            },
        )
        self.assertEqual(
            self._sums(lines, "product_categ_id"),
            {self.category_software.id: 1100.0, self.category_service.id: 150.0},
        )
        self.assertEqual(
            self._sums(lines, "medium_id"),
            {self.website.id: 750.0, self.direct.id: 500.0},
        )
        self.assertEqual(
            self._sums(lines, "partner_id"),
            {self.customer_company.id: 750.0, self.customer_person.id: 500.0},
        )
        self.assertAlmostEqual(sum(lines.mapped("value")), 1250.0)

    def test_an_order_is_placed_under_its_largest_line(self):
        lan, hung = self._orders()
        lines = self._current_lines(self.team_orders)
        by_order = {line.res_id: line.product_id for line in lines}
        self.assertEqual(
            by_order, {lan.id: self.product_erp, hung.id: self.product_erp}
        )

    def test_a_deal_under_its_orders_product_else_its_customers(self):
        won = self._new_auto_key_result(
            self.team_objective, "won_revenue", scope="team"
        )
        with_order = self._new_deal(amount=100.0)
        self._new_order(
            [(self.product_training, 1, 900.0), (self.product_crm, 1, 100.0)],
            opportunity_id=with_order.id,
        ).action_confirm()
        # the person's deal has no order: her customer bought CRM licences most
        self._new_order(
            [(self.product_crm, 3, 100.0), (self.product_erp, 1, 200.0)],
            partner=self.customer_person,
        ).action_confirm()
        without_order = self._new_deal(amount=50.0, partner=self.customer_person)
        (with_order | without_order).action_set_won()
        self._commit_point()
        products = {line.res_id: line.product_id for line in self._current_lines(won)}
        self.assertEqual(
            products,
            {
                with_order.id: self.product_training,
                without_order.id: self.product_crm,
            },
        )

    def test_a_salesperson_sees_only_her_own_order_lines(self):
        self._orders()
        lines = self._current_lines(self.team_revenue, user=self.salesperson)
        self.assertEqual(
            self._sums(lines, "product_id"),
            {self.product_erp.id: 600.0, self.product_training.id: 150.0},
        )
        self.assertAlmostEqual(
            self.team_revenue.with_user(self.salesperson).current_value, 1250.0
        )
