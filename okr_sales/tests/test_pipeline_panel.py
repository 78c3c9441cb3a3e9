from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import date_utils

from .common import OkrCase


@tagged("post_install", "-at_install")
class TestPipelinePanel(OkrCase):
    """The key results the CRM pipeline's panel shows: the user's own, of
    the current period, read with her rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.env["okr.key.result"]._okr_today()
        this_year = {
            "date_start": date_utils.start_of(today, "year"),
            "date_end": date_utils.end_of(today, "year"),
        }
        last_year = {
            "date_start": date_utils.start_of(today, "year").replace(
                year=today.year - 1
            ),
            "date_end": date_utils.end_of(today, "year").replace(year=today.year - 1),
        }
        mine = cls._new_objective(name="Reach my revenue goal", **this_year)
        cls.revenue = cls._new_key_result(
            mine, name="Revenue of 15 bn VND", target_value=200.0
        )
        cls.prospects = cls._new_key_result(
            mine, name="Meet 50 prospects", target_value=50.0
        )
        cls._check_in(cls.revenue, 80.0)
        cls._check_in(cls.prospects, 50.0)
        last = cls._new_objective(name="Last year's goal", **last_year)
        cls._new_key_result(last, name="Last year's revenue")
        archived = cls._new_objective(name="Dropped goal", **this_year)
        cls._new_key_result(archived, name="Dropped revenue")
        archived.active = False
        his = cls._new_objective(
            name="Hung's goal", user_id=cls.colleague.id, **this_year
        )
        cls.his_revenue = cls._new_key_result(his, name="Hung's revenue")
        # Hers too, in another company of hers, not among the active ones.
        other_company = cls.env["res.company"].create(
            {"name": "OKR Other Company", "currency_id": cls.company.currency_id.id}
        )
        cls.env.user.company_ids |= other_company
        cls.salesperson.company_ids |= other_company
        elsewhere = cls.env["okr.objective"].with_company(other_company)
        elsewhere = elsewhere.create(
            {
                "name": "Reach my goal in the other company",
                "level": "individual",
                "user_id": cls.salesperson.id,
                "company_id": other_company.id,
                "period_type": "custom",
                **this_year,
            }
        )
        cls.elsewhere = cls.env["okr.key.result"].with_company(other_company)
        cls.elsewhere = cls.elsewhere.create(
            {
                "name": "Revenue elsewhere",
                "objective_id": elsewhere.id,
                "target_value": 100.0,
            }
        )
        cls.outsider = new_test_user(
            cls.env,
            login="okr_outsider",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _panel(self, user):
        return (
            self.env["okr.key.result"]
            .with_user(user)
            .with_context(allowed_company_ids=[self.company.id])
            .get_pipeline_panel_data()
        )

    def test_she_sees_her_key_results_of_the_current_period(self):
        panel = self._panel(self.salesperson)
        self.assertEqual(
            [(line["id"], line["name"], line["progress"]) for line in panel],
            [
                (self.revenue.id, "Revenue of 15 bn VND", 40),  # 80 of 200
                (self.prospects.id, "Meet 50 prospects", 100),
            ],
        )
        achieved = panel[1]
        self.assertEqual((achieved["status"], achieved["colour"]), ("achieved", "info"))
        self.assertEqual(panel[0]["objective"], "Reach my revenue goal")

    def test_a_colleague_sees_only_his_own(self):
        panel = self._panel(self.colleague)
        self.assertEqual([line["id"] for line in panel], [self.his_revenue.id])

    def test_not_from_a_company_she_has_not_selected(self):
        ids = [line["id"] for line in self._panel(self.salesperson)]
        self.assertNotIn(self.elsewhere.id, ids)
        # there, it is hers
        both = self.company | self.elsewhere.company_id
        panel = (
            self.env["okr.key.result"]
            .with_user(self.salesperson)
            .with_context(allowed_company_ids=both.ids)
            .get_pipeline_panel_data()
        )
        self.assertIn(self.elsewhere.id, [line["id"] for line in panel])

    def test_nothing_for_a_user_without_okrs(self):
        self.assertFalse(self.outsider.has_group("okr_sales.group_okr_user"))
        self.assertEqual(self._panel(self.outsider), [])
