"""Random order work (and deals beside it), then every incremental value
equals a count by hand from the orders' own lines and a rebuild from
scratch."""

import os
import random

from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.okr_sales.tests.common import ERASED

from .common import SaleOkrCase

SEED = int(os.environ.get("OKR_RANDOM_SEED", "20261207"))
OPERATIONS = 200


@tagged("post_install", "-at_install")
class TestOrderIncrementalAgreesWithRecompute(SaleOkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_sale_key_result
        cls.my_revenue = new(cls.my_objective, "order_revenue", scope="owner")
        cls.team_revenue = new(cls.team_objective, "order_revenue", scope="team")
        cls.b2c_revenue = new(cls.department, "b2c_order_revenue", scope="company")
        cls.my_orders = new(
            cls.my_objective, "orders_confirmed", scope="owner", target_value=50
        )
        cls.new_customers = new(
            cls.department, "new_customers_orders", scope="company", target_value=5
        )
        cls.won_revenue = cls._new_auto_key_result(
            cls.department, "won_revenue", scope="company"
        )
        cls.key_results = (
            cls.my_revenue
            | cls.team_revenue
            | cls.b2c_revenue
            | cls.my_orders
            | cls.new_customers
            | cls.won_revenue
        )
        # an order is its own sales team's, whoever of them sells it
        cls.users = cls.salesperson | cls.colleague | cls.leader
        cls.customers = cls.customer_company | cls.customer_person
        cls.products = cls.product_erp | cls.product_crm | cls.product_training

    # The random operations

    def _new_quotation(self):
        lines = [
            (
                self.rng.choice(self.products),
                self.rng.choice([1, 2, 5]),
                self.rng.choice([10.0, 99.5, 300.0]),
            )
            for _i in range(self.rng.choice([1, 2, 3]))
        ]
        order = self._new_order(
            lines,
            user=self.rng.choice(self.users),
            partner=self.rng.choice(self.customers),
        )
        self.order_ids.append(order.id)

    def _confirm(self, order):
        if order.state in ("draft", "sent"):
            order.action_confirm()

    def _cancel(self, order):
        if order.state != "cancel":
            order._action_cancel()

    def _back_to_quotation(self, order):
        if order.state == "cancel":
            order.action_draft()

    def _change_price(self, order):
        if order.locked or not order.order_line:
            return
        line = self.rng.choice(order.order_line)
        line.price_unit = self.rng.choice([0.0, 42.0, 150.0])

    def _change_quantity(self, order):
        if order.locked or not order.order_line:
            return
        self.rng.choice(order.order_line).product_uom_qty = self.rng.choice([0, 1, 3])

    def _add_line(self, order):
        if order.locked or order.state == "cancel":
            return
        order.order_line = [
            Command.create(
                {
                    "product_id": self.rng.choice(self.products).id,
                    "product_uom_qty": 1,
                    "price_unit": 20.0,
                    "discount": self.rng.choice([0.0, 10.0]),
                    "tax_ids": [Command.clear()],
                }
            )
        ]

    def _reassign(self, order):
        order.user_id = self.rng.choice(self.users)

    def _change_customer(self, order):
        if order.state in ("draft", "sent"):
            order.partner_id = self.rng.choice(self.customers)

    def _lock_or_unlock(self, order):
        if order.state == "sale":
            order.locked = not order.locked

    def _delete(self, order):
        if order.state in ("draft", "cancel"):
            order.unlink()

    def _win_a_deal(self, _order):
        self._new_deal(amount=self.rng.choice([10.0, 250.0])).action_set_won()

    def _live_orders(self):
        return self.env["sale.order"].browse(self.order_ids).exists()

    # What the engine keeps, and what it should hold

    def _hand_counts(self):
        """Counted from the orders' state, date and lines (quantity, price,
        discount), not from the stored subtotals."""
        start, end = self.period_start, self.period_end
        orders = self.env["sale.order"].search(
            [("company_id", "=", self.company.id), ("state", "=", "sale")]
        )
        orders = orders.filtered(lambda o: start <= o.date_order.date() <= end)

        def revenue(selected):
            return sum(
                line.product_uom_qty * line.price_unit * (1 - line.discount / 100)
                for line in selected.order_line
                if not line.display_type
            )

        mine = orders.filtered(lambda o: o.user_id == self.salesperson)
        won = self.env["crm.lead"].search(
            [("company_id", "=", self.company.id), ("won_status", "=", "won")]
        )
        return {
            self.my_revenue: revenue(mine),
            self.team_revenue: revenue(
                orders.filtered(lambda o: o.team_id == self.team)
            ),
            self.b2c_revenue: revenue(
                orders.filtered(lambda o: not o.partner_id.is_company)
            ),
            self.my_orders: len(mine),
            self.new_customers: len(orders.partner_id),
            self.won_revenue: sum(
                won.filtered(
                    lambda lead: start <= lead.date_closed.date() <= end
                ).mapped("expected_revenue")
            ),
        }

    def test_random_order_operations(self):
        self.assertFalse(self.customer_person.is_company)
        self.assertTrue(self.customer_company.is_company)
        self.rng = random.Random(SEED)
        self.order_ids = []
        operations = [
            self._confirm,
            self._confirm,
            self._confirm,
            self._cancel,
            self._back_to_quotation,
            self._change_price,
            self._change_quantity,
            self._add_line,
            self._reassign,
            self._change_customer,
            self._lock_or_unlock,
            self._delete,
            self._win_a_deal,
        ]
        done = []
        for _i in range(OPERATIONS):
            live = self._live_orders()
            if len(live) < 5 or self.rng.random() < 0.2:
                self._new_quotation()
                done.append("quotation")
            else:
                operation = self.rng.choice(operations)
                operation(self.rng.choice(live))
                done.append(operation.__name__)
            if self.rng.random() < 0.2:
                self._commit_point()
        self._commit_point()
        incremental = self._engine_snapshot(self.key_results)

        for key_result, expected in self._hand_counts().items():
            self.assertAlmostEqual(
                incremental[0][key_result.id],
                expected,
                places=2,
                msg=f"seed {SEED}: {key_result.name} ({key_result.scope}) by hand",
            )
        drift = self.env["okr.key.result"]._okr_recompute(self.key_results.ids)
        self.assertFalse(drift, f"seed {SEED}: drift after {done}")

        self._erase_engine_state(self.key_results)
        erased = self._engine_snapshot(self.key_results)
        self.assertEqual(set(erased[0].values()), {ERASED})
        self.assertFalse(erased[1] or erased[2])
        self.env["okr.key.result"]._okr_recompute(self.key_results.ids, rebuild=True)
        rebuilt = self._engine_snapshot(self.key_results)
        self.assertSnapshotsAgree(incremental, rebuilt, f"seed {SEED}")
        self.assertGreater(len(incremental[2]), 20)
        self.assertGreaterEqual(len(set(done)), 12)
