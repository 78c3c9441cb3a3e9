from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import OkrCrmCase

BN = 1_000_000_000

NBSP = "\N{NO-BREAK SPACE}"


@tagged("post_install", "-at_install")
class TestAlignment(OkrCrmCase):
    """The seed's cascade, checked: warnings for the manager, never refusals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vnd = cls.env.ref("base.VND")
        cls.company_objective = cls._new_objective(
            name="Reach 300 bn VND of revenue this year",
            level="company",
            user_id=cls.director.id,
            team_id=False,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )
        cls.department.parent_id = cls.company_objective
        # The seed: the company's 300 bn, summed from the department's B2B
        # 450 bn and B2C 450 bn.
        cls.company_revenue = cls._new_rollup(
            cls.company_objective,
            name="Revenue 300 bn VND",
            currency_id=cls.vnd.id,
            target_value=300 * BN,
        )
        cls.b2b = cls._new_key_result(
            cls.department,
            name="B2B revenue up to 450 bn VND",
            unit="currency",
            currency_id=cls.vnd.id,
            target_value=450 * BN,
            parent_id=cls.company_revenue.id,
        )
        cls.b2c = cls._new_key_result(
            cls.department,
            name="B2C revenue up to 450 bn VND",
            unit="currency",
            currency_id=cls.vnd.id,
            target_value=450 * BN,
            parent_id=cls.company_revenue.id,
        )
        for objective in (cls.team_objective, cls.my_objective):
            cls._new_key_result(objective, name="Calls")

    def _kinds(self, record):
        return set(record.alignment_check_ids.mapped("code"))

    def assertClear(self, *records):
        for record in records:
            self.assertFalse(record.has_alignment_warning, record.alignment_warning)
            self.assertFalse(record.alignment_warning)
            self.assertFalse(record.alignment_check_ids)

    # Targets that do not add up

    def test_seed_450_and_450_against_300_is_flagged_with_both_numbers(self):
        warning = self.company_revenue.alignment_warning
        self.assertTrue(self.company_revenue.has_alignment_warning)
        self.assertIn(f"900B{NBSP}₫", warning)
        self.assertIn(f"300B{NBSP}₫", warning)
        self.assertIn("₫", warning)
        self.assertEqual(self._kinds(self.company_revenue), {"targets_sum"})
        # On the objective's banner, naming the key result.
        self.assertIn(f"900B{NBSP}₫", self.company_objective.alignment_warning)
        self.assertIn("Revenue 300 bn VND", self.company_objective.alignment_warning)
        self.assertEqual(self._kinds(self.company_objective), {"targets_sum"})
        # The children themselves are fine.
        self.assertClear(self.b2b, self.b2c, self.department)

    def test_sum_check_clears_when_the_targets_add_up_and_flags_both_ways(self):
        self.company_revenue.target_value = 900 * BN
        self.assertClear(self.company_revenue, self.company_objective)
        # Children aiming lower than their parent: flagged too.
        self.b2b.target_value = 100 * BN
        self.b2c.target_value = 100 * BN
        self.assertIn(f"200B{NBSP}₫", self.company_revenue.alignment_warning)
        self.assertIn(f"900B{NBSP}₫", self.company_revenue.alignment_warning)
        # A child archived leaves the sum.
        self.company_revenue.target_value = 100 * BN
        self.assertTrue(self.company_revenue.has_alignment_warning)
        self.b2c.active = False
        self.assertClear(self.company_revenue)
        # Within the currency's rounding: no warning.
        self.b2b.target_value = 100 * BN + 0.3
        self.assertClear(self.company_revenue)

    def test_sum_check_reads_the_explicit_choice_of_key_results(self):
        self.company_revenue.rollup_child_ids = self.b2b
        self.assertIn(f"450B{NBSP}₫", self.company_revenue.alignment_warning)
        self.company_revenue.target_value = 450 * BN
        self.assertClear(self.company_revenue)
        # An average is not a sum: its children need not add up.
        self.company_revenue.write({"rollup_child_ids": False, "target_value": 1})
        self.assertTrue(self.company_revenue.has_alignment_warning)
        self.company_revenue.rollup_method = "average"
        self.assertClear(self.company_revenue)

    def test_sum_check_converts_other_currencies_at_todays_rate(self):
        usd = self.env.ref("base.USD")
        # Units of each currency for one US dollar; the company's at 1.
        per_usd = {self.vnd: 25000.0, usd: 1.0}
        base = per_usd.get(self.company.currency_id, 1.0)
        for currency, units in per_usd.items():
            if currency != self.company.currency_id:
                self.env["res.currency.rate"].create(
                    {
                        "currency_id": currency.id,
                        "company_id": self.company.id,
                        "name": date(2000, 1, 1),
                        "rate": units / base,
                    }
                )
        # 450 bn VND + 12 M USD (300 bn VND at 25,000) = 750 bn VND.
        self.b2c.write({"currency_id": usd.id, "target_value": 12_000_000})
        self.assertIn(f"750B{NBSP}₫", self.company_revenue.alignment_warning)
        self.company_revenue.target_value = 750 * BN
        self.assertClear(self.company_revenue)

    # Periods

    def test_objective_outside_its_parents_period_is_flagged(self):
        self.my_objective.write(
            {"date_start": date(2000, 1, 1), "date_end": date(2000, 3, 31)}
        )
        self.assertEqual(self._kinds(self.my_objective), {"period_outside"})
        self.assertIn(self.team_objective.name, self.my_objective.alignment_warning)
        # in the reader's date format, with its year
        self.assertIn("01/01/2000 - 03/31/2000", self.my_objective.alignment_warning)
        # Fixed from the parent's side: the parent widened to cover it.
        self.team_objective.date_start = date(2000, 1, 1)
        self.assertClear(self.my_objective)

    def test_key_result_outside_the_period_of_the_one_it_contributes_to(self):
        # The company's revenue narrowed to its first quarter: the
        # department's B2B revenue, over the year, lies outside it.
        first_quarter_end = self.period_start.replace(month=3, day=31)
        self.company_revenue.date_end = first_quarter_end
        self.assertEqual(self._kinds(self.b2b), {"period_outside"})
        self.assertIn("Revenue 300 bn VND", self.b2b.alignment_warning)
        self.assertIn(
            first_quarter_end.strftime("%m/%d/%Y"), self.b2b.alignment_warning
        )
        self.assertIn("period_outside", self._kinds(self.department))
        (self.b2b | self.b2c).date_end = first_quarter_end
        self.assertClear(self.b2b, self.b2c)
        self.assertNotIn("period_outside", self._kinds(self.department))

    # Objectives without key results, key results without owner

    def test_objective_without_active_key_results_is_flagged(self):
        empty = self._new_objective(name="Empty", parent_id=self.team_objective.id)
        self.assertEqual(self._kinds(empty), {"no_key_result"})
        key_result = self._new_key_result(empty, name="Calls")
        self.assertClear(empty)
        key_result.active = False
        self.assertEqual(self._kinds(empty), {"no_key_result"})
        # An archived objective is nobody's concern.
        empty.active = False
        self.assertClear(empty)

    def test_key_result_without_owner_is_flagged(self):
        self.b2b.user_id = False
        self.assertEqual(self._kinds(self.b2b), {"no_owner"})
        self.assertIn("no owner", self.department.alignment_warning)
        self.b2b.user_id = self.director
        self.assertClear(self.b2b, self.department)

    # Automatic key results counting another level's records

    def test_automatic_scope_that_does_not_match_the_level_is_flagged(self):
        team_scoped = self._new_auto_key_result(
            self.my_objective, "won_revenue", scope="team"
        )
        self.assertEqual(self._kinds(team_scoped), {"scope_level"})
        self.assertEqual(
            team_scoped.alignment_warning,
            "It counts the records of its whole sales team, though its objective "
            "is at the Individual level, which counts those of its owner.",
        )
        team_scoped.scope = "owner"
        self.assertClear(team_scoped)
        # The objective raised to the team level: the leader's own records
        # (his trainings held) are a choice, not a fault.
        self.my_objective.level = "team"
        self.assertClear(team_scoped)
        team_scoped.scope = "company"
        self.assertEqual(self._kinds(team_scoped), {"scope_level"})

    # Contributing outside the cascade

    def test_contributing_to_a_key_result_of_an_objective_not_above(self):
        unaligned = self._new_objective(name="Hung's goal", user_id=self.colleague.id)
        stray = self._new_key_result(unaligned, name="Calls of Hung")
        stray.parent_id = self.team_objective.key_result_ids
        self.assertEqual(self._kinds(stray), {"off_cascade"})
        self.assertIn(self.team_objective.name, stray.alignment_warning)
        # Aligned under the salesperson's objective, itself under the team's.
        unaligned.parent_id = self.my_objective
        self.assertClear(stray)
        # The objective in between taken out of the cascade: off again.
        self.my_objective.parent_id = False
        self.assertEqual(self._kinds(stray), {"off_cascade"})

    # Warnings, never refusals; and what a salesperson sees of them

    def test_warnings_do_not_refuse_the_save(self):
        objective = (
            self.env["okr.objective"]
            .with_user(self.salesperson)
            .create(
                {
                    "name": "A goal with no key result yet",
                    "parent_id": self.my_objective.id,
                    "period_type": "custom",
                    "date_start": date(2000, 1, 1),
                    "date_end": date(2000, 12, 31),
                }
            )
        )
        self.env.flush_all()
        self.assertEqual(self._kinds(objective), {"no_key_result", "period_outside"})

    def test_managers_filter_and_group_by_kind(self):
        self.b2b.user_id = False
        groups = dict(
            self.env["okr.objective"]._read_group(
                [
                    ("has_alignment_warning", "=", True),
                    ("company_id", "=", self.company.id),
                ],
                ["alignment_check_ids"],
                ["__count"],
            )
        )
        self.assertEqual(
            {check.code: count for check, count in groups.items()},
            {"targets_sum": 1, "no_owner": 1},
        )
        flagged = self.env["okr.key.result"].search(
            [("has_alignment_warning", "=", True), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(flagged, self.company_revenue | self.b2b)

    def test_salesperson_sees_warnings_only_on_what_she_may_read(self):
        """Every OKR user reads her companies' key results, and a warning
        names amounts of key results of its own company only: she learns
        nothing she could not read. Another company's warnings stay hidden."""
        other_company = self.env["res.company"].create({"name": "Other Company"})
        others = (
            self.env["okr.objective"]
            .with_company(other_company)
            .create({"name": "Secret goal", "company_id": other_company.id})
        )
        self.env.flush_all()
        self.assertTrue(others.has_alignment_warning)
        as_lan = self.env["okr.objective"].with_user(self.salesperson)
        self.assertIn(
            f"900B{NBSP}₫",
            self.company_objective.with_user(self.salesperson).alignment_warning,
        )
        visible = as_lan.search([("has_alignment_warning", "=", True)])
        self.assertIn(self.company_objective, visible)
        self.assertNotIn(others, visible)
        with self.assertRaises(AccessError):
            others.with_user(self.salesperson).read(["alignment_warning"])
