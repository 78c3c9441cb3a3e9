"""The engine's plain-Python helpers, without a database: domain parsing,
bucket dates, contribution deltas and the comparison of totals."""

from datetime import date

from odoo.tests import BaseCase, tagged

from ..engine.definitions import KeyResultDefinition
from ..engine.domains import DomainSyntaxError, parse_domain
from ..engine.totals import (
    diff_contributions,
    merge_deltas,
    new_bucket_deltas,
    same_row,
    same_totals,
    touched_keys,
)


def definition(**values):
    """A won-revenue definition of 2026, changed by ``values``."""
    base = {
        "source": "automatic",
        "model": "crm.lead",
        "domain": "[('won_status', '=', 'won')]",
        "numerator_domain": False,
        "date_field": "date_closed",
        "scope": "owner",
        "measure": "sum",
        "measure_field": "expected_revenue",
        "duration_start_field": False,
        "duration_end_field": False,
        "duration_unit": "currency",
        "first_time_only": False,
        "cadence": "period",
        "user_id": 7,
        "team_id": 3,
        "company_id": 1,
        "date_start": date(2026, 1, 1),
        "date_end": date(2026, 12, 31),
        "currency_id": 23,
    }
    base.update(values)
    kr_id = base.pop("id", 1)
    return KeyResultDefinition.build(kr_id, base, lambda text: parse_domain(text))


@tagged("post_install", "-at_install")
class TestDomainParsing(BaseCase):
    def test_literals_and_placeholders(self):
        domain = parse_domain(
            "['|', ('user_id', '=', owner_id), ('expected_revenue', '>', -5.5),"
            " ('date_closed', '>=', date_start), ('active', 'in', [True, False])]",
            {"owner_id": 7, "date_start": "2026-01-01"},
        )
        self.assertEqual(
            domain,
            [
                "|",
                ("user_id", "=", 7),
                ("expected_revenue", ">", -5.5),
                ("date_closed", ">=", "2026-01-01"),
                ("active", "in", [True, False]),
            ],
        )

    def test_placeholders_stay_names_without_values(self):
        self.assertEqual(
            parse_domain("[('team_id', '=', team_id)]"), [("team_id", "=", "team_id")]
        )

    def test_placeholders_given_are_the_ones_accepted(self):
        # a bridge adds its own through okr.key.result._okr_placeholders()
        self.assertEqual(
            parse_domain("[('region_id', '=', region_id)]", {"region_id": 4}),
            [("region_id", "=", 4)],
        )
        with self.assertRaises(DomainSyntaxError):
            parse_domain("[('region_id', '=', region_id)]")

    def test_empty_text_is_the_empty_domain(self):
        self.assertEqual(parse_domain(""), [])
        self.assertEqual(parse_domain(False), [])

    def test_code_is_refused(self):
        for text in (
            "[('id', '=', __import__('os').getpid())]",
            "[('name', '=', 'a'.upper())]",
            "[('id', '=', 1 + 1)]",
            "[('id', '=', unknown_name)]",
            "[('id', 'in', [x for x in range(3)])]",
        ):
            with self.subTest(text=text), self.assertRaises(DomainSyntaxError):
                parse_domain(text)

    def test_not_a_list_is_refused(self):
        for text in ("'text'", "42", "[('id', '=', 1)", "{'a': 1}"):
            with self.subTest(text=text), self.assertRaises(DomainSyntaxError):
                parse_domain(text)


@tagged("post_install", "-at_install")
class TestBucketDates(BaseCase):
    def test_a_period_is_one_bucket_and_the_stretch_before_it(self):
        year = definition()
        self.assertEqual(year.bucket_of(date(2026, 7, 4)), date(2026, 1, 1))
        self.assertEqual(year.bucket_end(date(2026, 1, 1)), date(2026, 12, 31))
        # the stretch as long as the period, just before it
        self.assertEqual(year.previous_start, date(2025, 1, 1))
        self.assertEqual(year.bucket_of(date(2025, 3, 1)), date(2025, 1, 1))

    def test_monthly_buckets_are_clamped_to_the_period(self):
        monthly = definition(
            cadence="month", date_start=date(2026, 1, 15), date_end=date(2026, 3, 10)
        )
        self.assertEqual(monthly.bucket_of(date(2026, 1, 20)), date(2026, 1, 15))
        self.assertEqual(monthly.bucket_of(date(2026, 2, 28)), date(2026, 2, 1))
        self.assertEqual(monthly.bucket_end(date(2026, 3, 1)), date(2026, 3, 10))
        self.assertEqual(monthly.bucket_end(date(2026, 2, 1)), date(2026, 2, 28))
        # before the period: the month as it is, for retention's look-back
        self.assertEqual(monthly.bucket_of(date(2025, 12, 5)), date(2025, 12, 1))

    def test_quarters_and_the_bucket_before(self):
        quarterly = definition(cadence="quarter", measure="retention")
        self.assertEqual(quarterly.bucket_of(date(2026, 5, 9)), date(2026, 4, 1))
        self.assertEqual(quarterly.previous_bucket(date(2026, 4, 1)), date(2026, 1, 1))
        # retention looks one bucket back from the period's start
        self.assertEqual(quarterly.records_start, date(2025, 10, 1))
        self.assertEqual(definition().records_start, date(2026, 1, 1))

    def test_the_current_bucket_is_today_clamped_to_the_period(self):
        monthly = definition(cadence="month")
        self.assertEqual(monthly.current_bucket(date(2026, 6, 18)), date(2026, 6, 1))
        self.assertEqual(monthly.current_bucket(date(2027, 2, 1)), date(2026, 12, 1))
        self.assertEqual(monthly.current_bucket(date(2025, 2, 1)), date(2026, 1, 1))

    def test_the_numerator_belongs_to_ratios_only(self):
        text = "[('won_status', '=', 'won')]"
        self.assertEqual(definition(numerator_domain=text).numerator_domain, ())
        ratio = definition(measure="ratio", numerator_domain=text)
        self.assertEqual(ratio.numerator_domain, [("won_status", "=", "won")])

    def test_the_key_changes_with_what_is_counted_only(self):
        self.assertEqual(definition().key, definition().key)
        self.assertEqual(definition().key, definition(id=2).key)
        self.assertNotEqual(definition().key, definition(user_id=8).key)
        self.assertNotEqual(definition().key, definition(cadence="month").key)


@tagged("post_install", "-at_install")
class TestContributionDeltas(BaseCase):
    JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)

    def test_rows_moved_between_buckets(self):
        monthly = definition(id=5, cadence="month", measure="ratio")
        old_rows = {
            (5, 100): (self.JAN, 10.0, True, None),  # moves to February
            (5, 101): (self.JAN, 20.0, False, None),  # leaves the key result
            (5, 102): (self.FEB, 30.0, False, None),  # unchanged
        }
        new_rows = {
            100: (self.FEB, 10.0, True, None),
            102: (self.FEB, 30.0, False, None),
            103: (self.FEB, 5.0, True, None),  # new
        }
        stale, fresh, deltas = [], [], new_bucket_deltas()
        diff_contributions(
            monthly, [100, 101, 102, 103], old_rows, new_rows, stale, fresh, deltas
        )
        self.assertEqual(sorted(stale), [(5, 100), (5, 101)])
        self.assertEqual(
            sorted(fresh),
            [(5, 100, self.FEB, 10.0, True, None), (5, 103, self.FEB, 5.0, True, None)],
        )
        # by hand: January loses 100 and 101, February gains 100 and 103
        self.assertEqual(
            dict(deltas),
            {(5, self.JAN): [-2, -1, -30.0, 0], (5, self.FEB): [2, 2, 15.0, 0]},
        )

    def test_merged_deltas_add_up(self):
        merged = merge_deltas({}, {(1, self.JAN): [1, 0, 2.5, 1]})
        merge_deltas(
            merged, {(1, self.JAN): [-1, 0, -2.5, 0], (2, self.JAN): [1, 1, 1.0, 0]}
        )
        self.assertEqual(
            merged, {(1, self.JAN): [0, 0, 0.0, 1], (2, self.JAN): [1, 1, 1.0, 0]}
        )

    def test_rows_compare_by_bucket_value_numerator_and_key(self):
        row = (self.JAN, 10.0, True, 4)
        self.assertTrue(same_row(row, (self.JAN, 10.0, True, 4)))
        self.assertTrue(same_row(None, None))
        self.assertFalse(same_row(row, None))
        self.assertFalse(same_row(row, (self.FEB, 10.0, True, 4)))
        self.assertFalse(same_row(row, (self.JAN, 11.0, True, 4)))
        self.assertFalse(same_row(row, (self.JAN, 10.0, False, 4)))
        self.assertFalse(same_row(row, (self.JAN, 10.0, True, 5)))

    def test_distinct_values_entering_or_leaving_a_bucket(self):
        old_rows = {
            (9, 100): (self.JAN, 1.0, False, 41),
            (3, 100): (self.JAN, 1.0, False, None),
        }
        stale = [(9, 100), (3, 100)]
        fresh = [
            (9, 100, self.FEB, 1.0, False, 42),
            (3, 100, self.FEB, 1.0, False, None),
        ]
        self.assertEqual(
            touched_keys({9}, stale, fresh, old_rows),
            {(9, self.JAN, 41), (9, self.FEB, 42)},
        )


@tagged("post_install", "-at_install")
class TestTotalsComparison(BaseCase):
    JAN = date(2026, 1, 1)

    def test_equal_totals(self):
        self.assertTrue(
            same_totals({self.JAN: (2, 1, 30.0, 2)}, {self.JAN: (2, 1, 30.0, 2)})
        )
        self.assertTrue(same_totals({}, {}))

    def test_any_difference_is_drift(self):
        stored = {self.JAN: (2, 1, 30.0, 2)}
        for computed in (
            {},
            {self.JAN: (3, 1, 30.0, 2)},
            {self.JAN: (2, 0, 30.0, 2)},
            {self.JAN: (2, 1, 31.0, 2)},
            {self.JAN: (2, 1, 30.0, 1)},
            {self.JAN: (2, 1, 30.0, 2), date(2026, 2, 1): (1, 0, 1.0, 0)},
        ):
            with self.subTest(computed=computed):
                self.assertFalse(same_totals(computed, stored))
