"""Key results follow changes they read through relations, in the same
transaction: a customer becoming a company, a salesperson changing teams, a
currency rate entered for a past date; and a change no key result reads
does not run the engine at all."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from ..engine.engine import ProgressEngine
from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestFreshness(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new = cls._new_auto_key_result
        cls.b2b = new(cls.department, "b2b_won_revenue", scope="company")
        cls.b2c = new(cls.department, "b2c_won_revenue", scope="company")
        cls.person = cls.env["res.partner"].create(
            {"name": "Phạm Minh Tuấn", "is_company": False}
        )

    def _hand_b2b_b2c(self):
        """B2B and B2C revenue counted by hand from the won deals."""
        leads = self.env["crm.lead"].search(
            [("company_id", "=", self.company.id), ("won_status", "=", "won")]
        )
        b2b = sum(
            lead.expected_revenue
            for lead in leads
            if lead.partner_id.commercial_partner_id.is_company
        )
        b2c = sum(
            lead.expected_revenue
            for lead in leads
            if lead.partner_id and not lead.partner_id.commercial_partner_id.is_company
        )
        return b2b, b2c

    def _assert_values(self, b2b, b2c):
        self.assertEqual((self.b2b.current_value, self.b2c.current_value), (b2b, b2c))
        self.assertEqual(self._hand_b2b_b2c(), (b2b, b2c), "the hand count agrees")
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute((self.b2b | self.b2c).ids),
            "a full recompute finds nothing to correct",
        )

    def test_a_customer_becoming_a_company_moves_its_deals_to_b2b(self):
        self._new_deal(amount=70.0, partner=self.person).action_set_won()
        self._commit_point()
        self._assert_values(0.0, 70.0)
        self.person.is_company = True
        self._commit_point()
        self._assert_values(70.0, 0.0)

    def test_a_contact_changing_company_follows_its_commercial_partner(self):
        # The commercial partner is a stored field the ORM recomputes: no
        # write() of the contact sees it change.
        contact = self.env["res.partner"].create(
            {"name": "Ms Hoa", "parent_id": self.customer_company.id}
        )
        self._new_deal(amount=40.0, partner=contact).action_set_won()
        self._commit_point()
        self._assert_values(40.0, 0.0)
        contact.parent_id = False
        self._commit_point()
        self._assert_values(0.0, 40.0)
        contact.parent_id = self.customer_company
        self.customer_company.is_company = False
        self._commit_point()
        self._assert_values(0.0, 40.0)

    def test_a_deleted_customer_takes_its_deals_out_of_b2b(self):
        customer = self.env["res.partner"].create(
            {"name": "Short-lived JSC", "is_company": True}
        )
        self._new_deal(amount=25.0, partner=customer).action_set_won()
        self._commit_point()
        self._assert_values(25.0, 0.0)
        # The database empties the deal's customer, behind the ORM.
        customer.unlink()
        self._commit_point()
        self._assert_values(0.0, 0.0)

    def test_a_customer_with_many_deals_is_processed_in_one_batch(self):
        deals = self.env["crm.lead"].create(
            [
                {
                    "name": f"Deal {i}",
                    "type": "opportunity",
                    "user_id": self.salesperson.id,
                    "team_id": self.team.id,
                    "expected_revenue": 10.0,
                    "partner_id": self.person.id,
                    "company_id": self.company.id,
                }
                for i in range(200)
            ]
        )
        deals.action_set_won()
        self._commit_point()
        with self._engine_passes() as passes:
            self.person.is_company = True
            self._commit_point()
        self.assertEqual(passes, [("crm.lead", 200)])
        self._assert_values(2000.0, 0.0)

    def test_a_change_no_key_result_reads_does_not_run_the_engine(self):
        deal = self._new_deal(amount=30.0, partner=self.person)
        deal.action_set_won()
        self._commit_point()
        tag = self.env["crm.tag"].create({"name": "VIP"})
        with (
            patch.object(ProgressEngine, "process") as process,
            patch.object(ProgressEngine, "recompute") as recompute,
            patch.object(ProgressEngine, "defer") as defer,
        ):
            deal.write({"description": "<p>Called back</p>", "priority": "3"})
            deal.tag_ids = [Command.link(tag.id)]
            self.person.write({"phone": "+84 912 000 111", "comment": "Prefers Zalo"})
            self._commit_point()
        self.assertFalse(process.called or recompute.called or defer.called)
        self._assert_values(0.0, 30.0)


@tagged("post_install", "-at_install")
class TestTeamMoves(OkrCrmCase):
    """Meetings count for their organiser's sales teams: a salesperson who
    changes teams takes her meetings along."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_team = cls.env["crm.team"].create(
            {"name": "B2B Sales Saigon", "company_id": cls.company.id}
        )
        cls.other_objective = cls._new_objective(
            name="Saigon team",
            level="team",
            user_id=cls.director.id,
            team_id=cls.other_team.id,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )
        cls.meetings = cls._new_auto_key_result(
            cls.team_objective, "prospects_met", scope="team"
        )
        cls.other_meetings = cls._new_auto_key_result(
            cls.other_objective, "prospects_met", scope="team"
        )
        now = fields.Datetime.now()
        cls.env["calendar.event"].create(
            [
                {
                    "name": f"Visit {i}",
                    "user_id": cls.salesperson.id,
                    "opportunity_id": cls._new_deal().id,
                    "partner_ids": [Command.link(cls.customer_person.id)],
                    "start": now - timedelta(minutes=i + 1),
                    "stop": now - timedelta(minutes=i),
                }
                for i in range(3)
            ]
        )
        cls.env.cr.flush()

    def _hand_count(self, team):
        """Opportunities met this month by the team's members, by hand."""
        month_start = self.env["okr.key.result"]._okr_today().replace(day=1)
        meetings = self.env["calendar.event"].search(
            [
                ("user_id", "in", team.member_ids.ids),
                ("opportunity_id", "!=", False),
                ("start", ">=", fields.Datetime.to_datetime(month_start)),
            ]
        )
        return len(meetings.opportunity_id)

    def _assert_counts(self, mine, others):
        self.assertEqual(
            (self.meetings.current_value, self.other_meetings.current_value),
            (mine, others),
        )
        self.assertEqual(
            (self._hand_count(self.team), self._hand_count(self.other_team)),
            (mine, others),
            "the hand count agrees",
        )
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute(
                (self.meetings | self.other_meetings).ids
            )
        )

    def test_the_preset_counts_this_salespersons_meetings(self):
        self.assertEqual(self.meetings.current_value, 3.0)

    def test_moving_a_membership_moves_her_meetings(self):
        membership = self.env["crm.team.member"].search(
            [("user_id", "=", self.salesperson.id), ("crm_team_id", "=", self.team.id)]
        )
        membership.crm_team_id = self.other_team
        self._commit_point()
        self._assert_counts(0.0, 3.0)

    def test_joining_another_team_moves_her_meetings(self):
        # One team per salesperson (Odoo's default): joining the other team
        # archives her membership of the first.
        self.env["ir.config_parameter"].sudo().set_param(
            "sales_team.membership_multi", False
        )
        self.env["crm.team.member"].create(
            {"user_id": self.salesperson.id, "crm_team_id": self.other_team.id}
        )
        self._commit_point()
        old = (
            self.env["crm.team.member"]
            .with_context(active_test=False)
            .search(
                [
                    ("user_id", "=", self.salesperson.id),
                    ("crm_team_id", "=", self.team.id),
                ]
            )
        )
        self.assertFalse(old.active)
        self._assert_counts(0.0, 3.0)

    def test_leaving_and_joining_teams_moves_her_meetings(self):
        self.env["crm.team.member"].search(
            [("user_id", "=", self.salesperson.id)]
        ).unlink()
        self._commit_point()
        self._assert_counts(0.0, 0.0)
        self.env["crm.team.member"].create(
            {"user_id": self.salesperson.id, "crm_team_id": self.other_team.id}
        )
        self._commit_point()
        self._assert_counts(0.0, 3.0)


@tagged("post_install", "-at_install")
class TestCurrencyRates(OkrCrmCase):
    """A rate entered for a past date converts the amounts of that date
    again, in the same transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        cls.eur = cls.env.ref("base.EUR")
        (cls.usd | cls.eur).active = True
        cls.company_currency = cls.company.currency_id
        # the key result in a currency other than the deals' company's
        cls.foreign = cls.eur if cls.company_currency != cls.eur else cls.usd
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", currency_id=cls.foreign.id
        )

    def test_a_rate_for_a_past_date_converts_again(self):
        deal = self._new_deal(amount=1000.0)
        deal.action_set_won()
        self._commit_point()
        closed = deal.date_closed.date()

        def by_hand():
            return self.company_currency._convert(
                1000.0, self.foreign, self.company, closed
            )

        self.assertAlmostEqual(self.revenue.current_value, by_hand())
        before = self.revenue.current_value
        self.env["res.currency.rate"].create(
            {
                "currency_id": self.foreign.id,
                "name": closed - timedelta(days=1),
                "rate": 7.0,
                "company_id": self.company.root_id.id,
            }
        )
        self._commit_point()
        self.env.invalidate_all()
        self.assertNotAlmostEqual(self.revenue.current_value, before)
        self.assertAlmostEqual(self.revenue.current_value, by_hand())
