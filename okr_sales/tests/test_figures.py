"""Figures as people read them: short amounts in the key result's currency,
in the reader's locale, on cards, lists and the deal's OKRs tab."""

from odoo.tests import BaseCase, tagged
from odoo.tools import SQL

from ..tools.figures import (
    MONEY_SHORT_FROM,
    Locale,
    format_number,
    short_number,
    signed,
    with_symbol,
)
from .common import OkrCrmCase

NBSP = "\N{NO-BREAK SPACE}"
ENGLISH = Locale()
# as vi_VN writes numbers, with the suffixes of the Vietnamese translation
VIETNAMESE = Locale(
    decimal_point=",",
    thousands_sep=".",
    scales=((12, "%s nghìn tỷ"), (9, "%s tỷ"), (6, "%s triệu"), (3, "%s nghìn")),
)


@tagged("post_install", "-at_install")
class TestFigureFormatting(BaseCase):
    """The plain functions, against strings written by hand."""

    def _money(self, value, locale):
        return with_symbol(short_number(value, locale, MONEY_SHORT_FROM, 0), "₫")

    def test_money_is_short_with_three_significant_digits(self):
        for value, english, vietnamese in (
            (8_550_000_000, "8.55B", "8,55 tỷ"),
            (15_000_000_000, "15B", "15 tỷ"),
            (3_200_000_000, "3.2B", "3,2 tỷ"),
            (450_000_000_000, "450B", "450 tỷ"),
            (2_700_000_000, "2.7B", "2,7 tỷ"),
            (1_234_567_890_123, "1.23T", "1,23 nghìn tỷ"),
            (650_000_000, "650M", "650 triệu"),
            (500_000, "500K", "500 nghìn"),
            (12_345_678, "12.3M", "12,3 triệu"),
            (-3_200_000_000, "-3.2B", "-3,2 tỷ"),
            (999, "999", "999"),
            (0, "0", "0"),
        ):
            with self.subTest(value=value):
                self.assertEqual(self._money(value, ENGLISH), f"{english}{NBSP}₫")
                self.assertEqual(self._money(value, VIETNAMESE), f"{vietnamese}{NBSP}₫")

    def test_rounding_up_to_the_next_scale_says_it(self):
        # 999.6 billion is 1,000 billion at three digits: one trillion
        self.assertEqual(short_number(999_600_000_000, ENGLISH), "1T")
        self.assertEqual(short_number(999_600_000_000, VIETNAMESE), "1 nghìn tỷ")
        self.assertEqual(short_number(999_640, ENGLISH, MONEY_SHORT_FROM), "1M")

    def test_plain_numbers_in_full_with_the_locale_separators(self):
        for value, english, vietnamese in (
            (18.5, "18.5", "18,5"),
            (25.0234, "25.02", "25,02"),
            (12_500, "12,500", "12.500"),
            (2000.5, "2,000.5", "2.000,5"),
            (35, "35", "35"),
            (2_500_000, "2.5M", "2,5 triệu"),
        ):
            with self.subTest(value=value):
                self.assertEqual(short_number(value, ENGLISH), english)
                self.assertEqual(short_number(value, VIETNAMESE), vietnamese)

    def test_money_below_a_thousand_keeps_the_currency_decimals(self):
        self.assertEqual(short_number(999.5, ENGLISH, MONEY_SHORT_FROM, 2), "999.5")
        self.assertEqual(
            with_symbol(format_number(12.5, ENGLISH, 2, strip=False), "$", "before"),
            f"${NBSP}12.50",
        )

    def test_signs(self):
        self.assertEqual(signed("3,2 tỷ ₫", 3.2e9), "+3,2 tỷ ₫")
        self.assertEqual(signed("-5", -5), "-5")

    def test_non_finite_is_refused(self):
        for value in (float("nan"), float("inf"), "abc"):
            with self.subTest(value=value), self.assertRaises(ValueError):
                short_number(value, ENGLISH)


@tagged("post_install", "-at_install")
class TestKeyResultFigures(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("vi_VN")
        cls.vnd = cls.env.ref("base.VND")
        cls.vnd.active = True

    def _display(self, lang="en_US", **vals):
        key_result = self._new_key_result(self.my_objective, **vals)
        return key_result.with_context(lang=lang).value_display

    def test_money_in_the_key_result_currency(self):
        display = self._display(
            unit="currency",
            currency_id=self.vnd.id,
            baseline_value=0,
            target_value=15_000_000_000,
            current_value=8_550_000_000,
        )
        self.assertEqual(display, f"8.55B{NBSP}₫ / 15B{NBSP}₫")

    def test_numbers_with_their_unit(self):
        self.assertEqual(
            self._display(unit="number", target_value=50, current_value=35), "35 / 50"
        )
        self.assertEqual(
            self._display(unit="percent", target_value=20, current_value=18.5),
            "18.5% / 20%",
        )
        self.assertEqual(
            self._display(
                unit="days", baseline_value=30, target_value=12, current_value=14
            ),
            "14 / 12 days",
        )

    def test_vietnamese_separators(self):
        self.assertEqual(
            self._display(
                "vi_VN", unit="number", target_value=2000.5, current_value=1250
            ),
            "1.250 / 2.000,5",
        )
        self.assertEqual(
            self._display("vi_VN", unit="percent", target_value=20, current_value=18.5),
            "18,5% / 20%",
        )

    def test_amounts_are_kept_in_the_currency_precision(self):
        key_result = self._new_key_result(
            self.my_objective,
            unit="currency",
            currency_id=self.vnd.id,
            target_value=15_000_000_000.4,
        )
        # VND has no decimals: 15,000,000,000 not 15,000,000,000.40
        self.assertEqual(key_result.target_value, 15_000_000_000.0)
        key_result.flush_recordset()
        rows = self.env.execute_query(
            SQL(
                "SELECT target_value::text FROM okr_key_result WHERE id = %s",
                key_result.id,
            )
        )
        self.assertEqual(rows[0][0], "15000000000")
        # a percentage keeps its decimals
        percent = self._new_key_result(
            self.my_objective, unit="percent", target_value=18.75
        )
        self.assertEqual(percent.target_value, 18.75)

    def test_objective_card_shows_its_main_key_result(self):
        self._new_key_result(
            self.my_objective, name="Calls", target_value=50, current_value=35
        )
        revenue = self._new_key_result(
            self.my_objective,
            name="Revenue",
            unit="currency",
            currency_id=self.vnd.id,
            target_value=15_000_000_000,
            current_value=3_200_000_000,
            weight=2,
        )
        self.assertEqual(self.my_objective.main_key_result_id, revenue)
        self.assertEqual(
            self.my_objective.main_key_result_display, f"3.2B{NBSP}₫ / 15B{NBSP}₫"
        )
        # same weight: the first in sequence
        revenue.weight = 1
        self.assertEqual(self.my_objective.main_key_result_id.name, "Calls")
        self.assertEqual(self.my_objective.main_key_result_display, "35 / 50")


@tagged("post_install", "-at_install")
class TestDealOkrTab(OkrCrmCase):
    """The deal's OKRs tab: key result, owner, what the deal adds, period."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vnd = cls.env.ref("base.VND")
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective,
            "won_revenue",
            name="My revenue",
            currency_id=cls.vnd.id,
            target_value=15_000_000_000,
        )
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective,
            "won_revenue",
            name="Team revenue",
            scope="team",
            currency_id=cls.vnd.id,
            target_value=45_000_000_000,
        )
        cls.won_deals = cls._new_key_result(
            cls.my_objective,
            name="Deals won",
            source="automatic",
            source_model="crm.lead",
            source_domain="[('won_status', '=', 'won')]",
            date_field_id=cls.env.ref("crm.field_crm_lead__date_closed").id,
            measure="count",
            scope="owner",
            target_value=10,
        )
        cls.days_to_close = cls._new_auto_key_result(
            cls.my_objective,
            "days_to_close",
            baseline_value=30,
            target_value=12,
        )
        cls.deal = cls._new_deal(amount=3_200_000_000)
        # created 14 days ago, to the second, as the database stamps it
        cls.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET create_date = now() at time zone 'UTC'"
                " - interval '14 days' WHERE id = %s",
                cls.deal.id,
            )
        )
        cls.deal.invalidate_recordset(["create_date"])
        cls.deal.action_set_won()
        cls.env.cr.flush()

    def _tab(self, user=None):
        deal = self.deal.with_user(user) if user else self.deal
        return {
            line.key_result_id.name: (
                line.key_result_user_id.name,
                line.value_display,
                line.period_display,
            )
            for line in deal.okr_contribution_ids
        }

    def test_each_line_says_what_the_deal_adds_in_its_unit(self):
        year = self.period_start.year
        period = f"01/01/{year} → 12/31/{year}"
        self.assertEqual(
            self._tab(),
            {
                self.revenue.name: ("Lan", f"+3.2B{NBSP}₫", period),
                self.team_revenue.name: ("Team Leader", f"+3.2B{NBSP}₫", period),
                "Deals won": ("Lan", "+1 won deal", period),
                self.days_to_close.name: ("Lan", "+14 days", period),
            },
        )

    def test_salesperson_sees_no_key_result_she_may_not_read(self):
        # a site's rule hiding the team's key result from everyone
        self.env["ir.rule"].create(
            {
                "name": "Hide the team revenue",
                "model_id": self.env.ref("okr_sales.model_okr_key_result").id,
                "domain_force": f"[('id', '!=', {self.team_revenue.id})]",
            }
        )
        tab = self._tab(self.salesperson)
        self.assertNotIn(self.team_revenue.name, tab)
        self.assertEqual(
            set(tab), {self.revenue.name, "Deals won", self.days_to_close.name}
        )
        self.assertEqual(self.deal.with_user(self.salesperson).okr_key_result_count, 3)

    def test_colleague_sees_nothing_of_a_deal_she_may_not_read(self):
        colleague_deal = self._new_deal(user=self.colleague, amount=5_000_000_000)
        colleague_deal.action_set_won()
        self.env.cr.flush()
        contributions = self.env["okr.contribution"].with_user(self.salesperson)
        self.assertFalse(
            contributions.search(
                [("res_model", "=", "crm.lead"), ("res_id", "=", colleague_deal.id)]
            )
        )
