from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The seed's cascade, as loaded with demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        module = cls.env["ir.module.module"].search([("name", "=", "okr_sales")])
        if not module.demo:
            cls.skipTest(cls, "okr_sales was installed without demo data")

    def test_company_goal_is_the_root_of_the_cascade(self):
        company = self.env.ref("okr_sales.okr_objective_company")
        self.assertEqual(company.level, "company")
        self.assertFalse(company.parent_id)
        revenue = self.env.ref("okr_sales.okr_kr_company_revenue")
        self.assertEqual(revenue.target_value, 300_000_000_000)
        self.assertEqual(revenue.currency_id, self.env.ref("base.VND"))

    def test_department_has_the_seed_key_results(self):
        company = self.env.ref("okr_sales.okr_objective_company")
        department = company.child_ids.filtered(
            lambda o: o.level == "department" and o.period_type == "year"
        )
        self.assertEqual(len(department), 3)
        key_results = department.key_result_ids
        self.assertEqual(len(key_results), 5)
        self.assertTrue(all(key_results.mapped("measurement_method")))
        days_to_close = self.env.ref("okr_sales.okr_kr_dept_days_to_close")
        self.assertEqual(
            (days_to_close.baseline_value, days_to_close.target_value), (20, 12)
        )
        self.assertAlmostEqual(days_to_close.progress, 62.5)

    def test_cascade_reaches_each_salesperson(self):
        company = self.env.ref("okr_sales.okr_objective_company")
        cascade = self.env["okr.objective"].search([("id", "child_of", company.id)])
        leader = self.env.ref("okr_sales.okr_user_leader")
        leader_objectives = cascade.filtered(lambda o: o.user_id == leader)
        self.assertEqual(len(leader_objectives.key_result_ids), 5)
        for login in ("lan", "hung", "ha"):
            user = self.env.ref(f"okr_sales.okr_user_{login}")
            mine = cascade.filtered(lambda o, user=user: o.user_id == user)
            self.assertEqual(set(mine.mapped("level")), {"individual"})
            self.assertEqual(len(mine.key_result_ids), 5, login)
            # Each individual objective climbs to the company goal.
            for objective in mine:
                self.assertEqual(objective.parent_id.parent_id.parent_id, company)

    def test_four_quarters_aligned_under_the_year(self):
        company = self.env.ref("okr_sales.okr_objective_company")
        quarters = company.child_ids.filtered(lambda o: o.period_type == "quarter")
        self.assertEqual(len(quarters), 4)
        self.assertEqual(sorted(q.date_start.month for q in quarters), [1, 4, 7, 10])

    def test_demo_salesperson_sees_her_okrs(self):
        lan = self.env.ref("okr_sales.okr_user_lan")
        mine = (
            self.env["okr.objective"].with_user(lan).search([("user_id", "=", lan.id)])
        )
        self.assertEqual(len(mine), 3)
        self.assertTrue(all(o.progress > 0 for o in mine))
