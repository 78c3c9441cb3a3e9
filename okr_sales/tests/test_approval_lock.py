"""Approval locks everything that moves an objective's progress or score:
the weights, what each key result counts, its roll-up, its numbers and
dates, and which key results the objective has - for its owner and her team
leader; an OKR manager still changes them, leaving a trace in the chatter."""

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from ..models.okr_objective_approval import APPROVED_OBJECTIVE_FIELDS
from .common import OkrCrmCase

# What approval leaves open, field by field, and why: words, order and
# colour, which no number reads; check-ins, progress that goes on; the
# approval itself, the managers' (``okr_objective_approval.py``).
OPEN_KEY_RESULT_FIELDS = {
    "name": "words",
    "measurement_method": "words",
    "sequence": "order",
    "checkin_ids": "check-ins: progress goes on",
    "current_value": "a value typed is a check-in: progress goes on",
    "period_value_ids": "the engine's totals, no user's to write",
}
OPEN_OBJECTIVE_FIELDS = {
    "name": "words",
    "description": "words",
    "sequence": "order",
    "color": "colour",
    "user_id": "who owns it, not what it counts (its key results keep theirs)",
    "level": "where it sits in the cascade (its own rights check)",
    "parent_id": "which objective it aligns with: no number follows",
    "parent_path": "kept by the ORM from Aligned With",
    "child_ids": "the aligned objectives' own Aligned With",
    "state": "the approval itself: OKR managers only",
}


@tagged("post_install", "-at_install")
class TestApprovalLock(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Lan's approved objective: revenue counts twice as much as calls.
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", weight=2.0
        )
        cls.calls = cls._new_key_result(cls.my_objective, name="Calls", weight=1.0)
        cls.team_calls = cls._new_key_result(
            cls.team_objective, name="Team calls", user_id=cls.leader.id
        )
        (cls.my_objective | cls.team_objective).with_user(cls.director).action_approve()
        cls._check_in(cls.calls, 100.0)  # achieved; revenue at 0%

    def _refused(self, user, record, vals):
        """Whether ``user``'s write of ``vals`` on ``record`` is refused
        (rolled back either way)."""
        try:
            with self.env.cr.savepoint() as savepoint:
                record.with_user(user).write(vals)
                self.env.flush_all()
                savepoint.rollback()
        except AccessError:
            return True
        finally:
            self.env.invalidate_all()
        return False

    def test_her_weights_are_locked_once_approved(self):
        progress = self.my_objective.progress
        self.assertAlmostEqual(progress, 100.0 / 3, places=1)
        with self.assertRaisesRegex(AccessError, "Weight.*approved"):
            self.revenue.with_user(self.salesperson).weight = 0.0
        # nor through the objective's list of key results
        with self.assertRaisesRegex(AccessError, "Weight.*approved"):
            self.my_objective.with_user(self.salesperson).write(
                {"key_result_ids": [Command.update(self.revenue.id, {"weight": 0})]}
            )
        self.assertEqual(self.revenue.weight, 2.0)
        self.assertEqual(self.my_objective.progress, progress)

    def test_what_a_key_result_counts_is_locked_once_approved(self):
        # a preset she may pick on a draft: not on an approved objective
        other = self.env.ref("okr_sales.okr_preset_b2b_won_revenue")
        self.assertTrue(
            self._refused(self.salesperson, self.revenue, {"preset_id": other.id})
        )
        self.assertEqual(
            self.revenue.preset_id, self.env.ref("okr_sales.okr_preset_won_revenue")
        )

    def test_the_team_leader_is_locked_out_of_his_approved_objective(self):
        for vals in (
            {"weight": 5.0},
            {"target_value": 1.0},
            {"parent_id": self.revenue.id},
        ):
            with self.subTest(vals=vals):
                self.assertTrue(self._refused(self.leader, self.team_calls, vals))
        self.assertTrue(
            self._refused(
                self.leader, self.team_objective, {"team_id": self.env["crm.team"].id}
            )
        )

    def test_every_locked_field_is_refused_to_her_and_a_managers_to_change(self):
        fields_ = self.env["ir.model.fields"]
        new_values = {
            "weight": 0.0,
            "parent_id": self.team_calls.id,
            "rollup_method": "average",
            "rollup_child_ids": [Command.set(self.calls.ids)],
            "forecast_domain": False,
            "user_id": self.colleague.id,
            "preset_id": self.env.ref("okr_sales.okr_preset_b2b_won_revenue").id,
            "source_domain": "[]",
            "scope": "company",
            "cadence": "month",
            "date_field_id": fields_._get("crm.lead", "date_open").id,
        }
        for fname, value in new_values.items():
            with self.subTest(field=fname):
                self.assertTrue(
                    self._refused(self.salesperson, self.revenue, {fname: value})
                )
                self.assertFalse(
                    self._refused(self.director, self.revenue, {fname: value})
                )

    def test_a_value_typed_after_approval_is_a_check_in(self):
        self.team_calls.with_user(self.leader).current_value = 500.0
        self.assertEqual(self.team_calls.current_value, 500.0)
        self.assertEqual(self.team_calls.checkin_ids.user_id, self.leader)
        self.assertEqual(self.team_calls.checkin_ids.value, 500.0)

    def test_a_managers_change_after_approval_leaves_a_trace(self):
        self.revenue.with_user(self.director).write({"weight": 3.0})
        self.calls.with_user(self.director).unlink()
        self.env["okr.key.result"].with_user(self.director).create(
            {"name": "Visits", "objective_id": self.my_objective.id, "target_value": 5}
        )
        bodies = self.my_objective.sudo().message_ids.mapped("body") + (
            self.revenue.sudo().message_ids.mapped("body")
        )
        text = " ".join(str(body) for body in bodies)
        self.assertIn("Weight", text)
        self.assertIn("2.0", text)
        self.assertIn("3.0", text)
        self.assertIn("Calls", text)
        self.assertIn("Visits", text)

    def test_every_stored_field_is_locked_or_named_harmless(self):
        """A new field that moves the numbers cannot slip past approval: each
        stored field of both models is locked, kept by the OKRs (refused to
        every user), the chatter's, or named harmless above."""
        chatter = set(self.env["mail.thread"]._fields) | set(
            self.env["mail.activity.mixin"]._fields
        )
        for model, locked, harmless in (
            (
                self.env["okr.key.result"],
                self.env["okr.key.result"]._okr_approval_locked_fields(),
                OPEN_KEY_RESULT_FIELDS,
            ),
            (
                self.env["okr.objective"],
                set(APPROVED_OBJECTIVE_FIELDS),
                OPEN_OBJECTIVE_FIELDS,
            ),
        ):
            for fname, field in model._fields.items():
                if not field.store or field.readonly or fname in chatter:
                    continue
                with self.subTest(model=model._name, field=fname):
                    self.assertTrue(
                        fname in locked or fname in harmless,
                        f"{model._name}.{fname}: lock it once approved, or name "
                        "it harmless",
                    )
            self.assertFalse(set(harmless) & set(locked), "both locked and open")
