"""Duplicating and importing OKRs: an OKR manager duplicates automatic key
results and objectives (the copy counts its records from scratch) and
updates them by import with an ID column; others keep the rights they had."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestCopyAndImport(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revenue = cls._new_auto_key_result(cls.my_objective, "won_revenue")
        cls.department_revenue = cls._new_auto_key_result(
            cls.department, "won_revenue", scope="company"
        )
        cls._new_deal(amount=1000.0).action_set_won()
        cls.env.cr.flush()

    def test_a_manager_duplicates_an_automatic_key_result_counted_afresh(self):
        self.assertEqual(self.revenue.current_value, 1000.0)
        # a value gone astray is not what the copy starts from
        self.env.cr.execute(
            "UPDATE okr_key_result SET current_value = 7 WHERE id = %s",
            (self.revenue.id,),
        )
        self.env.invalidate_all()
        copy = self.revenue.with_user(self.director).copy()
        self._commit_point()
        self.assertEqual(copy.source, "automatic")
        self.assertEqual(copy.preset_id, self.revenue.preset_id)
        self.assertEqual(copy.current_value, 1000.0)

    def test_a_manager_duplicates_an_objective_with_automatic_key_results(self):
        self.my_objective.with_user(self.director).action_approve()
        copy = self.my_objective.with_user(self.director).copy()
        self._commit_point()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.key_result_ids.mapped("name"), ["Won revenue"])
        self.assertEqual(copy.key_result_ids.current_value, 1000.0)

    def test_a_salesperson_keeps_her_own_rights_to_duplicate(self):
        # a preset's key result of her own objective, as she may create it
        copy = self.revenue.with_user(self.salesperson).copy()
        self.assertEqual(copy.objective_id, self.my_objective)
        # not the department's
        with self.assertRaises(AccessError):
            self.department_revenue.with_user(self.salesperson).copy()

    def test_a_manager_updates_by_import_with_an_id_column(self):
        as_director = self.env["okr.key.result"].with_user(self.director)
        result = as_director.load(
            [".id", "target_value", "weight"], [[str(self.revenue.id), "5000", "2"]]
        )
        self.assertFalse(result["messages"])
        self.assertEqual(self.revenue.target_value, 5000.0)
        self.assertEqual(self.revenue.weight, 2.0)
        xmlid = self.revenue.export_data(["id"])["datas"][0][0]
        result = as_director.load(["id", "name"], [[xmlid, "Revenue"]])
        self.assertFalse(result["messages"])
        self.assertEqual(self.revenue.name, "Revenue")
        result = (
            self.env["okr.objective"]
            .with_user(self.director)
            .load([".id", "name"], [[str(self.department.id), "Grow"]])
        )
        self.assertFalse(result["messages"])
        self.assertEqual(self.department.name, "Grow")

    def test_an_import_sets_no_value_the_okrs_keep(self):
        for user in (self.director, self.salesperson):
            with self.subTest(user=user.name):
                result = (
                    self.env["okr.key.result"]
                    .with_user(user)
                    .load([".id", "current_value"], [[str(self.revenue.id), "9"]])
                )
                self.assertTrue(result["messages"])
                self.assertEqual(self.revenue.current_value, 1000.0)
        result = (
            self.env["okr.key.result"]
            .with_user(self.salesperson)
            .load([".id", "name"], [[str(self.revenue.id), "My revenue"]])
        )
        self.assertFalse(result["messages"])
        self.assertEqual(self.revenue.name, "My revenue")
