from odoo.fields import Command

from odoo.addons.okr_sales.tests.common import OkrCrmCase


class SaleOkrCase(OkrCrmCase):
    """The test organisation of okr_sales selling products: its salespeople
    confirm orders of the test company, untaxed, in its currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category_software = cls.env["product.category"].create(
            {"name": "OKR Test Software"}
        )
        cls.category_service = cls.env["product.category"].create(
            {"name": "OKR Test Services"}
        )
        cls.product_erp = cls._new_product("ERP licence", cls.category_software)
        cls.product_crm = cls._new_product("CRM licence", cls.category_software)
        cls.product_training = cls._new_product("Onboarding", cls.category_service)

    @classmethod
    def _new_product(cls, name, category):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "categ_id": category.id,
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
                "company_id": False,
            }
        )

    @classmethod
    def _new_sale_key_result(cls, objective, preset, **vals):
        return cls._new_auto_key_result(
            objective,
            f"okr_sales_sale.okr_preset_{preset}",
            **{"target_value": 1e6, **vals},
        )

    def _new_order(self, lines, user=None, partner=None, **vals):
        """A quotation of the test company: ``lines`` are ``(product,
        quantity, unit price)``, untaxed."""
        values = {
            "partner_id": (partner or self.customer_company).id,
            "user_id": (user or self.salesperson).id,
            "team_id": self.team.id,
            "company_id": self.company.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": quantity,
                        "price_unit": price,
                        "tax_ids": [Command.clear()],
                    }
                )
                for product, quantity, price in lines
            ],
        }
        values.update(vals)
        return self.env["sale.order"].create(values)

    def _confirmed_order(self, lines, **vals):
        order = self._new_order(lines, **vals)
        order.action_confirm()
        self._commit_point()
        return order

    def assertValues(self, key_results, expected):
        self.env.invalidate_all()
        for key_result in key_results:
            self.assertAlmostEqual(
                key_result.current_value, expected, msg=key_result.display_name
            )
