from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestAutomaticProgress(OkrCrmCase):
    """The seed's story: a salesperson wins a deal and her key results move."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.my_revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", name="Revenue 15 bn VND", scope="owner"
        )
        cls.team_b2b = cls._new_auto_key_result(
            cls.team_objective, "b2b_won_revenue", scope="team"
        )
        cls.department_b2b = cls._new_auto_key_result(
            cls.department, "b2b_won_revenue", scope="company"
        )
        cls.department_b2c = cls._new_auto_key_result(
            cls.department, "b2c_won_revenue", scope="company"
        )
        cls.revenue_key_results = cls.my_revenue | cls.team_b2b | cls.department_b2b

    def assertValues(self, key_results, value):
        for key_result in key_results:
            self.assertAlmostEqual(key_result.current_value, value, msg=key_result.name)

    def test_winning_a_b2b_deal_moves_the_cascade(self):
        deal = self._new_deal(amount=450.0)
        self._commit_point()
        self.assertValues(self.revenue_key_results, 0.0)
        deal.action_set_won()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 450.0)
        self.assertValues(self.department_b2c, 0.0)
        self.assertAlmostEqual(self.my_revenue.progress, 45.0)
        self.assertAlmostEqual(self.my_objective.progress, 45.0)
        self.assertEqual(
            deal.okr_key_result_ids,
            self.revenue_key_results,
            "the deal lists the key results it counts toward",
        )

    def test_b2c_deal_counts_for_b2c_only(self):
        deal = self._new_deal(amount=120.0, partner=self.customer_person)
        deal.action_set_won()
        self._commit_point()
        self.assertValues(self.department_b2c | self.my_revenue, 120.0)
        self.assertValues(self.team_b2b | self.department_b2b, 0.0)

    def test_losing_reopening_and_winning_again(self):
        deal = self._new_deal(amount=300.0)
        deal.action_set_won()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 300.0)
        # Reopened: back in a running stage.
        deal.stage_id = self.open_stage
        self._commit_point()
        self.assertValues(self.revenue_key_results, 0.0)
        deal.action_set_lost()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 0.0)
        deal.action_unarchive()
        deal.action_set_won()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 300.0)

    def test_revenue_change_after_the_win(self):
        deal = self._new_deal(amount=300.0)
        deal.action_set_won()
        deal.expected_revenue = 340.0
        self._commit_point()
        self.assertValues(self.revenue_key_results, 340.0)

    def test_reassigning_a_deal_moves_both_owners(self):
        colleague_objective = self._new_objective(
            name="Hung's revenue",
            user_id=self.colleague.id,
            date_start=self.period_start,
            date_end=self.period_end,
        )
        colleague_revenue = self._new_auto_key_result(
            colleague_objective, "won_revenue", scope="owner"
        )
        deal = self._new_deal(amount=200.0)
        deal.action_set_won()
        self._commit_point()
        deal.user_id = self.colleague
        self._commit_point()
        self.assertValues(self.my_revenue, 0.0)
        self.assertValues(colleague_revenue, 200.0)
        # Still the team's and the company's.
        self.assertValues(self.team_b2b | self.department_b2b, 200.0)

    def test_changing_team_or_company_moves_the_deal(self):
        other_team = self.env["crm.team"].create({"name": "HCMC Team"})
        deal = self._new_deal(amount=200.0)
        deal.action_set_won()
        self._commit_point()
        deal.team_id = other_team
        self._commit_point()
        self.assertValues(self.team_b2b, 0.0)
        self.assertValues(self.my_revenue | self.department_b2b, 200.0)
        other_company = self.env["res.company"].create({"name": "Branch"})
        self.salesperson.company_ids |= other_company
        deal.write({"company_id": other_company.id, "team_id": False})
        self._commit_point()
        self.assertValues(self.department_b2b, 0.0)

    def test_customer_change_moves_between_b2b_and_b2c(self):
        deal = self._new_deal(amount=90.0)
        deal.action_set_won()
        self._commit_point()
        deal.partner_id = self.customer_person
        self._commit_point()
        self.assertValues(self.department_b2b, 0.0)
        self.assertValues(self.department_b2c, 90.0)

    def test_deleting_and_archiving_a_won_deal(self):
        kept = self._new_deal(amount=100.0)
        deleted = self._new_deal(amount=50.0)
        (kept | deleted).action_set_won()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 150.0)
        deleted.unlink()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 100.0)
        kept.action_archive()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 0.0)

    def test_deal_won_outside_the_period_does_not_count(self):
        deal = self._new_deal(amount=100.0)
        deal.action_set_won()
        last_year = datetime(self.period_start.year - 1, 6, 1, 10, 0)
        deal.date_closed = last_year
        self._commit_point()
        self.assertValues(self.revenue_key_results, 0.0)

    def test_merging_won_deals(self):
        first = self._new_deal(amount=100.0)
        second = self._new_deal(amount=70.0)
        (first | second).action_set_won()
        self._commit_point()
        self.assertValues(self.revenue_key_results, 170.0)
        merged = (first | second)._merge_opportunity(auto_unlink=True)
        self._commit_point()
        expected = merged.expected_revenue if merged.won_status == "won" else 0.0
        self.assertValues(self.revenue_key_results, expected)
        self.assertEqual(len((first | second).exists()), 1)

    def test_amounts_are_converted_at_the_date_won(self):
        company_currency = self.env.company.currency_id
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
        in_other_currency = self._new_auto_key_result(
            self.my_objective,
            "won_revenue",
            scope="owner",
            currency_id=other.id,
        )
        deal = self._new_deal(amount=100.0)
        deal.action_set_won()
        self._commit_point()
        expected = company_currency._convert(
            100.0, other, self.env.company, deal.date_closed.date()
        )
        self.assertAlmostEqual(in_other_currency.current_value, expected)
        self.assertAlmostEqual(expected, 250.0)

    def test_lead_converted_and_won_moves_the_conversion_rate(self):
        conversion = self._new_auto_key_result(
            self.department,
            "lead_conversion_rate",
            scope="company",
            baseline_value=0,
            target_value=20,
        )
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Lead {i}", "type": "lead", "user_id": self.salesperson.id}
                for i in range(4)
            ]
        )
        self._commit_point()
        self.assertAlmostEqual(conversion.current_value, 0.0)
        leads[0].convert_opportunity(self.customer_company)
        leads[0].action_set_won()
        self._commit_point()
        self.assertAlmostEqual(conversion.current_value, 25.0)
        leads[1].action_set_lost()
        self._commit_point()
        # A lost lead still counts as created: 1 won of 4.
        self.assertAlmostEqual(conversion.current_value, 25.0)
        action = conversion.with_context(
            okr_numerator=True
        ).action_open_contributing_records()
        self.assertEqual(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(action["domain"]),
            leads[0],
        )

    def test_average_days_to_close_is_lower_is_better(self):
        days_to_close = self._new_auto_key_result(
            self.department,
            "days_to_close",
            scope="company",
            baseline_value=20,
            target_value=12,
        )
        self.assertEqual(days_to_close.current_value, 20, "no data: at baseline")
        deal = self._new_deal()
        # Created 15 days ago (the database clock stamps create_date).
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=15), deal.id),
        )
        deal.invalidate_recordset(["create_date"])
        deal.action_set_won()
        self._commit_point()
        self.assertAlmostEqual(days_to_close.current_value, 15.0, places=2)
        self.assertAlmostEqual(days_to_close.progress, 62.5, places=0)

    def test_meetings_count_prospects_in_their_month_only(self):
        prospects = self._new_auto_key_result(
            self.my_objective, "prospects_met", scope="owner", target_value=50
        )
        year = self.period_start.year
        first_deal, second_deal = self._new_deal(), self._new_deal()

        def meet(deal, day):
            return self.env["calendar.event"].create(
                {
                    "name": "Meeting",
                    "user_id": self.salesperson.id,
                    "opportunity_id": deal.id,
                    "start": datetime(year, 3, day, 9, 0),
                    "stop": datetime(year, 3, day, 10, 0),
                }
            )

        meet(first_deal, 3)
        meet(first_deal, 10)  # the same prospect again: still one
        moved = meet(second_deal, 20)
        self._commit_point()
        by_month = {
            period.date_start.month: period.value
            for period in prospects.period_value_ids
        }
        self.assertEqual(by_month, {3: 2.0})
        moved.write(
            {"start": datetime(year, 4, 2, 9, 0), "stop": datetime(year, 4, 2, 10, 0)}
        )
        self._commit_point()
        by_month = {
            period.date_start.month: period.value
            for period in prospects.period_value_ids
        }
        self.assertEqual(by_month, {3: 1.0, 4: 1.0})
        moved.unlink()
        self._commit_point()
        self.assertEqual(prospects.period_value_ids.mapped("value"), [1.0])

    def test_new_customers_and_provinces_count_first_times_only(self):
        vietnam = self.env.ref("base.vn")
        hanoi, danang = self.env["res.country.state"].search(
            [("country_id", "=", vietnam.id)], limit=2
        )
        new_customers = self._new_auto_key_result(
            self.department, "new_customers", scope="company"
        )
        new_provinces = self._new_auto_key_result(
            self.department, "new_provinces", scope="company"
        )
        returning = self.env["res.partner"].create(
            {"name": "Old Friend Co", "is_company": True}
        )
        old_deal = self._new_deal(partner=returning, state_id=hanoi.id)
        old_deal.action_set_won()
        old_deal.date_closed = datetime(self.period_start.year - 1, 5, 1)
        self._commit_point()
        for partner, state in (
            (returning, hanoi),
            (self.customer_company, hanoi),
            (self.customer_company, danang),
        ):
            self._new_deal(partner=partner, state_id=state.id).action_set_won()
        self._commit_point()
        self.assertEqual(new_customers.current_value, 1.0)  # customer_company
        self.assertEqual(new_provinces.current_value, 1.0)  # danang
        self.assertFalse(self._recomputed_values(new_customers | new_provinces))

    def test_retention_of_last_periods_customers(self):
        retention = self._new_auto_key_result(
            self.department, "customer_retention", scope="company", target_value=90
        )
        last_year = datetime(self.period_start.year - 1, 7, 1)
        kept, gone = self.customer_company, self.customer_person
        for partner in (kept, gone):
            deal = self._new_deal(partner=partner)
            deal.action_set_won()
            deal.date_closed = last_year
        self._new_deal(partner=kept).action_set_won()
        self._commit_point()
        self.assertAlmostEqual(retention.current_value, 50.0)
        self.assertFalse(self._recomputed_values(retention))

    def test_activities_done_and_trainings_held(self):
        activities_done = self._new_auto_key_result(
            self.team_objective, "activities_done", scope="team"
        )
        trainings = self._new_auto_key_result(
            self.team_objective, "trainings_held", scope="owner"
        )
        deal = self._new_deal()
        activity = deal.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesperson.id
        )
        self._commit_point()
        self.assertEqual(activities_done.current_value, 0.0)
        activity.action_done()
        self._commit_point()
        self.assertEqual(activities_done.current_value, 1.0)
        training = self.env.ref("okr_sales.calendar_event_type_training")
        today = fields.Datetime.now()
        self.env["calendar.event"].create(
            [
                {
                    "name": name,
                    "user_id": self.leader.id,
                    "start": today,
                    "stop": today,
                    "categ_ids": [(6, 0, categories)],
                }
                for name, categories in (
                    ("Negotiation skills", [training.id]),
                    ("Weekly sync", []),
                )
            ]
        )
        self._commit_point()
        self.assertEqual(trainings.current_value, 1.0)
