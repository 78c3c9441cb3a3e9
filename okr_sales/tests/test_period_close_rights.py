"""Closing a period as the people who do it: an OKR manager of one company
(not the superuser), with another company's objectives in the same period,
and the ``admin`` user; a salesperson may not."""

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .test_period_close import PeriodCloseCase


@tagged("post_install", "-at_install")
class TestPeriodCloseRights(PeriodCloseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.okr_manager = new_test_user(
            cls.env,
            login="okr_close_manager",
            name="OKR Manager",
            groups="base.group_user,okr_sales.group_okr_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.team_calls = cls._new_key_result(
            cls.team_objective, name="Team calls", unit="number", target_value=200.0
        )
        # Company B, same period: its own manager's business.
        cls.company_b = cls.env["res.company"].create(
            {"name": "OKR Company B", "currency_id": cls.company.currency_id.id}
        )
        cls.env.user.company_ids |= cls.company_b
        b_director = new_test_user(
            cls.env,
            login="okr_b_director",
            groups="base.group_user,sales_team.group_sale_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        env_b = cls.env(
            context=dict(cls.env.context, allowed_company_ids=cls.company_b.ids)
        )
        cls.b_objective = env_b["okr.objective"].create(
            {
                "name": "Company B's goal",
                "level": "company",
                "user_id": b_director.id,
                "company_id": cls.company_b.id,
                "period_type": "custom",
                "date_start": cls.period_start,
                "date_end": cls.period_end,
            }
        )
        cls.b_key_result = env_b["okr.key.result"].create(
            {
                "name": "Company B's calls",
                "objective_id": cls.b_objective.id,
                "unit": "number",
                "target_value": 10.0,
            }
        )
        env_b["okr.checkin"].create({"key_result_id": cls.b_key_result.id, "value": 8})
        cls.a_objectives = cls.department | cls.team_objective | cls.my_objective

    def _progress_of_the_period(self):
        self._new_deal(amount=500.0).action_set_won()
        self._check_in(self.my_calls, 70.0)
        self._check_in(self.team_calls, 50.0)
        self._commit_point()

    def _wizard_form(self, user):
        form = Form(self.env["okr.period.close"].with_user(user))
        form.date_start = self.period_start
        form.date_end = self.period_end
        return form

    def _assert_a_closed_and_b_untouched(self):
        self.env.invalidate_all()
        # By hand: the progress on the last day, 0.0 to 1.0; an objective's
        # score weighted by its key results' weights (1 and 3).
        self.assertAlmostEqual(self.my_revenue.closing_score, 0.5)
        self.assertAlmostEqual(self.my_calls.closing_score, 0.7)
        self.assertAlmostEqual(self.my_objective.closing_score, 0.65)
        self.assertAlmostEqual(self.team_revenue.closing_score, 0.25)
        self.assertAlmostEqual(self.team_calls.closing_score, 0.25)
        self.assertAlmostEqual(self.team_objective.closing_score, 0.25)
        self.assertFalse(self.a_objectives.filtered("active"))
        self.assertTrue(self.b_objective.active)
        self.assertFalse(self.b_objective.closing_score)
        self.assertFalse(self.b_key_result.closing_score)
        self.assertAlmostEqual(self.b_key_result.current_value, 8.0)

    def test_an_okr_manager_closes_her_company_s_period_only(self):
        self.assertFalse(self.okr_manager._is_superuser())
        self._progress_of_the_period()
        form = self._wizard_form(self.okr_manager)
        listed = [record.id for record in form.objective_ids]
        self.assertEqual(set(listed), set(self.a_objectives.ids))
        form.prepare_next = False
        wizard = form.save()
        self.assertEqual(
            wizard.line_ids.key_result_id,
            self.my_revenue | self.my_calls | self.team_revenue | self.team_calls,
        )
        wizard.action_close()
        self._commit_point()
        self._assert_a_closed_and_b_untouched()

    def test_an_okr_manager_prepares_the_next_period(self):
        self._progress_of_the_period()
        wizard = self._wizard_form(self.okr_manager).save()
        wizard.action_close()
        self._commit_point()
        self._assert_a_closed_and_b_untouched()
        next_start = wizard.next_date_start
        copies = self.env["okr.objective"].search([("date_start", "=", next_start)])
        self.assertEqual(
            sorted(copies.mapped("name")), sorted(self.a_objectives.mapped("name"))
        )
        self.assertEqual(copies.company_id, self.company)
        # Counted again, and rolled up into the copy of the team's sum.
        new_revenue = copies.key_result_ids.filtered(
            lambda kr: kr.name == "Lan's revenue"
        )
        self.assertEqual(new_revenue.source, "automatic")
        self.assertAlmostEqual(new_revenue.current_value, 0.0)
        self.assertEqual(new_revenue.parent_id.objective_id.date_start, next_start)
        self.assertEqual(new_revenue.parent_id.name, "Team revenue")

    def test_another_company_s_objectives_cannot_be_slipped_in(self):
        """Over JSON-RPC the list is whatever the client sends."""
        wizards = self.env["okr.period.close"].with_user(self.okr_manager)
        values = {
            "date_start": self.period_start,
            "date_end": self.period_end,
            "prepare_next": False,
        }
        with self.assertRaises(AccessError):
            wizards.create(
                dict(values, objective_ids=[Command.set(self.b_objective.ids)])
            )
        # A list that holds them anyway is not closed, not even in part.
        wizard = wizards.create(values)
        wizard.sudo().objective_ids |= self.b_objective
        with self.assertRaises(AccessError):
            wizard.action_close()
        self.assertEqual(self.a_objectives.filtered("active"), self.a_objectives)
        self.assertTrue(self.b_objective.active)
        self.assertFalse(self.b_key_result.closing_score)

    def test_the_score_stays_kept_by_the_okrs(self):
        """The close writes the scores; its manager still cannot."""
        for record in (self.my_objective, self.my_calls):
            with self.assertRaises(AccessError):
                record.with_user(self.okr_manager).write({"closing_score": 1.0})

    def test_admin_closes_a_period(self):
        admin = self.env.ref("base.user_admin")
        self.assertFalse(admin._is_superuser())
        self.assertTrue(admin._okr_is_manager())
        admin.company_ids |= self.company
        self._progress_of_the_period()
        form = self._wizard_form(admin)
        self.assertIn(self.my_objective, form.objective_ids)
        # What the test's company holds, not the demo's objectives of the year
        form.objective_ids.clear()
        for objective in self.a_objectives:
            form.objective_ids.add(objective)
        form.prepare_next = False
        form.save().action_close()
        self._commit_point()
        self._assert_a_closed_and_b_untouched()

    def test_a_salesperson_cannot_close_a_period(self):
        with self.assertRaises(AccessError):
            self.env["okr.period.close"].with_user(self.salesperson).create(
                {"date_start": self.period_start, "date_end": self.period_end}
            )
        wizard = self._wizard_form(self.okr_manager).save()
        with self.assertRaises(AccessError):
            wizard.with_user(self.salesperson).action_close()
        self.assertTrue(self.my_objective.active)
        self.assertFalse(self.my_calls.closing_score)
