"""Numbers that cannot be poisoned: non-finite input, absurd dates, amounts
of any size, rule values of the wrong type."""

from datetime import date
from decimal import Decimal
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestNonFiniteNumbers(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calls = cls._new_key_result(cls.my_objective, name="Calls")

    def test_non_finite_key_result_numbers_are_refused_with_the_field_named(self):
        for fname, label in (
            ("target_value", "Target"),
            ("baseline_value", "Baseline"),
            ("weight", "Weight"),
        ):
            for value in ("NaN", float("nan"), "inf", float("-inf"), "1e400"):
                with (
                    self.subTest(field=fname, value=value),
                    self.assertRaisesRegex(
                        ValidationError, f"^{label} must be a finite"
                    ),
                ):
                    self.calls.write({fname: value})
            with (
                self.subTest(field=fname, value="abc"),
                self.assertRaisesRegex(
                    ValidationError, f"^{label}: “abc” is not a number"
                ),
            ):
                self.calls.write({fname: "abc"})
        with self.assertRaisesRegex(ValidationError, "^Target must be a finite"):
            self._new_key_result(self.my_objective, target_value=float("nan"))
        self.assertEqual(self.calls.target_value, 100.0)

    def test_non_finite_check_in_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "^Value must be a finite"):
            self._check_in(self.calls, "NaN")
        checkin = self._check_in(self.calls, 40)
        with self.assertRaisesRegex(ValidationError, "^Value must be a finite"):
            checkin.value = float("inf")
        # as over JSON-RPC: the raw value reaches write()
        with self.assertRaisesRegex(ValidationError, "^Confidence must be a finite"):
            checkin.write({"confidence": float("nan")})
        self.assertEqual(self.calls.current_value, 40.0)

    def test_objective_dates_stay_within_sane_years(self):
        for start, end, label in (
            (date(1, 1, 1), date(2026, 12, 31), "Start Date"),
            (date(2026, 1, 1), date(9999, 12, 31), "End Date"),
        ):
            with (
                self.subTest(start=start, end=end),
                self.assertRaisesRegex(ValidationError, f"^{label} of objective"),
            ):
                self._new_objective(date_start=start, date_end=end)
        with self.assertRaisesRegex(ValidationError, "^End Date of objective"):
            self.my_objective.date_end = date(9999, 12, 31)

    def test_values_the_okrs_keep_are_not_written_by_hand(self):
        # Progress, status and errors come from values, never from a write,
        # not even a manager's.
        for record, vals in (
            (self.my_objective, {"progress": 100}),
            (self.my_objective, {"status": "achieved"}),
            (self.calls, {"progress": 100}),
            (self.calls, {"computation_error": False}),
        ):
            with self.subTest(model=record._name, vals=vals):
                with self.assertRaisesRegex(Exception, "kept by the OKRs"):
                    record.with_user(self.director).write(vals)


@tagged("post_install", "-at_install")
class TestExactTotals(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revenue = cls._new_auto_key_result(cls.my_objective, "won_revenue")
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team", cadence="month"
        )

    def _value_sum(self, key_result):
        return sum(
            Decimal(str(row)) for row in key_result.period_value_ids.mapped("value_sum")
        )

    def test_an_absurd_amount_corrected_leaves_the_others_exact(self):
        self._new_deal(amount=11e9).action_set_won()
        absurd = self._new_deal(amount=1e30)
        absurd.action_set_won()
        self._commit_point()
        self.assertEqual(self.revenue.current_value, 1e30 + 11e9)
        absurd.expected_revenue = 1
        self._commit_point()
        # by hand: 11,000,000,000 + 1
        self.assertEqual(self.revenue.current_value, 11_000_000_001.0)
        self.assertEqual(self.team_revenue.current_value, 11_000_000_001.0)
        self.assertFalse(self.env["okr.key.result"]._okr_recompute(self.revenue.ids))
        self.env.cr.execute(
            "SELECT value_sum::text FROM okr_key_result_period"
            " WHERE key_result_id = %s",
            (self.revenue.id,),
        )
        self.assertEqual(Decimal(self.env.cr.fetchone()[0]), Decimal(11_000_000_001))

    def test_totals_are_exact_whatever_the_sequence_of_amounts(self):
        # Amounts that floats cannot add exactly (1 beside 10**20), won,
        # changed and lost in turn: the stored sum is the exact sum of what
        # is won at the end. (Whole amounts: the currency may have no cents.)
        deals = [self._new_deal(amount=amount) for amount in (1, 2, 3, 1e20)]
        for deal in deals:
            deal.action_set_won()
            self._commit_point()
        deals[3].expected_revenue = 7
        self._commit_point()
        deals[1].stage_id = self.open_stage
        deals[1].action_set_lost()
        self._commit_point()
        deals[0].expected_revenue = 1e25
        self._commit_point()
        deals[0].expected_revenue = 1
        self._commit_point()
        self.env.cr.execute(
            "SELECT value_sum::text FROM okr_key_result_period"
            " WHERE key_result_id = %s",
            (self.revenue.id,),
        )
        # by hand: 1 + 3 + 7
        self.assertEqual(Decimal(self.env.cr.fetchone()[0]), Decimal(11))
        self.assertEqual(self.revenue.current_value, 11.0)
        # and a rebuild from scratch finds the same
        key_results = self.revenue | self.team_revenue
        self.assertFalse(self.env["okr.key.result"]._okr_recompute(key_results.ids))


@tagged("post_install", "-at_install")
class TestRuleValueTypes(OkrCrmCase):
    def _define(self, domain):
        return self.env["okr.key.result"].create(
            {
                "name": "Revenue",
                "objective_id": self.department.id,
                "source": "automatic",
                "source_model": "crm.lead",
                "source_domain": domain,
                "date_field_id": self.env.ref("crm.field_crm_lead__date_closed").id,
                "scope": "company",
                "measure": "sum",
                "measure_field_id": self.env.ref(
                    "crm.field_crm_lead__expected_revenue"
                ).id,
                "target_value": 100,
            }
        )

    def test_values_that_do_not_fit_the_field_are_refused_at_save(self):
        for domain, message in (
            ("[('expected_revenue', '>', 'abc')]", "expects a number"),
            ("[('id', 'in', 'SELECT id FROM crm_lead')]", "expects a list"),
            ("[('won_status', '=', 'wonn')]", "expects one of"),
            ("[('date_closed', '>=', 'yesterday')]", "expects a date"),
            ("[('active', '=', 'yes')]", "expects True or False"),
            ("[('partner_id.name', '=', 5)]", "expects a text"),
            ("[('partner_id', 'any', [('is_company', '=', 'no')])]", "True or False"),
            ("[('partner_id', 'ilike', 5)]", "expects a text"),
        ):
            with (
                self.subTest(domain=domain),
                self.assertRaisesRegex(ValidationError, f"^Rule: .*{message}"),
            ):
                self._define(domain)
        self.assertTrue(
            self._define(
                "[('won_status', '=', 'won'), ('expected_revenue', '>=', 10),"
                " ('date_closed', '>=', '2026-01-01'), ('partner_id', 'ilike', 'Ha'),"
                " ('stage_id', 'in', [1, 2]), ('active', 'in', [True, False])]"
            )
        )

    def test_what_postgresql_refuses_is_refused_at_save(self):
        # A failure no check of the fields foresees: the query is planned.
        with (
            patch(
                "odoo.addons.okr_sales.models.okr_key_result_definition.contribution_query",
                return_value=SQL("SELECT 'abc'::integer"),
            ),
            self.assertRaisesRegex(ValidationError, "cannot be counted.*integer"),
        ):
            self._define("[('won_status', '=', 'won')]")
