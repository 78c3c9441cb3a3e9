import random
from contextlib import contextmanager

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL

from ..engine.rollup import rollup_ancestors
from ..models.okr_key_result_rollup import TREE_CHANGED_KEY
from .common import OkrCrmCase


class RolledBack(Exception):
    """What a test raises to roll a savepoint back."""


@tagged("post_install", "-at_install")
class TestRollup(OkrCrmCase):
    """The seed's cascade as numbers: salespeople's revenue, their team's
    sum, the department's, and the team leader's share reaching quota."""

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
        # Level 3 and 2: the department's revenue is its team's, the team's
        # its salespeople's.
        cls.department_revenue = cls._new_rollup(
            cls.department, name="Department revenue", target_value=3000.0
        )
        cls.team_revenue = cls._new_rollup(
            cls.team_objective,
            name="Team revenue",
            parent_id=cls.department_revenue.id,
        )
        # Level 1: automatic, counting each salesperson's won deals.
        cls.lan_revenue = cls._new_auto_key_result(
            cls.my_objective,
            "won_revenue",
            name="Lan's revenue",
            scope="owner",
            parent_id=cls.team_revenue.id,
        )
        cls.hung_revenue = cls._new_auto_key_result(
            cls.colleague_objective,
            "won_revenue",
            name="Hung's revenue",
            scope="owner",
            parent_id=cls.team_revenue.id,
        )
        # The team leader's "100% of salespeople reach their quota".
        cls.quota_share = cls._new_rollup(
            cls.team_objective,
            "share_achieved",
            children=cls.lan_revenue | cls.hung_revenue,
            name="Salespeople reaching quota",
        )
        cls.env.cr.flush()

    @contextmanager
    def _refused(self, exception, pattern):
        """``assertRaisesRegex`` in a savepoint, as Odoo's ``assertRaises``."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def _stored_value(self, key_result):
        """The value in the database, as another transaction will read it."""
        return self.env.execute_query(
            SQL("SELECT current_value FROM okr_key_result WHERE id = %s", key_result.id)
        )[0][0]

    def test_two_salespeople_win_and_the_cascade_moves(self):
        lan_deal = self._new_deal(user=self.salesperson, amount=1200.0)
        hung_deal = self._new_deal(user=self.colleague, amount=400.0)
        lan_deal.action_set_won()
        hung_deal.action_set_won()
        # What runs before the commit, in the deals' transaction.
        self._commit_point()
        # By hand: Lan 1200 (quota 1000 reached), Hung 400 (not reached).
        expected = {
            self.lan_revenue: 1200.0,
            self.hung_revenue: 400.0,
            self.team_revenue: 1600.0,
            self.department_revenue: 1600.0,
            self.quota_share: 50.0,
        }
        for key_result, value in expected.items():
            self.assertAlmostEqual(self._stored_value(key_result), value)
            self.assertAlmostEqual(key_result.current_value, value)
        self.assertAlmostEqual(self.team_revenue.progress, 80.0)
        self.assertAlmostEqual(
            self.department_revenue.progress, 1600.0 / 30.0, places=1
        )

        hung_second = self._new_deal(user=self.colleague, amount=650.0)
        hung_second.action_set_won()
        self._commit_point()
        self.assertAlmostEqual(self._stored_value(self.team_revenue), 2250.0)
        self.assertAlmostEqual(self._stored_value(self.department_revenue), 2250.0)
        self.assertAlmostEqual(self._stored_value(self.quota_share), 100.0)
        self.assertEqual(self.quota_share.status, "achieved")

        # Lan's deal reopened: every level follows it down.
        lan_deal.stage_id = self.open_stage
        self._commit_point()
        self.assertAlmostEqual(self._stored_value(self.team_revenue), 1050.0)
        self.assertAlmostEqual(self._stored_value(self.department_revenue), 1050.0)
        self.assertAlmostEqual(self._stored_value(self.quota_share), 50.0)

    def test_the_engine_locks_the_rollups_over_what_it_updates(self):
        self.assertEqual(
            self.env["okr.key.result"]._okr_rollup_ancestor_ids(self.lan_revenue.ids),
            {self.team_revenue.id, self.department_revenue.id, self.quota_share.id},
        )
        self.assertEqual(
            self.env["okr.key.result"]._okr_rollup_parent_ids(self.lan_revenue.ids),
            {self.team_revenue.id, self.quota_share.id},
        )

    def _ancestors_by_hand(self, key_result_ids):
        """The live roll-ups over ``key_result_ids``, to any depth, by a
        recursive query written here: the cached tree must agree with it."""
        rows = self.env.execute_query(
            SQL(
                """
                WITH RECURSIVE edge(child, parent) AS (
                    SELECT child_id, parent_id FROM okr_key_result_rollup_rel
                    UNION ALL
                    SELECT id, parent_id FROM okr_key_result k
                     WHERE parent_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM okr_key_result_rollup_rel r
                         WHERE r.parent_id = k.parent_id)
                ), live(child, parent) AS (
                    SELECT e.child, e.parent FROM edge e
                      JOIN okr_key_result p ON p.id = e.parent
                     WHERE p.source = 'rollup' AND p.active
                ), up(id) AS (
                    SELECT parent FROM live WHERE child = ANY(%s)
                    UNION
                    SELECT live.parent FROM live JOIN up ON live.child = up.id
                )
                SELECT id FROM up
                """,
                list(key_result_ids),
            )
        )
        return {row[0] for row in rows}

    def test_the_cached_tree_follows_every_change_of_it(self):
        key_results = self.env["okr.key.result"]
        lan = self.lan_revenue.ids

        def check(expected):
            self.env.flush_all()
            # as this transaction reads it, then as the next ones (the
            # cached tree) once the change is committed
            self.assertEqual(key_results._okr_rollup_ancestor_ids(lan), expected)
            self.env.cr.postcommit.data.pop(TREE_CHANGED_KEY, None)
            self.assertEqual(key_results._okr_rollup_ancestor_ids(lan), expected)
            self.assertEqual(self._ancestors_by_hand(lan), expected)

        check({self.team_revenue.id, self.department_revenue.id, self.quota_share.id})
        # Taken out of the team's sum: only the share still takes it.
        self.lan_revenue.parent_id = False
        check({self.quota_share.id})
        # An explicit choice: the department takes Lan directly.
        self.department_revenue.rollup_child_ids = self.lan_revenue
        check({self.quota_share.id, self.department_revenue.id})
        # The share archived, then no longer a roll-up.
        self.quota_share.active = False
        check({self.department_revenue.id})
        self.department_revenue.source = "manual"
        check(set())
        # A new roll-up created over Lan.
        new_rollup = self._new_rollup(
            self.department, name="Top sellers", children=self.lan_revenue
        )
        check({new_rollup.id})
        new_rollup.unlink()
        check(set())

    def test_a_rolled_back_change_of_the_tree_is_not_kept(self):
        key_results = self.env["okr.key.result"]
        lan = self.lan_revenue.ids
        expected = self._ancestors_by_hand(lan)
        with self.assertRaises(RolledBack), self.env.cr.savepoint():
            self.lan_revenue.parent_id = False
            self.env.flush_all()
            self.assertEqual(
                key_results._okr_rollup_ancestor_ids(lan), {self.quota_share.id}
            )
            raise RolledBack()
        self.lan_revenue.invalidate_recordset()
        self.assertEqual(key_results._okr_rollup_ancestor_ids(lan), expected)
        # and the cache holds the tree as the database does
        graph = key_results._okr_rollup_graph()
        self.assertEqual(rollup_ancestors(graph, lan), expected)

    def test_average_and_minimum_of_manual_key_results(self):
        objective = self._new_objective(name="Coach the team", level="team")
        rollup = self._new_rollup(
            objective, "average", name="Average of skills", unit="number"
        )
        children = [
            self._new_key_result(
                self._new_objective(name=f"Skills {i}", parent_id=objective.id),
                name=f"Skill score {i}",
                parent_id=rollup.id,
            )
            for i in range(3)
        ]
        for child, value in zip(children, (10.0, 20.0, 60.0), strict=True):
            self._check_in(child, value)
        self._commit_point()
        self.assertAlmostEqual(rollup.current_value, 30.0)
        rollup.rollup_method = "minimum"
        self._commit_point()
        self.assertAlmostEqual(rollup.current_value, 10.0)
        # A child archived leaves it.
        children[0].active = False
        self._commit_point()
        self.assertAlmostEqual(rollup.current_value, 20.0)
        # So does a child deleted, and one whose objective is archived.
        children[1].unlink()
        self._commit_point()
        self.assertAlmostEqual(rollup.current_value, 60.0)
        children[2].objective_id.active = False
        self._commit_point()
        self.assertAlmostEqual(rollup.current_value, rollup.baseline_value)
        self.assertIn("No key result to roll up", rollup.rollup_note)

    def test_a_rollup_of_rollups_of_mixed_sources(self):
        # A manual key result beside the automatic ones under the team.
        extra = self._new_key_result(
            self._new_objective(name="Partner sales", parent_id=self.team_objective.id),
            name="Partner revenue",
            unit="currency",
            target_value=500.0,
            parent_id=self.team_revenue.id,
        )
        self._check_in(extra, 250.0)
        deal = self._new_deal(user=self.salesperson, amount=100.0)
        deal.action_set_won()
        self._commit_point()
        self.assertAlmostEqual(self.team_revenue.current_value, 350.0)
        self.assertAlmostEqual(self.department_revenue.current_value, 350.0)
        # Taken out of the team: its amount leaves both levels.
        extra.parent_id = False
        self._commit_point()
        self.assertAlmostEqual(self.department_revenue.current_value, 100.0)

    def test_no_children_is_flagged_not_refused(self):
        rollup = self._new_rollup(self.department, baseline_value=5.0)
        self._commit_point()
        self.assertAlmostEqual(rollup.current_value, 5.0)
        self.assertIn("No key result to roll up", rollup.rollup_note)
        self.lan_revenue.parent_id = rollup
        self._commit_point()
        self.assertFalse(rollup.rollup_note)
        self.assertAlmostEqual(rollup.current_value, 0.0)

    def test_a_cycle_is_refused(self):
        with self._refused(ValidationError, "from itself"):
            self.team_revenue.rollup_child_ids = self.department_revenue
        with self._refused(ValidationError, "from itself"):
            self.team_revenue.rollup_child_ids = self.team_revenue
        # Through a later re-alignment: the department under its own team.
        with self._refused(ValidationError, "from itself"):
            self.department_revenue.parent_id = self.team_revenue
        # Through an explicit choice two levels down.
        with self._refused(ValidationError, "from itself"):
            self.quota_share.parent_id = self.lan_revenue
            self.lan_revenue.write(
                {
                    "source": "rollup",
                    "rollup_child_ids": [Command.set(self.quota_share.ids)],
                }
            )

    def test_units_that_cannot_be_combined_are_refused(self):
        with self._refused(ValidationError, "Percent"):
            self._new_key_result(
                self.my_objective,
                name="Conversion",
                unit="percent",
                parent_id=self.team_revenue.id,
            )
        with self._refused(ValidationError, "Unit: the share"):
            self.quota_share.unit = "currency"
        with self._refused(ValidationError, "cannot mix"):
            self.team_revenue.rollup_child_ids = self.lan_revenue | self.quota_share
        # The share achieved takes any unit.
        conversion = self._new_key_result(
            self.my_objective, name="Conversion", unit="percent", target_value=20.0
        )
        self.quota_share.rollup_child_ids |= conversion
        self._check_in(conversion, 25.0)
        self._commit_point()
        self.assertAlmostEqual(self.quota_share.current_value, 100.0 / 3)

    def test_other_currencies_are_converted_at_todays_rate(self):
        usd = self.company.currency_id
        eur = self.env.ref("base.EUR")
        eur.active = True
        today = self.env["okr.key.result"]._okr_today()
        self.env["res.currency.rate"].create(
            {
                "currency_id": eur.id,
                "company_id": self.company.id,
                "name": today,
                "rate": 0.8,
            }
        )
        objective = self._new_objective(name="Europe", level="department")
        rollup = self._new_rollup(objective, currency_id=eur.id)
        euro_child = self._new_key_result(
            self._new_objective(name="Paris", parent_id=objective.id),
            unit="currency",
            currency_id=eur.id,
            parent_id=rollup.id,
        )
        dollar_child = self._new_key_result(
            self._new_objective(name="New York", parent_id=objective.id),
            unit="currency",
            currency_id=usd.id,
            parent_id=rollup.id,
        )
        self._check_in(euro_child, 100.0)
        self._check_in(dollar_child, 250.0)
        self._commit_point()
        # By hand: 100 EUR + 250 USD x 0.8 EUR per USD.
        self.assertAlmostEqual(rollup.current_value, 300.0)
        self.assertIn(f"1 {usd.name} = 0.8 EUR", rollup.rollup_note)
        self.assertIn(fields.Date.to_string(today), rollup.rollup_note)

    def test_only_managers_shape_rollups(self):
        lan = self.env(user=self.salesperson)
        my_kr = self._new_key_result(self.my_objective, name="Calls", unit="number")
        with self.assertRaises(AccessError):
            lan["okr.key.result"].create(
                {
                    "name": "My own roll-up",
                    "objective_id": self.my_objective.id,
                    "source": "rollup",
                    "unit": "number",
                    "target_value": 10.0,
                }
            )
        with self.assertRaises(AccessError):
            my_kr.with_user(self.salesperson).source = "rollup"
        with self.assertRaises(AccessError):
            # Her own key result into her team's sum: it would move it.
            my_kr.with_user(self.salesperson).write(
                {"unit": "currency", "parent_id": self.team_revenue.id}
            )
        with self.assertRaises(AccessError):
            self.lan_revenue.with_user(self.salesperson).parent_id = False
        with self.assertRaises(ValidationError):
            self.team_revenue.with_user(self.leader).current_value = 1e9
        with self.assertRaises(AccessError):
            self.team_revenue.with_user(self.leader).rollup_child_ids = self.lan_revenue
        with self.assertRaises(AccessError):
            self.team_revenue.with_user(self.leader).rollup_method = "minimum"
        with self.assertRaises(ValidationError):
            self._check_in(self.team_revenue, 10.0)
        # Aligning under a key result that is not a roll-up is hers to do.
        manual_parent = self._new_key_result(self.team_objective, name="Team calls")
        my_kr.with_user(self.salesperson).parent_id = manual_parent
        self.assertEqual(my_kr.parent_id, manual_parent)

    def test_random_work_agrees_with_a_count_by_hand(self):
        """Deals, check-ins, re-alignments and archives at random; after each
        commit point every roll-up equals its children's values combined by
        hand, level by level from the bottom."""
        rng = random.Random(20261201)
        manual = [
            self._new_key_result(
                self.my_objective,
                name=f"Side revenue {i}",
                unit="currency",
                target_value=300.0,
                parent_id=self.team_revenue.id,
            )
            for i in range(3)
        ]
        self.quota_share.rollup_child_ids |= manual[0]
        users = self.salesperson | self.colleague
        deals = self.env["crm.lead"]
        rollups = self.department_revenue | self.team_revenue | self.quota_share
        for step in range(60):
            action = rng.choice(["deal", "deal", "win", "reopen", "checkin", "move"])
            if action == "deal" or not deals:
                deals |= self._new_deal(
                    user=rng.choice(users), amount=rng.choice([100.0, 250.5, 700.0])
                )
            elif action == "win":
                rng.choice(deals).action_set_won()
            elif action == "reopen":
                rng.choice(deals).stage_id = self.open_stage
            elif action == "checkin":
                self._check_in(rng.choice(manual), rng.choice([0.0, 120.0, 333.3]))
            else:
                child = rng.choice(manual)
                child.parent_id = False if child.parent_id else self.team_revenue
            if rng.random() < 0.3 or step == 59:
                self._commit_point()
                self._assert_rollups_by_hand(rollups, f"step {step}")

    def _assert_rollups_by_hand(self, rollups, message):
        """Each roll-up from its children's values read in SQL, children
        first: no code of the roll-ups is used."""
        self.env.invalidate_all()
        for rollup in rollups:
            explicit = self.env.execute_query(
                SQL(
                    "SELECT child_id FROM okr_key_result_rollup_rel"
                    " WHERE parent_id = %s",
                    rollup.id,
                )
            )
            if explicit:
                child_ids = [row[0] for row in explicit]
            else:
                child_ids = [
                    row[0]
                    for row in self.env.execute_query(
                        SQL(
                            "SELECT id FROM okr_key_result WHERE parent_id = %s"
                            " AND active",
                            rollup.id,
                        )
                    )
                ]
            rows = self.env.execute_query(
                SQL(
                    "SELECT current_value, baseline_value, target_value"
                    " FROM okr_key_result WHERE id IN %s",
                    tuple(child_ids) or (0,),
                )
            )
            if rollup.rollup_method == "sum":
                expected = sum(row[0] for row in rows)
            else:  # share achieved, all of them with a baseline of 0
                expected = (
                    100.0 * sum(1 for row in rows if row[0] >= row[2]) / len(rows)
                )
            self.assertAlmostEqual(
                self._stored_value(rollup),
                expected,
                places=4,
                msg=f"{message}: {rollup.name}",
            )

    def test_an_automatic_sum_flags_children_aiming_elsewhere(self):
        """The seed's case: 450 + 450 bn under a 300 bn company revenue."""
        company = self._new_auto_key_result(
            self.department, "won_revenue", scope="company", target_value=300.0
        )
        for preset in ("b2b_won_revenue", "b2c_won_revenue"):
            self._new_auto_key_result(
                self.department,
                preset,
                scope="company",
                target_value=450.0,
                parent_id=company.id,
            )
        self.assertTrue(company.has_alignment_warning)
        self.assertIn("900", company.alignment_warning)
        self.assertIn("its own target is 300", company.alignment_warning)
