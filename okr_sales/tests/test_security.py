from odoo.exceptions import AccessError
from odoo.service.model import execute_cr
from odoo.tests import new_test_user, tagged

from .common import OkrCase, OkrCrmCase


@tagged("post_install", "-at_install")
class TestSecurity(OkrCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_objective = cls._new_objective(
            name="Reach 300 bn VND", level="company", user_id=cls.director.id
        )
        cls.company_kr = cls._new_key_result(cls.company_objective)
        cls.colleague_objective = cls._new_objective(
            name="Hung's revenue", user_id=cls.colleague.id
        )
        cls.colleague_kr = cls._new_key_result(cls.colleague_objective)
        cls.my_objective = cls._new_objective(
            name="Lan's revenue", user_id=cls.salesperson.id
        )
        cls.my_kr = cls._new_key_result(cls.my_objective)
        cls._check_in(cls.company_kr, 10)

    def test_salespeople_get_okr_user_and_sales_admins_okr_manager(self):
        self.assertTrue(self.salesperson.has_group("okr_sales.group_okr_user"))
        self.assertFalse(self.salesperson.has_group("okr_sales.group_okr_manager"))
        self.assertTrue(self.director.has_group("okr_sales.group_okr_manager"))

    def test_the_engines_writers_cannot_be_called_over_rpc(self):
        # What the engine writes in SQL, past the write method's checks, is
        # reached only from the server: private methods, refused over RPC.
        before = self.my_kr.current_value
        calls = {
            "_okr_write_values": [[], {self.my_kr.id: 1e9}],
            "_okr_commit_changes": [[]],
            "_okr_write_moved_message": [[], {self.my_kr.id: {"current_value"}}],
            "_okr_rollup_graph_changed": [[self.my_kr.id]],
        }
        for method, args in calls.items():
            with (
                self.subTest(method=method),
                self.assertRaisesRegex(AccessError, "cannot be called remotely"),
            ):
                execute_cr(
                    self.env.cr, self.salesperson.id, "okr.key.result", method, args, {}
                )
        self.my_kr.invalidate_recordset()
        self.assertEqual(self.my_kr.current_value, before)

    def test_salesperson_reads_every_objective(self):
        objectives = self.env["okr.objective"].with_user(self.salesperson)
        visible = objectives.search([])
        self.assertIn(self.company_objective, visible)
        self.assertIn(self.colleague_objective, visible)
        self.assertEqual(
            self.colleague_objective.with_user(self.salesperson).name,
            "Hung's revenue",
        )
        self.assertEqual(
            self.colleague_kr.with_user(self.salesperson).progress,
            self.colleague_kr.progress,
        )

    def test_salesperson_cannot_edit_a_colleague_objective(self):
        with self.assertRaises(AccessError):
            self.colleague_objective.with_user(self.salesperson).name = "Mine now"
        with self.assertRaises(AccessError):
            self.company_objective.with_user(self.salesperson).unlink()
        with self.assertRaises(AccessError):
            self.colleague_kr.with_user(self.salesperson).target_value = 1

    def test_salesperson_cannot_check_in_on_a_colleague_key_result(self):
        with self.assertRaises(AccessError):
            self.env["okr.checkin"].with_user(self.salesperson).create(
                {"key_result_id": self.colleague_kr.id, "value": 99}
            )
        self.assertEqual(self.colleague_kr.current_value, 0)

    def test_salesperson_edits_and_checks_in_on_her_own(self):
        mine = self.my_objective.with_user(self.salesperson)
        mine.name = "Reach my revenue goal"
        self._new_key_result(mine.with_user(self.salesperson), name="Close 30%")
        self.env["okr.checkin"].with_user(self.salesperson).create(
            {"key_result_id": self.my_kr.id, "value": 40}
        )
        self.assertEqual(self.my_kr.current_value, 40)
        created = (
            self.env["okr.objective"]
            .with_user(self.salesperson)
            .create({"name": "Build customer relationships"})
        )
        self.assertEqual(created.user_id, self.salesperson)

    def test_owner_checks_in_on_a_key_result_of_someone_elses_objective(self):
        # A manager assigns her a key result of the company's objective: she
        # checks in on it, but does not edit it.
        assigned = self._new_key_result(
            self.company_objective, user_id=self.salesperson.id, name="Visits"
        )
        self.env["okr.checkin"].with_user(self.salesperson).create(
            {"key_result_id": assigned.id, "value": 12}
        )
        self.assertEqual(assigned.current_value, 12)
        with self.assertRaises(AccessError):
            assigned.with_user(self.salesperson).target_value = 1

    def test_salesperson_cannot_create_an_objective_for_someone_else(self):
        with self.assertRaises(AccessError):
            self.env["okr.objective"].with_user(self.salesperson).create(
                {"name": "Hung's new goal", "user_id": self.colleague.id}
            )

    def test_manager_edits_all(self):
        objective = self.colleague_objective.with_user(self.director)
        objective.name = "Hung: reach 15 bn VND"
        self.env["okr.checkin"].with_user(self.director).create(
            {"key_result_id": self.colleague_kr.id, "value": 55}
        )
        self.assertEqual(self.colleague_kr.current_value, 55)
        self.company_objective.with_user(self.director).unlink()
        self.assertFalse(self.company_objective.exists())

    def test_user_without_sales_rights_has_no_okrs(self):
        employee = new_test_user(
            self.env, login="okr_employee", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            self.env["okr.objective"].with_user(employee).search([])

    def test_second_company_sees_nothing_of_the_first(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        other_manager = new_test_user(
            self.env,
            login="okr_other_manager",
            groups="base.group_user,sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        other_env = self.env(
            user=other_manager, context={"allowed_company_ids": [other_company.id]}
        )
        for model in ("okr.objective", "okr.key.result", "okr.checkin"):
            self.assertFalse(
                other_env[model].search([]),
                f"{model} of the first company leaks into the second",
            )
        with self.assertRaises(AccessError):
            self.company_objective.with_env(other_env).read(["name"])


@tagged("post_install", "-at_install")
class TestNoLeakThroughKeyResults(OkrCrmCase):
    """A salesperson limited to her own leads learns nothing of a colleague's
    deal through OKRs: not its name, amount or existence. The team's value
    still counts it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team"
        )
        cls.mine = cls._new_deal(amount=100.0, name="Lan's deal")
        cls.theirs = cls._new_deal(user=cls.colleague, amount=40.0, name="Secret deal")
        (cls.mine | cls.theirs).action_set_won()
        cls.env.cr.flush()

    def test_contributions_show_only_records_she_may_read(self):
        contributions = self.env["okr.contribution"].with_user(self.salesperson)
        rows = contributions.search_read(
            [("key_result_id", "=", self.team_revenue.id)],
            ["record_name", "value", "res_id"],
        )
        self.assertEqual(
            [(row["record_name"], row["value"], row["res_id"]) for row in rows],
            [("Lan's deal", 100.0, self.mine.id)],
        )
        self.assertEqual(contributions.search_count([]), 1)
        groups = contributions.read_group(
            [("key_result_id", "=", self.team_revenue.id)],
            ["value:sum"],
            ["key_result_id"],
        )
        self.assertEqual(groups[0]["value"], 100.0)
        # The team leader reads all leads: both.
        self.assertEqual(
            self.env["okr.contribution"].with_user(self.leader).search_count([]), 2
        )
        # The key result's value is the team's, for everyone.
        self.assertEqual(
            self.team_revenue.with_user(self.salesperson).current_value, 140.0
        )

    def test_a_colleague_contribution_cannot_be_read_by_id(self):
        theirs = self.env["okr.contribution"].search([("res_id", "=", self.theirs.id)])
        self.assertTrue(theirs)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesperson).read(["record_name", "value"])

    def test_counts_and_actions_say_only_what_she_may_read(self):
        mine = self.team_revenue.with_user(self.salesperson)
        self.assertEqual(mine.contribution_count, 1)
        self.assertEqual(self.team_revenue.contribution_count, 2)
        action = mine.action_open_contributing_records()
        self.assertEqual(action["domain"], [("id", "in", [self.mine.id])])
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.salesperson).action_open_okr_key_results()
