from odoo.exceptions import AccessError
from odoo.tests import Form

from .common import OkrCase


class TestEditAccess(OkrCase):
    """A form is editable exactly when its save would pass: each flag is
    checked against the server's answer to the same write."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mine = cls._new_objective(name="Lan's objective")
        cls.my_key_result = cls._new_key_result(cls.mine)
        cls.managers = cls._new_objective(
            name="Director's objective", level="department", user_id=cls.director.id
        )
        cls.managers_key_result = cls._new_key_result(
            cls.managers, user_id=cls.salesperson.id
        )

    def _saves(self, record, user, vals):
        """Whether ``user`` may write ``vals`` on ``record`` (the write is
        rolled back either way)."""
        try:
            with self.env.cr.savepoint():
                record.with_user(user).write(vals)
                record.with_user(user).flush_recordset()
        except AccessError:
            return False
        return True

    def test_her_own_objective_is_editable(self):
        as_lan = self.mine.with_user(self.salesperson)
        self.assertTrue(as_lan.can_edit)
        self.assertFalse(as_lan.commitment_locked)
        self.assertTrue(self._saves(self.mine, self.salesperson, {"name": "Mine"}))
        self.assertTrue(self.my_key_result.with_user(self.salesperson).can_edit)
        self.assertTrue(
            self._saves(self.my_key_result, self.salesperson, {"target_value": 50})
        )

    def test_her_managers_objective_is_read_only(self):
        as_lan = self.managers.with_user(self.salesperson)
        self.assertFalse(as_lan.can_edit)
        self.assertFalse(self._saves(self.managers, self.salesperson, {"name": "X"}))
        # a key result of it, even one she owns
        key_result = self.managers_key_result.with_user(self.salesperson)
        self.assertFalse(key_result.can_edit)
        self.assertFalse(
            self._saves(self.managers_key_result, self.salesperson, {"name": "X"})
        )
        # the form reads so: every input of the form is read-only
        with Form(as_lan) as form:
            for fname in ("name", "level", "user_id", "date_start", "key_result_ids"):
                self.assertTrue(form._get_modifier(fname, "readonly"), fname)
        # while the director may
        self.assertTrue(self.managers.with_user(self.director).can_edit)
        self.assertTrue(self._saves(self.managers, self.director, {"name": "Y"}))

    def test_an_approved_objective_locks_its_commitment_only(self):
        self.mine.with_user(self.director).action_approve()
        as_lan = self.mine.with_user(self.salesperson)
        self.assertTrue(as_lan.can_edit)
        self.assertTrue(as_lan.commitment_locked)
        # its name is hers, its period the manager's
        self.assertTrue(self._saves(self.mine, self.salesperson, {"name": "Mine"}))
        self.assertFalse(
            self._saves(self.mine, self.salesperson, {"period_type": "month"})
        )
        key_result = self.my_key_result.with_user(self.salesperson)
        self.assertTrue(key_result.commitment_locked)
        self.assertFalse(
            self._saves(self.my_key_result, self.salesperson, {"target_value": 50})
        )
        # its weight too: it moves the objective's progress
        self.assertFalse(
            self._saves(self.my_key_result, self.salesperson, {"weight": 2.0})
        )
        self.assertTrue(
            self._saves(self.my_key_result, self.salesperson, {"name": "Calls"})
        )
        with Form(key_result) as form:
            self.assertTrue(form._get_modifier("target_value", "readonly"))
            self.assertTrue(form._get_modifier("weight", "readonly"))
            self.assertFalse(form._get_modifier("name", "readonly"))
        # not for the manager
        self.assertFalse(self.mine.with_user(self.director).commitment_locked)
        self.assertFalse(self.my_key_result.with_user(self.director).commitment_locked)

    def test_a_new_key_result_is_editable(self):
        objective = Form(self.env["okr.objective"].with_user(self.salesperson))
        objective.name = "Close more deals"
        with objective.key_result_ids.new() as key_result:
            self.assertTrue(key_result.can_edit)
            key_result.name = "Deals won"
            key_result.target_value = 10
        self.assertEqual(objective.save().key_result_ids.name, "Deals won")
