from datetime import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..wizards.okr_breakdown_line import PERIOD_CURRENT, PERIOD_LAST_YEAR
from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestBreakdown(OkrCrmCase):
    """A revenue key result broken down by customer, industry and province,
    beside the same period last year."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        vietnam = cls.env.ref("base.vn")
        cls.hanoi, cls.saigon = cls.env["res.country.state"].create(
            [
                {"name": "Hà Nội (test)", "code": "OKRHN", "country_id": vietnam.id},
                {
                    "name": "Hồ Chí Minh (test)",
                    "code": "OKRSG",
                    "country_id": vietnam.id,
                },
            ]
        )
        cls.steel, cls.banking = cls.env["res.partner.industry"].create(
            [{"name": "Steel (test)"}, {"name": "Banking (test)"}]
        )
        partners = cls.env["res.partner"]
        cls.steelworks = partners.create(
            {
                "name": "Hanoi Steelworks",
                "is_company": True,
                "industry_id": cls.steel.id,
                "state_id": cls.hanoi.id,
                "country_id": vietnam.id,
            }
        )
        cls.buyer = partners.create(
            {"name": "Nguyễn Thị Mai", "parent_id": cls.steelworks.id}
        )
        cls.bank = partners.create(
            {
                "name": "Saigon Bank",
                "is_company": True,
                "industry_id": cls.banking.id,
                "state_id": cls.saigon.id,
                "country_id": vietnam.id,
            }
        )
        cls.shopper = partners.create(
            {
                "name": "Lê Văn Nam",
                "is_company": False,
                "state_id": cls.hanoi.id,
                "country_id": vietnam.id,
            }
        )
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team"
        )
        cls.b2b_revenue = cls._new_auto_key_result(
            cls.department, "b2b_won_revenue", scope="company"
        )
        lan, hung = cls.salesperson, cls.colleague
        # This year: won deals, and one still open.
        cls.lan_steel = cls._new_deal(lan, 100.0, cls.buyer)
        cls.hung_bank = cls._new_deal(hung, 40.0, cls.bank)
        cls.lan_shopper = cls._new_deal(lan, 7.0, cls.shopper)
        cls._new_deal(lan, 500.0, cls.steelworks)
        # Last year's, and one of the year before.
        cls.old_lan_steel = cls._new_deal(lan, 30.0, cls.steelworks)
        cls.old_hung_bank = cls._new_deal(hung, 20.0, cls.bank)
        cls.old_lan_shopper = cls._new_deal(lan, 5.0, cls.shopper)
        cls.older = cls._new_deal(lan, 1000.0, cls.bank)
        won = (
            cls.lan_steel
            | cls.hung_bank
            | cls.lan_shopper
            | cls.old_lan_steel
            | cls.old_hung_bank
            | cls.old_lan_shopper
            | cls.older
        )
        won.action_set_won()
        cls.last_year = datetime(cls.period_start.year - 1, 8, 15, 10, 0)
        (
            cls.old_lan_steel | cls.old_hung_bank | cls.old_lan_shopper
        ).date_closed = cls.last_year
        cls.older.date_closed = datetime(cls.period_start.year - 2, 8, 15, 10, 0)
        cls.env.cr.flush()

    def _breakdown(self, key_result, user=None):
        """The lines the breakdown opens, as ``user`` sees them."""
        key_result = key_result.with_user(user) if user else key_result
        action = key_result.action_open_breakdown()
        self.assertEqual(action["res_model"], "okr.breakdown.line")
        lines = self.env["okr.breakdown.line"]
        if user:
            lines = lines.with_user(user)
        return lines.search(action["domain"])

    def _totals(self, lines):
        totals = dict.fromkeys((PERIOD_CURRENT, PERIOD_LAST_YEAR), 0.0)
        for line in lines:
            totals[line.period] += line.value
        return totals

    def test_totals_are_the_value_and_last_year_by_the_same_rule(self):
        # B2B: the individual customer's deals count in neither year.
        self.assertEqual(self.b2b_revenue.current_value, 140.0)
        lines = self._breakdown(self.b2b_revenue)
        totals = self._totals(lines)
        self.assertEqual(totals[PERIOD_CURRENT], self.b2b_revenue.current_value)
        last_year_by_hand = sum(
            deal.expected_revenue
            for deal in self.old_lan_steel | self.old_hung_bank | self.old_lan_shopper
            if deal.partner_id.commercial_partner_id.is_company
        )
        self.assertEqual(totals[PERIOD_LAST_YEAR], last_year_by_hand)
        self.assertEqual(totals[PERIOD_LAST_YEAR], 50.0)
        current = lines.filtered(lambda line: line.period == PERIOD_CURRENT)
        self.assertEqual(
            set(current.mapped("res_id")), {self.lan_steel.id, self.hung_bank.id}
        )
        past = lines - current
        self.assertEqual(
            set(past.mapped("res_id")), {self.old_lan_steel.id, self.old_hung_bank.id}
        )

    def test_lines_carry_the_record_dimensions(self):
        lines = self._breakdown(self.team_revenue)
        self.assertEqual(len(lines), 6)
        steel = lines.filtered(lambda line: line.res_id == self.lan_steel.id)
        self.assertEqual(steel.period, PERIOD_CURRENT)
        self.assertEqual(steel.res_model, "crm.lead")
        self.assertEqual(steel.record_name, self.lan_steel.display_name)
        self.assertEqual(steel.value, 100.0)
        self.assertEqual(steel.user_id, self.salesperson)
        self.assertEqual(steel.team_id, self.team)
        self.assertEqual(steel.partner_id, self.buyer)
        # the industry of the customer's company
        self.assertEqual(steel.industry_id, self.steel)
        self.assertEqual(steel.state_id, self.hanoi)
        self.assertEqual(steel.country_id, self.env.ref("base.vn"))
        self.assertEqual(steel.date, self.lan_steel.date_closed.date())
        self.assertEqual(steel.month, f"{steel.date.month:02d}")
        old_bank = lines.filtered(lambda line: line.res_id == self.old_hung_bank.id)
        self.assertEqual(old_bank.period, PERIOD_LAST_YEAR)
        self.assertEqual(old_bank.date, self.last_year.date())
        self.assertEqual((old_bank.month, old_bank.quarter), ("08", "q3"))
        self.assertEqual(old_bank.user_id, self.colleague)
        self.assertEqual(old_bank.industry_id, self.banking)
        self.assertEqual(old_bank.state_id, self.saigon)
        shopper = lines.filtered(lambda line: line.res_id == self.lan_shopper.id)
        self.assertFalse(shopper.industry_id)
        self.assertEqual(shopper.state_id, self.hanoi)

    def test_pivot_groups_by_period_and_dimension(self):
        self._breakdown(self.team_revenue)
        groups = self.env["okr.breakdown.line"]._read_group(
            [("key_result_id", "=", self.team_revenue.id)],
            ["period", "industry_id"],
            ["value:sum"],
        )
        self.assertEqual(
            {(period, industry.id): total for period, industry, total in groups},
            {
                (PERIOD_CURRENT, self.steel.id): 100.0,
                (PERIOD_CURRENT, self.banking.id): 40.0,
                (PERIOD_CURRENT, False): 7.0,
                (PERIOD_LAST_YEAR, self.steel.id): 30.0,
                (PERIOD_LAST_YEAR, self.banking.id): 20.0,
                (PERIOD_LAST_YEAR, False): 5.0,
            },
        )

    def test_by_channel_online_and_offline(self):
        website = self.env.ref("utm.utm_medium_website")
        phone = self.env.ref("utm.utm_medium_phone")
        direct = self.env.ref("utm.utm_medium_direct")
        fair = self.env["utm.source"].create({"name": "Trade fair (test)"})
        self.lan_steel.write({"medium_id": direct.id, "source_id": fair.id})
        self.hung_bank.medium_id = phone
        (self.lan_shopper | self.old_lan_shopper).medium_id = website
        self.env.cr.flush()
        self._breakdown(self.team_revenue)
        groups = self.env["okr.breakdown.line"]._read_group(
            [("key_result_id", "=", self.team_revenue.id)],
            ["period", "medium_id"],
            ["value:sum"],
        )
        # By hand: this year 100 direct, 40 by phone, 7 on the website; last
        # year only the shopper's 5 came through the website.
        self.assertEqual(
            {(period, medium.id): total for period, medium, total in groups},
            {
                (PERIOD_CURRENT, direct.id): 100.0,
                (PERIOD_CURRENT, phone.id): 40.0,
                (PERIOD_CURRENT, website.id): 7.0,
                (PERIOD_LAST_YEAR, website.id): 5.0,
                (PERIOD_LAST_YEAR, False): 50.0,
            },
        )
        by_source = self.env["okr.breakdown.line"]._read_group(
            [("key_result_id", "=", self.team_revenue.id), ("period", "=", "current")],
            ["source_id"],
            ["value:sum"],
        )
        self.assertEqual(
            {source.id: total for source, total in by_source},
            {fair.id: 100.0, False: 47.0},
        )
        # A salesperson's lines: her own deals' channels only.
        lines = self._breakdown(self.team_revenue, user=self.salesperson)
        current = lines.filtered(lambda line: line.period == "current")
        self.assertEqual(current.mapped("medium_id"), direct | website)

    def test_salesperson_sees_only_her_readable_deals(self):
        lines = self._breakdown(self.team_revenue, user=self.salesperson)
        self.assertEqual(
            set(lines.mapped("res_id")),
            {
                self.lan_steel.id,
                self.lan_shopper.id,
                self.old_lan_steel.id,
                self.old_lan_shopper.id,
            },
        )
        self.assertEqual(
            self._totals(lines), {PERIOD_CURRENT: 107.0, PERIOD_LAST_YEAR: 35.0}
        )
        # Her colleague's deals were not even written down for her: neither
        # name, amount nor customer shows through the breakdown.
        everything = (
            self.env["okr.breakdown.line"]
            .sudo()
            .search([("create_uid", "=", self.salesperson.id)])
        )
        self.assertEqual(everything, lines.sudo())
        self.assertNotIn(self.bank, everything.mapped("partner_id"))
        # while the value counts the whole team
        self.assertEqual(
            self.team_revenue.with_user(self.salesperson).current_value, 147.0
        )

    def test_each_user_reads_only_her_own_lines(self):
        leader_lines = self._breakdown(self.team_revenue, user=self.leader)
        self.assertEqual(len(leader_lines), 6)
        self.assertEqual(
            self._totals(leader_lines), {PERIOD_CURRENT: 147.0, PERIOD_LAST_YEAR: 55.0}
        )
        theirs = self.env["okr.breakdown.line"].with_user(self.colleague)
        self.assertFalse(theirs.search([("id", "in", leader_lines.ids)]))
        with self.assertRaises(AccessError):
            leader_lines.with_user(self.colleague).read(["value"])
        # Opening it again replaces one's lines instead of adding to them.
        again = self._breakdown(self.team_revenue, user=self.leader)
        self.assertEqual(len(again), 6)
        self.assertFalse(leader_lines.sudo().exists())

    def test_ratio_lines_carry_the_successes(self):
        win_rate = self._new_auto_key_result(
            self.team_objective, "win_rate", scope="team"
        )
        lost = self._new_deal(self.colleague, 10.0, self.bank)
        lost.action_set_lost()
        self.env.cr.flush()
        lines = self._breakdown(win_rate)
        current = lines.filtered(lambda line: line.period == PERIOD_CURRENT)
        self.assertEqual(len(current), 4)
        self.assertEqual(sum(current.mapped("successes")), 3)
        self.assertAlmostEqual(
            100.0 * sum(current.mapped("successes")) / len(current),
            win_rate.current_value,
        )

    def test_manual_key_result_has_no_breakdown(self):
        manual = self._new_key_result(self.my_objective)
        with self.assertRaises(UserError):
            manual.action_open_breakdown()

    def test_pivot_and_graph_open_for_a_salesperson(self):
        action = self.team_revenue.with_user(self.salesperson).action_open_breakdown()
        lines = self.env["okr.breakdown.line"].with_user(self.salesperson)
        views = lines.get_views(
            action["views"] + [(action["search_view_id"][0], "search")]
        )
        self.assertEqual(set(views["views"]), {"pivot", "graph", "list", "search"})
        # the pivot: months down, the two periods side by side as measures
        pivot = views["views"]["pivot"]["arch"]
        self.assertNotIn('name="period"', pivot)
        self.assertLess(pivot.index("value_last_year"), pivot.index("value_current"))
        groups = lines.formatted_read_grouping_sets(
            action["domain"],
            [["month"], []],
            ["value_last_year:sum", "value_current:sum"],
        )
        # each period's total, by hand: this year 100 + 7, last year 35
        total = groups[1][0]
        self.assertEqual(total["value_current:sum"], 107.0)
        self.assertEqual(total["value_last_year:sum"], 35.0)
        august = [group for group in groups[0] if group["month"] == "08"]
        self.assertEqual(august[0]["value_last_year:sum"], 35.0)

    def test_meetings_are_placed_by_their_opportunity_and_organizer(self):
        prospects = self._new_auto_key_result(
            self.team_objective, "prospects_met", scope="team"
        )
        meeting = self.env["calendar.event"].create(
            {
                "name": "Visit the steelworks",
                "user_id": self.salesperson.id,
                "opportunity_id": self.lan_steel.id,
                "start": datetime.now(),
                "stop": datetime.now(),
            }
        )
        self.env.cr.flush()
        lines = self._breakdown(prospects)
        self.assertEqual(lines.res_model, "calendar.event")
        self.assertEqual(lines.res_id, meeting.id)
        self.assertEqual(lines.user_id, self.salesperson)
        # her sales team, through her membership
        self.assertEqual(lines.team_id, self.team)
        # the customer is the opportunity's, not the organizer
        self.assertEqual(lines.partner_id, self.buyer)
        self.assertEqual(lines.industry_id, self.steel)
        self.assertEqual(lines.state_id, self.hanoi)
        self.assertEqual(lines.distinct_key, self.lan_steel.id)
        self.assertEqual(prospects.current_value, 1.0)
        # its channel is the opportunity's
        self.lan_steel.medium_id = self.env.ref("utm.utm_medium_phone")
        self.env.cr.flush()
        lines = self._breakdown(prospects)
        self.assertEqual(lines.medium_id, self.env.ref("utm.utm_medium_phone"))

    def test_an_archived_key_result_is_counted_afresh(self):
        self.team_objective.active = False
        self.env.cr.flush()
        self.assertFalse(self.team_revenue.contribution_count)
        lines = self._breakdown(self.team_revenue)
        self.assertEqual(
            self._totals(lines), {PERIOD_CURRENT: 147.0, PERIOD_LAST_YEAR: 55.0}
        )
