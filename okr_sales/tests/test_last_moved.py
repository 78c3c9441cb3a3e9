"""When and by which record a key result last moved (issue #24): the deal,
the check-in, for a roll-up the record that moved its child; shown as far
as the viewer may read it; kept by the OKRs, set by nobody."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestLastMoved(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.department_revenue = cls._new_rollup(
            cls.department, name="Department revenue", target_value=3000.0
        )
        cls.team_revenue = cls._new_rollup(
            cls.team_objective,
            name="Team revenue",
            parent_id=cls.department_revenue.id,
        )
        cls.lan_revenue = cls._new_auto_key_result(
            cls.my_objective,
            "won_revenue",
            name="Lan's revenue",
            scope="owner",
            parent_id=cls.team_revenue.id,
        )
        cls.calls = cls._new_key_result(
            cls.my_objective, name="Calls", unit="number", target_value=50.0
        )
        cls.env.cr.flush()

    def _mover(self, key_result):
        key_result.invalidate_recordset()
        return key_result.last_moved_model, key_result.last_moved_res_id

    def test_a_won_deal_moves_the_cascade(self):
        self.assertFalse(self.lan_revenue.last_moved_date)
        deal = self._new_deal(user=self.salesperson, amount=1200.0, name="Racking")
        deal.action_set_won()
        self._commit_point()
        cascade = self.lan_revenue | self.team_revenue | self.department_revenue
        for key_result in cascade:
            self.assertEqual(self._mover(key_result), ("crm.lead", deal.id))
            self.assertTrue(key_result.last_moved_date)
        # a deal that moves nothing moves no one
        other_company_deal = self._new_deal(user=self.director, amount=5.0)
        other_company_deal.action_set_won()
        self._commit_point()
        self.assertEqual(self._mover(self.lan_revenue), ("crm.lead", deal.id))

        # Lan reads her deal's name; Hung, who may not read it, does not.
        lan_view = self.team_revenue.with_user(self.salesperson)
        self.assertIn("Racking", lan_view.last_moved_by)
        hung_view = self.team_revenue.with_user(self.colleague)
        self.assertFalse(deal.with_user(self.colleague).has_access("read"))
        self.assertNotIn("Racking", hung_view.last_moved_by)
        self.assertIn("you may not read", hung_view.last_moved_by)
        # and the webhook payload says it, with no name
        state = self.team_revenue._okr_webhook_state()["last_moved"]
        self.assertEqual((state["model"], state["id"]), ("crm.lead", deal.id))

    def test_a_check_in_moves_a_manual_key_result(self):
        checkin = self._check_in(self.calls.with_user(self.salesperson), 12.0)
        self._commit_point()
        self.assertEqual(self._mover(self.calls), ("okr.checkin", checkin.id))
        state = self.calls._okr_webhook_state()["last_moved"]
        self.assertEqual((state["model"], state["id"]), ("okr.checkin", checkin.id))

    def test_nobody_sets_it(self):
        deal = self._new_deal(user=self.salesperson)
        forged = {"last_moved_model": "crm.lead", "last_moved_res_id": deal.id}
        # the owner, her team leader, an OKR manager who is not the superuser
        for user in (self.salesperson, self.leader, self.director):
            self.assertFalse(user._is_superuser())
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.calls.with_user(user).write(forged)
                with self.assertRaises(AccessError):
                    self.env["okr.key.result"].with_user(user).create(
                        {
                            "name": "Forged",
                            "objective_id": self.my_objective.id,
                            "target_value": 10.0,
                            "last_moved_date": "2026-01-01 00:00:00",
                        }
                    )
        result = (
            self.env["okr.key.result"]
            .with_user(self.director)
            .load([".id", "last_moved_model"], [[str(self.calls.id), "crm.lead"]])
        )
        self.assertTrue(result["messages"])
        self.assertFalse(self.calls.last_moved_model)
        self._check_in(self.calls, 3.0)
        self._commit_point()
        copy = self.calls.copy()
        self.assertFalse(copy.last_moved_date or copy.last_moved_model)
