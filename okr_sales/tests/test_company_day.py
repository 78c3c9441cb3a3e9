"""One today, the company's (issue #23): in Hanoi at 00:30 on the 1st, the
server's clock (UTC) still reads 17:30 the day before, and a reader in UTC
lives the day before too; the key result lives the company's 1st."""

from dataclasses import replace
from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import BaseCase, tagged

from ..engine.contributions import family_key
from ..engine.days import (
    UTC,
    company_today,
    company_tz,
    day_of,
    day_start,
)
from ..engine.sources import CRM_SOURCES
from .common import OkrCrmCase
from .test_alerts import BEHIND, AlertCase
from .test_engine_helpers import definition

HANOI = "Asia/Ho_Chi_Minh"  # UTC+7 all year


@tagged("post_install", "-at_install")
class TestDays(BaseCase):
    """The pure helpers: a time zone and a moment in, a day out."""

    def test_the_company_time_zone_and_its_fallbacks(self):
        self.assertEqual(company_tz(HANOI, "US"), HANOI)
        # a country of one time zone: its own
        self.assertEqual(company_tz(False, "VN"), HANOI)
        self.assertEqual(company_tz(False, "vn"), HANOI)
        # several, none or an unknown name: UTC, never the reader's
        self.assertEqual(company_tz(False, "US"), UTC)
        self.assertEqual(company_tz(False, None), UTC)
        self.assertEqual(company_tz("Mars/Olympus_Mons", None), UTC)

    def test_the_day_of_a_moment(self):
        half_past_midnight = datetime(2026, 5, 31, 17, 30)  # 00:30 in Hanoi
        self.assertEqual(day_of(half_past_midnight, HANOI), date(2026, 6, 1))
        self.assertEqual(day_of(half_past_midnight, UTC), date(2026, 5, 31))
        self.assertEqual(
            day_of(datetime(2026, 5, 31, 16, 30), HANOI), date(2026, 5, 31)
        )
        # a date is a day already
        self.assertEqual(day_of(date(2026, 5, 31), HANOI), date(2026, 5, 31))
        self.assertIsNone(day_of(False, HANOI))
        self.assertEqual(company_today(HANOI, now=half_past_midnight), date(2026, 6, 1))
        with freeze_time("2026-06-30 17:30:00"):
            self.assertEqual(company_today(HANOI), date(2026, 7, 1))
            self.assertEqual(company_today(UTC), date(2026, 6, 30))

    def test_the_first_moment_of_a_day(self):
        self.assertEqual(day_start(date(2026, 6, 1), HANOI), datetime(2026, 5, 31, 17))
        self.assertEqual(day_start(date(2026, 6, 1), UTC), datetime(2026, 6, 1))
        # a summer time day: 00:00 in Brussels is 22:00 UTC the day before
        self.assertEqual(
            day_start(date(2026, 7, 1), "Europe/Brussels"), datetime(2026, 6, 30, 22)
        )

    def test_a_time_zone_is_part_of_what_a_key_result_counts(self):
        utc = definition()
        hanoi = replace(utc, tz=HANOI)
        self.assertEqual(utc.tz, UTC)
        # rebuilt when its company's time zone changes
        self.assertNotEqual(utc.key, hanoi.key)
        # and never totalled with another time zone's key results
        (lead,) = [spec for spec in CRM_SOURCES if spec.model == "crm.lead"]
        self.assertEqual(
            family_key(utc, lead), family_key(replace(utc, id=9, user_id=8), lead)
        )
        self.assertNotEqual(family_key(utc, lead), family_key(hanoi, lead))


@tagged("post_install", "-at_install")
class TestCompanyDay(AlertCase, OkrCrmCase):
    """A company in Hanoi, its salesperson reading in UTC: the won revenue of
    2026 measured each month, and each quarter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = HANOI
        cls.salesperson.tz = UTC
        cls.year = cls._new_objective(
            name="2026 in Hanoi",
            date_start=date(2026, 1, 1),
            date_end=date(2026, 12, 31),
        )
        cls.env.flush_all()

    def _win(self, amount, **vals):
        deal = self._new_deal(amount=amount, **vals)
        deal.action_set_won()
        self._commit_point()
        return deal

    def _revenue(self, cadence, target):
        key_result = self._new_auto_key_result(
            self.year,
            "won_revenue",
            scope="owner",
            cadence=cadence,
            target_value=target,
        )
        self._commit_point()
        return key_result

    def _buckets(self, key_result):
        """``{first day: value}`` of the key result's stored buckets."""
        periods = self.env["okr.key.result.period"].search(
            [("key_result_id", "=", key_result.id)]
        )
        return {period.date_start: period.value for period in periods}

    def _point(self, key_result, day):
        return self.env["okr.key.result.history"].search(
            [("key_result_id", "=", key_result.id), ("date", "=", day)]
        )

    def _status_as(self, user, key_result):
        """The status ``user`` gets when her transaction recomputes it."""
        mine = key_result.with_user(user)
        self.env.add_to_compute(mine._fields["status"], mine)
        mine.flush_recordset(["status"])
        mine.invalidate_recordset(["status"])
        return mine.status

    def test_a_deal_won_at_half_past_midnight_on_the_first_of_a_month(self):
        with freeze_time("2026-05-20 05:00:00"):
            self._win(300.0)
            monthly = self._revenue("month", 1000.0)
        with freeze_time("2026-05-31 16:30:00"):  # 23:30 in Hanoi
            self._win(200.0)
        self.assertEqual(monthly.current_value, 500.0)  # 300 + 200, May's
        with freeze_time("2026-05-31 17:30:00"):  # June 1st, 00:30 in Hanoi
            self._win(300.0)
            # May: the deals of the 20th and the 31st; June: this one
            self.assertEqual(
                self._buckets(monthly),
                {date(2026, 5, 1): 500.0, date(2026, 6, 1): 300.0},
            )
            self.env.invalidate_all()
            self.assertEqual(monthly.current_value, 300.0)
            # the 1st of 30 days: 1000 / 30 expected (an amount, in the
            # currency's rounding), 30% against 3.3%
            rounded = monthly.currency_id.round
            self.assertEqual(monthly.expected_value, rounded(1000.0 / 30))
            self.assertAlmostEqual(monthly.expected_progress, 100.0 / 30, places=1)
            # (May's 800 against May's 1000 would have been at risk)
            self.assertEqual(monthly.status, "on_track")
            point = self._point(monthly, date(2026, 6, 1))
            self.assertEqual(point.value, 300.0)
            self.assertFalse(
                self._point(monthly, date(2026, 5, 31)).filtered(
                    lambda p: p.value == 300.0
                )
            )
            # Lan reads in UTC, where it is still May 31st: the same day
            self.assertEqual(self._status_as(self.salesperson, monthly), "on_track")
            self.assertEqual(
                monthly.with_user(self.salesperson).expected_value,
                rounded(1000.0 / 30),
            )
            # and her check-in on a manual key result is dated the 1st
            calls = self._new_key_result(self.year, name="Calls", target_value=90.0)
            checkin = (
                self.env["okr.checkin"]
                .with_user(self.salesperson)
                .with_context(default_key_result_id=calls.id)
                .create({"value": 3.0})
            )
            self.assertEqual(checkin.date, date(2026, 6, 1))

    def test_a_deal_won_at_half_past_midnight_on_the_first_of_a_quarter(self):
        with freeze_time("2026-06-20 05:00:00"):
            self._win(2500.0)
            quarterly = self._revenue("quarter", 3000.0)
            self.assertEqual(quarterly.current_value, 2500.0)
            self.assertEqual(quarterly.status, "on_track")
            self.assertFalse(self._activities(quarterly, BEHIND))
        with freeze_time("2026-06-30 17:30:00"):  # July 1st, 00:30 in Hanoi
            self._win(10.0)
            self.assertEqual(
                self._buckets(quarterly),
                {date(2026, 4, 1): 2500.0, date(2026, 7, 1): 10.0},
            )
            self.env.invalidate_all()
            self.assertEqual(quarterly.current_value, 10.0)
            # the 1st of the quarter's 92 days: 3000 / 92 expected, 0.3%
            # against 1.1%: off track (Q2's 2510 would have been at risk)
            rounded = quarterly.currency_id.round
            self.assertEqual(quarterly.expected_value, rounded(3000.0 / 92))
            self.assertAlmostEqual(quarterly.expected_progress, 100.0 / 92, places=1)
            self.assertEqual(quarterly.status, "off_track")
            self.assertEqual(self._status_as(self.salesperson, quarterly), "off_track")
            activity = self._activities(quarterly, BEHIND)
            self.assertEqual(len(activity), 1)
            self.assertEqual(activity.date_deadline, date(2026, 7, 1))
            self.assertEqual(self._point(quarterly, date(2026, 7, 1)).value, 10.0)

    def test_a_deal_won_at_half_past_eleven_on_the_last_day_counts_in_its_month(self):
        with freeze_time("2026-05-20 05:00:00"):
            monthly = self._revenue("month", 1000.0)
        with freeze_time("2026-05-31 16:30:00"):  # May 31st, 23:30 in Hanoi
            self._win(200.0)
            self.assertEqual(self._buckets(monthly), {date(2026, 5, 1): 200.0})
            self.assertEqual(monthly.current_value, 200.0)
            self.assertEqual(self._point(monthly, date(2026, 5, 31)).value, 200.0)

    def test_a_new_time_zone_counts_the_records_again(self):
        self.company.partner_id.tz = UTC
        self.env.flush_all()
        with freeze_time("2026-05-20 05:00:00"):
            monthly = self._revenue("month", 1000.0)
        with freeze_time("2026-05-31 17:30:00"):
            self._win(300.0)  # May 31st in UTC, June 1st in Hanoi
            self.assertEqual(self._buckets(monthly), {date(2026, 5, 1): 300.0})
            self.company.partner_id.tz = HANOI
            self._commit_point()
            self.assertEqual(self._buckets(monthly), {date(2026, 6, 1): 300.0})
            self.env.invalidate_all()
            self.assertEqual(monthly.current_value, 300.0)

    def _customers(self, count):
        return self.env["res.partner"].create(
            [{"name": f"Customer {n}", "is_company": True} for n in range(count)]
        )

    def _new_customers_of_june(self):
        june = self._new_objective(
            name="June",
            date_start=date(2026, 6, 1),
            date_end=date(2026, 6, 30),
        )
        return self._new_auto_key_result(
            june, "new_customers", scope="owner", target_value=10.0
        )

    def test_a_first_customer_is_new_on_the_company_day(self):
        """New customers of June in Hanoi: the deal of 00:30 on June 1st is in
        June, the one of 23:30 on May 31st before it ("first time ever")."""
        returning, new = self._customers(2)
        with freeze_time("2026-05-31 16:30:00"):  # May 31st, 23:30 in Hanoi
            self._win(100.0, partner=returning)
        with freeze_time("2026-05-31 17:30:00"):  # June 1st, 00:30 in Hanoi
            self._win(100.0, partner=new)
        with freeze_time("2026-06-10 05:00:00"):
            self._win(100.0, partner=returning)
            customers = self._new_customers_of_june()
            self.env.invalidate_all()
            # by hand: only the second customer won a first deal in June
            self.assertEqual(customers.current_value, 1.0)

    def test_a_changed_record_of_the_day_before_counts_its_customer_again(self):
        """In New York, 02:00 UTC on June 1st is still May 31st: a deal won
        then is before June. Given to another customer, its customer's June
        deal becomes the customer's first, and is counted so."""
        self.company.partner_id.tz = "America/New_York"
        first, other = self._customers(2)
        with freeze_time("2026-06-01 02:00:00"):  # May 31st, 22:00 in New York
            earlier = self._win(100.0, partner=first)
        with freeze_time("2026-06-10 15:00:00"):
            self._win(100.0, partner=first)
            customers = self._new_customers_of_june()
            self.env.invalidate_all()
            self.assertEqual(customers.current_value, 0.0)  # not new in June
            earlier.partner_id = other
            self._commit_point()
            self.env.invalidate_all()
            # by hand: the first customer's only deal is of June now; the
            # other's is of May 31st
            self.assertEqual(customers.current_value, 1.0)
            self.assertFalse(self._recomputed_values(customers))
