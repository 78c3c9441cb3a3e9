"""Confirmed order revenue, orders confirmed and invoiced revenue follow the
orders and invoices in the same transaction; expected values are counted by
hand from the lines."""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import SaleOkrCase


@tagged("post_install", "-at_install")
class TestOrderKeyResults(SaleOkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.my_revenue = cls._new_sale_key_result(
            cls.my_objective, "order_revenue", scope="owner"
        )
        cls.team_revenue = cls._new_sale_key_result(
            cls.team_objective, "order_revenue", scope="team"
        )
        cls.company_revenue = cls._new_sale_key_result(
            cls.department, "order_revenue", scope="company"
        )
        cls.revenue = cls.my_revenue | cls.team_revenue | cls.company_revenue
        cls.my_orders = cls._new_sale_key_result(
            cls.my_objective, "orders_confirmed", scope="owner", target_value=10.0
        )
        cls.colleague_objective = cls._new_objective(
            name="Sell more",
            user_id=cls.colleague.id,
            parent_id=cls.team_objective.id,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )
        cls.colleague_revenue = cls._new_sale_key_result(
            cls.colleague_objective, "order_revenue", scope="owner"
        )

    def _order_750(self, **vals):
        # 2 x 300 + 1 x 150
        return self._new_order(
            [(self.product_erp, 2, 300.0), (self.product_training, 1, 150.0)], **vals
        )

    def test_a_quotation_counts_once_confirmed(self):
        order = self._order_750()
        self._commit_point()
        self.assertValues(self.revenue | self.my_orders, 0.0)
        order.action_confirm()
        self._commit_point()
        self.assertValues(self.revenue, 750.0)
        self.assertValues(self.my_orders, 1.0)
        self.assertValues(self.colleague_revenue, 0.0)

    def test_amounts_quantities_and_new_lines_move_it(self):
        order = self._order_750()
        order.action_confirm()
        erp_line, training_line = order.order_line
        erp_line.price_unit = 250.0
        self._commit_point()
        self.assertValues(self.revenue, 650.0)
        # a line is removed from a confirmed order by setting its quantity to 0
        training_line.product_uom_qty = 0.0
        self._commit_point()
        self.assertValues(self.revenue, 500.0)
        order.order_line = [
            Command.create(
                {
                    "product_id": self.product_crm.id,
                    "product_uom_qty": 3,
                    "price_unit": 40.0,
                    "discount": 50.0,
                    "tax_ids": [Command.clear()],
                }
            )
        ]
        self._commit_point()
        self.assertValues(self.revenue, 560.0)
        self.assertValues(self.my_orders, 1.0)

    def test_cancelled_back_to_quotation_and_confirmed_again(self):
        order = self._order_750()
        order.action_confirm()
        self._commit_point()
        order._action_cancel()
        self._commit_point()
        self.assertValues(self.revenue | self.my_orders, 0.0)
        order.action_draft()
        self._commit_point()
        self.assertValues(self.revenue | self.my_orders, 0.0)
        order.action_confirm()
        self._commit_point()
        self.assertValues(self.revenue, 750.0)
        self.assertValues(self.my_orders, 1.0)

    def test_locked_then_unlocked_and_changed(self):
        order = self._order_750()
        order.action_confirm()
        order.action_lock()
        self._commit_point()
        self.assertValues(self.revenue, 750.0)
        order.action_unlock()
        order.order_line[1].price_unit = 50.0
        self._commit_point()
        self.assertValues(self.revenue, 650.0)

    def test_salesperson_changed_moves_it_to_the_new_one(self):
        order = self._order_750()
        order.action_confirm()
        self._commit_point()
        order.user_id = self.colleague
        self._commit_point()
        self.assertValues(self.my_revenue | self.my_orders, 0.0)
        self.assertValues(
            self.colleague_revenue | self.team_revenue | self.company_revenue, 750.0
        )

    def test_order_date_dates_it(self):
        order = self._order_750()
        order.action_confirm()
        self._commit_point()
        order.date_order = fields.Datetime.to_datetime(self.period_start) - (
            fields.Datetime.now() - fields.Datetime.now().replace(year=2000)
        )
        self._commit_point()
        self.assertValues(self.revenue | self.my_orders, 0.0)

    def test_amounts_are_converted_at_the_order_date(self):
        company_currency = self.company.currency_id
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [("id", "!=", company_currency.id), ("rounding", "=", 0.01)], limit=1
            )
        )
        other.active = True
        today = self.my_revenue._okr_today()
        self.env["res.currency.rate"].create(
            [
                {"currency_id": other.id, "name": today, "rate": 2.5},
                {"currency_id": company_currency.id, "name": today, "rate": 1.0},
            ]
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Other currency", "currency_id": other.id}
        )
        order = self._order_750(pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, other)
        order.action_confirm()
        self._commit_point()
        # 750 in the other currency, 2.5 of it to one of the company's
        self.assertValues(self.revenue, 300.0)
        # the order's currency changed back: its amounts are the company's
        order._action_cancel()
        order.action_draft()
        order.pricelist_id = False
        self.env.invalidate_all()
        order.action_confirm()
        self._commit_point()
        self.assertEqual(order.currency_id, company_currency)
        self.assertValues(self.revenue, 750.0)

    def test_b2b_and_b2c(self):
        b2b = self._new_sale_key_result(
            self.team_objective, "b2b_order_revenue", scope="team"
        )
        b2c = self._new_sale_key_result(
            self.team_objective, "b2c_order_revenue", scope="team"
        )
        self._order_750().action_confirm()
        self._order_750(partner=self.customer_person).action_confirm()
        self._new_order(
            [(self.product_crm, 1, 99.0)], partner=self.customer_person
        ).action_confirm()
        self._commit_point()
        self.assertValues(b2b, 750.0)
        self.assertValues(b2c, 849.0)
        self.assertValues(self.team_revenue, 1599.0)

    def test_new_customers_and_provinces_from_first_orders(self):
        hanoi = self.env["res.country.state"].search(
            [("country_id.code", "=", "VN")], limit=1
        ) or self.env["res.country.state"].search([], limit=1)
        self.customer_company.state_id = hanoi
        new_customers = self._new_sale_key_result(
            self.department, "new_customers_orders", scope="company", target_value=5
        )
        new_provinces = self._new_sale_key_result(
            self.department, "new_provinces_orders", scope="company", target_value=3
        )
        self._order_750().action_confirm()
        self._order_750().action_confirm()
        self._order_750(partner=self.customer_person).action_confirm()
        self._commit_point()
        self.assertValues(new_customers, 2.0)
        self.assertValues(new_provinces, 1.0)

    def test_rebuilt_from_erased_state_gives_the_same(self):
        self._order_750().action_confirm()
        self._order_750(user=self.colleague).action_confirm()
        self._commit_point()
        key_results = self.revenue | self.my_orders | self.colleague_revenue
        self._erase_engine_state(key_results)
        self.assertFalse(self._recomputed_values(key_results) is None)
        self.assertValues(self.my_revenue | self.colleague_revenue, 750.0)
        self.assertValues(self.team_revenue | self.company_revenue, 1500.0)
        self.assertValues(self.my_orders, 1.0)

    # ------------------------------------------------------------------
    # What an order adds, as each user may see it
    # ------------------------------------------------------------------

    def test_order_and_deal_show_what_the_order_adds(self):
        deal = self._new_deal()
        order = self._order_750(opportunity_id=deal.id)
        order.action_confirm()
        self._commit_point()
        order.invalidate_recordset()
        as_lan = order.with_user(self.salesperson)
        self.assertEqual(
            as_lan.okr_key_result_ids, self.revenue | self.my_orders, "her order"
        )
        lines = as_lan.okr_contribution_ids.filtered(
            lambda c: c.key_result_id == self.my_revenue
        )
        self.assertEqual(sorted(lines.mapped("value")), [150.0, 600.0])
        self.assertIn("+", lines[0].value_display)
        self.assertEqual(
            deal.with_user(self.salesperson).okr_key_result_ids,
            self.revenue | self.my_orders,
        )

    def test_a_colleague_reads_neither_the_order_nor_what_it_adds(self):
        order = self._order_750()
        order.action_confirm()
        self._commit_point()
        with self.assertRaises(AccessError):
            order.with_user(self.colleague).read(["amount_untaxed"])
        contributions = self.env["okr.contribution"].with_user(self.colleague)
        self.assertFalse(
            contributions.search([("key_result_id", "=", self.team_revenue.id)])
        )
        # the team's value counts the order all the same
        self.assertAlmostEqual(
            self.team_revenue.with_user(self.colleague).current_value, 750.0
        )
        # the leader reads the team's orders and so what they add
        self.assertEqual(
            len(
                contributions.with_user(self.leader).search(
                    [("key_result_id", "=", self.team_revenue.id)]
                )
            ),
            2,
        )


@tagged("post_install", "-at_install")
class TestInvoicedKeyResults(SaleOkrCase):
    """Taxes and invoices: the test company gets Odoo's generic chart of
    accounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.my_revenue = cls._new_sale_key_result(
            cls.my_objective, "order_revenue", scope="owner"
        )
        cls.revenue = cls.my_revenue

    def _order_750(self, **vals):
        return self._new_order(
            [(self.product_erp, 2, 300.0), (self.product_training, 1, 150.0)], **vals
        )

    def test_sections_notes_and_taxes_are_left_out(self):
        tax = self.env["account.tax"].create(
            {
                "name": "VAT 10 % (test)",
                "amount": 10.0,
                "company_id": self.company.id,
                "country_id": self.company.account_fiscal_country_id.id,
            }
        )
        order = self._order_750()
        order.order_line[0].tax_ids = tax
        order.order_line = [
            Command.create({"display_type": "line_section", "name": "Options"}),
            Command.create({"display_type": "line_note", "name": "Delivered in May"}),
        ]
        order.action_confirm()
        self._commit_point()
        self.assertAlmostEqual(order.amount_total, 810.0)
        self.assertValues(self.revenue, 750.0)

    def _posted_invoice(self, order):
        invoice = order._create_invoices()
        invoice.invoice_date = self.my_revenue._okr_today()
        invoice.action_post()
        self._commit_point()
        return invoice

    def test_invoiced_revenue_net_of_credit_notes(self):
        invoiced = self._new_sale_key_result(
            self.my_objective, "invoiced_revenue", scope="owner"
        )
        team_invoiced = self._new_sale_key_result(
            self.team_objective, "invoiced_revenue", scope="team"
        )
        order = self._order_750()
        order.action_confirm()
        self._commit_point()
        self.assertValues(invoiced | team_invoiced, 0.0)
        invoice = self._posted_invoice(order)
        self.assertEqual(invoice.invoice_user_id, self.salesperson)
        self.assertValues(invoiced | team_invoiced, 750.0)
        # a credit note of the training line only, as the invoice's
        # "Credit Note" button makes it (the invoice's salesperson's)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": invoice.date})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        self.assertEqual(credit_note.invoice_user_id, self.salesperson)
        credit_note.invoice_line_ids.filtered(
            lambda line: line.product_id == self.product_erp
        ).unlink()
        credit_note.action_post()
        self._commit_point()
        self.assertValues(invoiced | team_invoiced, 600.0)
        # reset to draft: it no longer counts
        credit_note.button_draft()
        self._commit_point()
        self.assertValues(invoiced, 750.0)
        invoice.button_draft()
        invoice.button_cancel()
        self._commit_point()
        self.assertValues(invoiced, 0.0)

    def test_a_salesperson_cannot_post_or_change_an_invoice(self):
        """Invoiced revenue is what finance posted: the salesperson measured
        neither creates, posts, changes nor deletes an invoice (Odoo's
        access rights, refused on the server), and her key result stays."""
        invoiced = self._new_sale_key_result(
            self.my_objective, "invoiced_revenue", scope="owner"
        )
        order = self._order_750()
        order.action_confirm()
        invoice = order._create_invoices()
        self._commit_point()
        as_lan = invoice.with_user(self.salesperson)
        with self.assertRaises(AccessError):
            as_lan.action_post()
        with self.assertRaises(AccessError):
            as_lan.write({"invoice_date": self.my_revenue._okr_today()})
        with self.assertRaises(AccessError):
            as_lan.unlink()
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.salesperson).create(
                {"move_type": "out_invoice", "partner_id": self.customer_company.id}
            )
        self._commit_point()
        self.assertValues(invoiced, 0.0)
