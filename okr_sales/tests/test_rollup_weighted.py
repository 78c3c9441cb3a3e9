"""Roll-ups weighted by target (issue #24): a plain average counts a 100 M
key result like a 15 bn one; the progress weighted by target does not."""

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestWeightedRollup(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague_objective = cls._new_objective(
            name="Reach Hung's revenue goal",
            user_id=cls.colleague.id,
            parent_id=cls.team_objective.id,
            date_start=cls.period_start,
            date_end=cls.period_end,
        )
        # A small quota and a large one: 1,000 and 15,000.
        cls.lan_revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", name="Lan's revenue", scope="owner"
        )
        cls.hung_revenue = cls._new_auto_key_result(
            cls.colleague_objective,
            "won_revenue",
            name="Hung's revenue",
            scope="owner",
            target_value=15000.0,
        )
        cls.quota_progress = cls._new_rollup(
            cls.team_objective,
            "weighted_progress",
            children=cls.lan_revenue | cls.hung_revenue,
            name="Team quota progress",
            unit="percent",
            target_value=100.0,
        )
        cls.env.cr.flush()

    def _stored_value(self, key_result):
        """The value in the database, as another transaction will read it."""
        return self.env.execute_query(
            SQL("SELECT current_value FROM okr_key_result WHERE id = %s", key_result.id)
        )[0][0]

    def test_each_salesperson_weighs_her_quota(self):
        lan_deal = self._new_deal(user=self.salesperson, amount=1200.0)
        hung_deal = self._new_deal(user=self.colleague, amount=3000.0)
        (lan_deal | hung_deal).action_set_won()
        self._commit_point()
        # By hand: Lan 100% (1,200 of 1,000: no more than 100), Hung 20%
        # (3,000 of 15,000); weighed 1,000 and 15,000. A plain average of
        # the two would say 60%.
        expected = (100.0 * 1000.0 + 20.0 * 15000.0) / 16000.0
        self.assertAlmostEqual(expected, 25.0)
        self.assertAlmostEqual(self._stored_value(self.quota_progress), expected)
        self.assertAlmostEqual(self.quota_progress.progress, expected)

        # Hung's deal reopened: Lan alone, weighing 1,000 of 16,000.
        hung_deal.stage_id = self.open_stage
        self._commit_point()
        self.assertAlmostEqual(self._stored_value(self.quota_progress), 6.25)

        # A child's target changed moves the roll-up in the same transaction.
        self.hung_revenue.target_value = 5000.0
        self._commit_point()
        self.assertAlmostEqual(
            self._stored_value(self.quota_progress), 100.0 * 1000.0 / 6000.0
        )

    def test_targets_in_other_currencies_are_converted(self):
        own = self.company.currency_id
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": eur.id,
                "company_id": self.company.id,
                "name": self.env["okr.key.result"]._okr_today(),
                "rate": 0.8,
            }
        )
        objective = self._new_objective(name="Europe", level="department")
        rollup = self._new_rollup(
            objective, "weighted_progress", unit="percent", target_value=100.0
        )
        euro_child = self._new_key_result(
            self._new_objective(name="Paris", parent_id=objective.id),
            unit="currency",
            currency_id=eur.id,
            target_value=1000.0,
            parent_id=rollup.id,
        )
        dollar_child = self._new_key_result(
            self._new_objective(name="Hanoi", parent_id=objective.id),
            unit="currency",
            currency_id=own.id,
            target_value=1000.0,
            parent_id=rollup.id,
        )
        self._check_in(euro_child, 500.0)
        self._check_in(dollar_child, 1000.0)
        self._commit_point()
        # By hand (0.8 EUR to the company's currency): Paris 50% of 1,000 EUR
        # = 1,250, Hanoi 100% of 1,000.
        expected = (50.0 * 1250.0 + 100.0 * 1000.0) / 2250.0
        self.assertAlmostEqual(rollup.current_value, expected)
        self.assertIn(f"1 EUR = 1.25 {own.name}", rollup.rollup_note)

    def test_it_is_a_percentage_of_one_unit(self):
        with self.assertRaisesRegex(
            ValidationError, "Unit: the progress weighted by target"
        ):
            self._new_rollup(
                self.team_objective,
                "weighted_progress",
                children=self.lan_revenue,
                unit="currency",
            )
        conversion = self._new_key_result(
            self.my_objective, name="Conversion", unit="percent", target_value=20.0
        )
        # Its targets weighed against each other: 20% against 15,000.
        with self.assertRaisesRegex(
            ValidationError, "Rolled Up From: .*weighs their targets"
        ):
            self.quota_progress.rollup_child_ids |= conversion
        # The share achieved mixes them.
        self.quota_progress.rollup_method = "share_achieved"
        self.quota_progress.rollup_child_ids |= conversion

    def test_only_okr_managers_choose_it(self):
        with self.assertRaises(AccessError):
            self.env(user=self.salesperson)["okr.key.result"].create(
                {
                    "name": "My weighted roll-up",
                    "objective_id": self.my_objective.id,
                    "source": "rollup",
                    "rollup_method": "weighted_progress",
                    "unit": "percent",
                    "target_value": 100.0,
                }
            )
        share = self._new_rollup(
            self.team_objective,
            "share_achieved",
            children=self.lan_revenue | self.hung_revenue,
        )
        with self.assertRaises(AccessError):
            share.with_user(self.leader).rollup_method = "weighted_progress"
        # An OKR manager who is not the superuser.
        self.assertFalse(self.director._is_superuser())
        share.with_user(self.director).rollup_method = "weighted_progress"
        director_rollup = self.env(user=self.director)["okr.key.result"].create(
            {
                "name": "Department quota progress",
                "objective_id": self.department.id,
                "source": "rollup",
                "rollup_method": "weighted_progress",
                "unit": "percent",
                "target_value": 100.0,
                "rollup_child_ids": [Command.set(self.lan_revenue.ids)],
            }
        )
        self._new_deal(user=self.salesperson, amount=500.0).action_set_won()
        self._commit_point()
        self.assertAlmostEqual(director_rollup.current_value, 50.0)
        self.assertAlmostEqual(share.current_value, 50.0 * 1000.0 / 16000.0)
