from datetime import date

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import QUIET_CONTEXT, OkrCase, require_demo


@tagged("post_install", "-at_install")
class TestApproval(OkrCase):
    """Targets are the manager's: once an objective is approved, its
    commitments change only by an OKR manager, tried as each user through
    the ORM, as over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.objective = cls._new_objective(name="Reach my revenue goal")
        cls.key_result = cls._new_key_result(cls.objective, name="Calls")
        cls.draft_objective = cls._new_objective(name="Build relationships")
        cls.objective.with_user(cls.director).action_approve()

    def _as(self, user, records):
        return records.with_user(user)

    def _loud_env(self, user):
        """An environment that tracks changes in the chatter, unlike the
        tests' quiet one."""
        context = {
            key: value
            for key, value in self.env.context.items()
            if key not in QUIET_CONTEXT
        }
        return self.env(user=user, context=context)

    def _tracked(self, record, fname):
        """``(old, new)`` of the chatter's tracking values of ``fname``."""
        values = record.sudo().message_ids.tracking_value_ids.filtered(
            lambda tracking: tracking.field_id.name == fname
        )
        return [
            (
                value.old_value_char or value.old_value_float,
                value.new_value_char or value.new_value_float,
            )
            for value in values
        ]

    def test_new_objectives_are_drafts(self):
        self.assertEqual(self.draft_objective.state, "draft")
        self.assertEqual(self.objective.state, "approved")
        self.assertEqual(self.objective.copy().state, "draft")

    def test_only_managers_approve_or_send_back_to_draft(self):
        for user in (self.salesperson, self.leader):
            with self.subTest(user=user.name):
                with self.assertRaises(AccessError):
                    self._as(user, self.draft_objective).action_approve()
                with self.assertRaises(AccessError):
                    self._as(user, self.objective).action_draft()
                with self.assertRaises(AccessError) as caught:
                    self._as(user, self.draft_objective).write({"state": "approved"})
                self.assertIn("Approval", str(caught.exception))
                with self.assertRaises(AccessError):
                    self._as(user, self.objective).write({"state": "draft"})
                with self.assertRaises(AccessError):
                    self.env["okr.objective"].with_user(user).create(
                        {"name": "Pre-approved", "state": "approved"}
                    )
        self.assertEqual(self.draft_objective.state, "draft")
        self.assertEqual(self.objective.state, "approved")
        self._as(self.director, self.objective).action_draft()
        self.assertEqual(self.objective.state, "draft")

    def test_approved_key_results_targets_and_periods_are_the_managers(self):
        other_objective = self._new_objective(name="Elsewhere")
        refused = {
            "target_value": 200.0,
            "baseline_value": 10.0,
            "unit": "percent",
            "currency_id": self.env.ref("base.EUR").id,
            "date_start": date(2026, 2, 1),
            "date_end": date(2026, 11, 30),
            "objective_id": other_objective.id,
            "active": False,
        }
        labels = {
            "target_value": "Target",
            "baseline_value": "Baseline",
            "date_start": "Start Date",
            "date_end": "End Date",
        }
        for fname, value in refused.items():
            with self.subTest(field=fname):
                with self.assertRaises(AccessError) as caught:
                    self._as(self.salesperson, self.key_result).write({fname: value})
                self.assertIn("approved", str(caught.exception))
                if fname in labels:
                    self.assertIn(labels[fname], str(caught.exception))
                # A manager may.
                with self.env.cr.savepoint() as savepoint:
                    self._as(self.director, self.key_result).write({fname: value})
                    self.env.flush_all()
                    savepoint.rollback()
                self.env.invalidate_all()
        self.assertEqual(self.key_result.target_value, 100.0)

    def test_moving_a_key_result_into_an_approved_objective_is_refused(self):
        loose = self._new_key_result(self.draft_objective, name="Loose")
        with self.assertRaises(AccessError):
            self._as(self.salesperson, loose).objective_id = self.objective

    def test_approved_objectives_period_is_the_managers(self):
        refused = {
            "date_start": date(2026, 2, 1),
            "date_end": date(2026, 11, 30),
            "period_type": "quarter",
            "active": False,
        }
        for fname, value in refused.items():
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    self._as(self.salesperson, self.objective).write({fname: value})
        self.assertEqual(self.objective.date_start, self.year_start)

    def test_approved_objectives_key_results_are_added_and_removed_by_managers(self):
        as_lan = self.env["okr.key.result"].with_user(self.salesperson)
        with self.assertRaises(AccessError):
            as_lan.create(
                {"name": "More", "objective_id": self.objective.id, "target_value": 5}
            )
        with self.assertRaises(AccessError):
            self._as(self.salesperson, self.objective).write(
                {
                    "key_result_ids": [
                        Command.create({"name": "More", "target_value": 5})
                    ]
                }
            )
        with self.assertRaises(AccessError):
            self._as(self.salesperson, self.key_result).unlink()
        with self.assertRaises(AccessError):
            self._as(self.salesperson, self.objective).unlink()
        added = (
            self.env["okr.key.result"]
            .with_user(self.director)
            .create(
                {"name": "More", "objective_id": self.objective.id, "target_value": 5}
            )
        )
        self.assertEqual(added.objective_id, self.objective)

    def test_the_owner_still_checks_in_and_words_her_approved_objective(self):
        self._as(self.salesperson, self.key_result).write(
            {"name": "Calls to customers", "target_value": 100.0}  # unchanged
        )
        self._as(self.salesperson, self.objective).write(
            {"name": "Reach my assigned revenue goal", "date_start": self.year_start}
        )
        self.env["okr.checkin"].with_user(self.salesperson).create(
            {"key_result_id": self.key_result.id, "value": 40.0}
        )
        self.assertEqual(self.key_result.current_value, 40.0)

    def test_the_owner_drafts_freely_before_approval_and_after_back_to_draft(self):
        draft_kr = self._new_key_result(self.draft_objective, name="Visits")
        self._as(self.salesperson, draft_kr).write(
            {"target_value": 300.0, "date_start": date(2026, 3, 1)}
        )
        self._as(self.salesperson, self.draft_objective).period_type = "quarter"
        self.env["okr.key.result"].with_user(self.salesperson).create(
            {"name": "More", "objective_id": self.draft_objective.id, "target_value": 5}
        )
        self._as(self.director, self.objective).action_draft()
        self._as(self.salesperson, self.key_result).target_value = 120.0
        self.assertEqual(self.key_result.target_value, 120.0)

    def test_every_change_of_an_approved_commitment_is_tracked(self):
        objective = self.objective.with_env(self._loud_env(self.director))
        key_result = self.key_result.with_env(self._loud_env(self.director))
        # Tracking compares a transaction's first and last values: the
        # precommit hooks (``cr.flush``) end each step as a commit would,
        # starting with the set-up's quiet one (tracking discarded).
        self.env.cr.flush()
        objective.action_draft()
        self.env.cr.flush()
        objective.action_approve()
        self.env.cr.flush()
        key_result.write(
            {
                "target_value": 250.0,
                "baseline_value": 5.0,
                "date_end": date(2026, 6, 30),
            }
        )
        self.env.cr.flush()
        # (The key result, now outside the objective's period, follows it.)
        objective.date_start = date(2026, 1, 2)
        self.env.cr.flush()
        objective.period_type = "quarter"  # the first quarter of its start
        self.env.cr.flush()  # the chatter's tracking is posted before commit
        self.assertCountEqual(
            self._tracked(objective, "state"),
            [("Approved", "Draft"), ("Draft", "Approved")],
        )
        self.assertEqual(self._tracked(key_result, "target_value"), [(100.0, 250.0)])
        self.assertEqual(self._tracked(key_result, "baseline_value"), [(0.0, 5.0)])
        # Its own change, then following the objective's twice.
        self.assertEqual(len(self._tracked(key_result, "date_end")), 3)
        self.assertEqual(len(self._tracked(objective, "date_start")), 2)
        self.assertEqual(len(self._tracked(objective, "date_end")), 1)
        self.assertEqual(len(self._tracked(objective, "period_type")), 1)

    def test_a_value_typed_with_a_locked_field_is_one_check_in_and_one_note(self):
        # The model's write splits a typed value off as a check-in and writes
        # the rest again: the lock checks and notes that rest once.
        with self.assertRaises(AccessError):
            self._as(self.salesperson, self.key_result).write(
                {"current_value": 30.0, "weight": 2.0}
            )
        key_result = self.key_result.with_env(self._loud_env(self.director))
        notes_before = key_result.sudo().message_ids
        key_result.write({"current_value": 30.0, "weight": 2.0})
        notes = (key_result.sudo().message_ids - notes_before).filtered(
            lambda message: "Changed after approval" in (message.body or "")
        )
        self.assertEqual(len(notes), 1)
        self.assertIn("Weight", notes.body)
        self.assertEqual(len(key_result.checkin_ids), 1)
        self.assertEqual(key_result.current_value, 30.0)
        self.assertEqual(key_result.weight, 2.0)

    def test_the_demo_is_approved_and_lans_targets_are_the_managers(self):
        require_demo(self.env)
        lan_revenue = self.env.ref("okr_sales.okr_kr_lan_revenue")
        demo_objectives = lan_revenue.objective_id | self.env.ref(
            "okr_sales.okr_objective_company"
        )
        self.assertEqual(set(demo_objectives.sudo().mapped("state")), {"approved"})
        lan = self.env.ref("okr_sales.okr_user_lan")
        as_lan = lan_revenue.with_user(lan).with_context(
            allowed_company_ids=lan.company_ids.ids
        )
        with self.assertRaises(AccessError) as caught:
            as_lan.target_value = 1_000_000
        self.assertIn("Target", str(caught.exception))
