from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OkrCase


@tagged("post_install", "-at_install")
class TestSecurity(OkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_objective = cls._new_objective(
            name="Reach 300 bn VND", level="company", user_id=cls.director.id
        )
        cls.company_kr = cls._new_key_result(cls.company_objective)
        cls.colleague_objective = cls._new_objective(
            name="Hung's revenue", user_id=cls.colleague.id
        )
        cls.colleague_kr = cls._new_key_result(cls.colleague_objective)
        cls.my_objective = cls._new_objective(
            name="Lan's revenue", user_id=cls.salesperson.id
        )
        cls.my_kr = cls._new_key_result(cls.my_objective)
        cls._check_in(cls.company_kr, 10)

    def test_salespeople_get_okr_user_and_sales_admins_okr_manager(self):
        self.assertTrue(self.salesperson.has_group("okr_sales.group_okr_user"))
        self.assertFalse(self.salesperson.has_group("okr_sales.group_okr_manager"))
        self.assertTrue(self.director.has_group("okr_sales.group_okr_manager"))

    def test_salesperson_reads_every_objective(self):
        objectives = self.env["okr.objective"].with_user(self.salesperson)
        visible = objectives.search([])
        self.assertIn(self.company_objective, visible)
        self.assertIn(self.colleague_objective, visible)
        self.assertEqual(
            self.colleague_objective.with_user(self.salesperson).name,
            "Hung's revenue",
        )
        self.assertEqual(
            self.colleague_kr.with_user(self.salesperson).progress,
            self.colleague_kr.progress,
        )

    def test_salesperson_cannot_edit_a_colleague_objective(self):
        with self.assertRaises(AccessError):
            self.colleague_objective.with_user(self.salesperson).name = "Mine now"
        with self.assertRaises(AccessError):
            self.company_objective.with_user(self.salesperson).unlink()
        with self.assertRaises(AccessError):
            self.colleague_kr.with_user(self.salesperson).target_value = 1

    def test_salesperson_cannot_check_in_on_a_colleague_key_result(self):
        with self.assertRaises(AccessError):
            self.env["okr.checkin"].with_user(self.salesperson).create(
                {"key_result_id": self.colleague_kr.id, "value": 99}
            )
        self.assertEqual(self.colleague_kr.current_value, 0)

    def test_salesperson_edits_and_checks_in_on_her_own(self):
        mine = self.my_objective.with_user(self.salesperson)
        mine.name = "Reach my revenue goal"
        self._new_key_result(mine.with_user(self.salesperson), name="Close 30%")
        self.env["okr.checkin"].with_user(self.salesperson).create(
            {"key_result_id": self.my_kr.id, "value": 40}
        )
        self.assertEqual(self.my_kr.current_value, 40)
        created = (
            self.env["okr.objective"]
            .with_user(self.salesperson)
            .create({"name": "Build customer relationships"})
        )
        self.assertEqual(created.user_id, self.salesperson)

    def test_salesperson_cannot_create_an_objective_for_someone_else(self):
        with self.assertRaises(AccessError):
            self.env["okr.objective"].with_user(self.salesperson).create(
                {"name": "Hung's new goal", "user_id": self.colleague.id}
            )

    def test_manager_edits_all(self):
        objective = self.colleague_objective.with_user(self.director)
        objective.name = "Hung: reach 15 bn VND"
        self.env["okr.checkin"].with_user(self.director).create(
            {"key_result_id": self.colleague_kr.id, "value": 55}
        )
        self.assertEqual(self.colleague_kr.current_value, 55)
        self.company_objective.with_user(self.director).unlink()
        self.assertFalse(self.company_objective.exists())

    def test_user_without_sales_rights_has_no_okrs(self):
        employee = new_test_user(
            self.env, login="okr_employee", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            self.env["okr.objective"].with_user(employee).search([])

    def test_second_company_sees_nothing_of_the_first(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        other_manager = new_test_user(
            self.env,
            login="okr_other_manager",
            groups="base.group_user,sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        other_env = self.env(
            user=other_manager, context={"allowed_company_ids": [other_company.id]}
        )
        for model in ("okr.objective", "okr.key.result", "okr.checkin"):
            self.assertFalse(
                other_env[model].search([]),
                f"{model} of the first company leaks into the second",
            )
        with self.assertRaises(AccessError):
            self.company_objective.with_env(other_env).read(["name"])
