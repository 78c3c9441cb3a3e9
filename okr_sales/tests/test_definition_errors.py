"""A key result whose definition cannot be built is never silently dropped:
a passing failure is tried again, a lasting one is shown on the key result
and logged at once; a preset changed by an upgrade moves the key results
that follow it as a whole."""

import ast
import logging
from unittest.mock import patch

from odoo.tests import tagged

from ..engine import domains
from ..engine.domains import parse_domain
from .common import OkrCrmCase

DEFINITION_GLUE = "odoo.addons.okr_sales.models.okr_key_result_definition"


@tagged("post_install", "-at_install")
class TestDefinitionErrors(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revenue = cls._new_auto_key_result(cls.my_objective, "won_revenue")

    def _definitions(self):
        return self.env["okr.key.result"]._okr_definitions("crm.lead")

    def test_a_parse_that_fails_under_threads_is_tried_again(self):
        domains._parse_cached.cache_clear()  # parsed by an earlier test
        calls = []
        original = ast.parse

        def flaky(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise SystemError("AST constructor recursion depth mismatch")
            return original(*args, **kwargs)

        with patch.object(domains.ast, "parse", side_effect=flaky):
            self.assertEqual(
                parse_domain("[('won_status', '=', 'won')]"),
                [("won_status", "=", "won")],
            )
        self.assertEqual(len(calls), 2)

    def test_a_definition_that_failed_once_is_not_left_out(self):
        # The first build fails (as under four workers parsing at once); the
        # key result is not cached as excluded: the next look-up has it.
        self.env.registry.clear_cache()
        original = parse_domain
        calls = []

        def fail_once(text, placeholders=None):
            # this key result's first parse only (others share its rule)
            if placeholders and placeholders["owner_id"] == self.salesperson.id:
                calls.append(text)
                if len(calls) == 1:
                    raise SystemError("AST constructor recursion depth mismatch")
            return original(text, placeholders)

        with patch(f"{DEFINITION_GLUE}.parse_domain", side_effect=fail_once):
            self.assertIn(self.revenue.id, self._definitions())
        self.assertGreaterEqual(len(calls), 2, "it failed, and was tried again")
        deal = self._new_deal(amount=30.0)
        deal.action_set_won()
        self._commit_point()
        self.assertEqual(self.revenue.current_value, 30.0)
        self.assertFalse(self.revenue.computation_error)

    def test_a_lasting_failure_is_shown_and_logged_and_the_deal_is_won(self):
        self.env.cr.execute(
            "UPDATE okr_key_result SET source_domain = %s WHERE id = %s",
            ("[('won_status', '=', 'won')", self.revenue.id),
        )
        self.revenue.invalidate_recordset()
        self.env.registry.clear_cache()
        deal = self._new_deal(amount=20.0)
        with self.assertLogs(DEFINITION_GLUE, logging.WARNING) as logs:
            deal.action_set_won()
            self._commit_point()
        self.assertEqual(deal.won_status, "won")
        self.assertIn("left out of automatic updates", "\n".join(logs.output))
        self.assertIn("cannot be used", self.revenue.computation_error)
        # still broken, still tried: no second line for the same error
        other = self._new_deal(amount=5.0)
        other.action_set_won()
        self._commit_point()
        # A manager fixes it: rebuilt from the records, both deals count.
        self.revenue.with_user(
            self.director
        ).source_domain = "[('won_status', '=', 'won')]"
        self._commit_point()
        self.assertFalse(self.revenue.computation_error)
        self.assertEqual(self.revenue.current_value, 25.0)

    def test_a_removed_field_is_said_at_once(self):
        lead_model = self.env["ir.model"]._get("crm.lead")
        segment, signed_on = self.env["ir.model.fields"].create(
            [
                {
                    "name": "x_okr_segment",
                    "model_id": lead_model.id,
                    "ttype": "char",
                    "state": "manual",
                },
                {
                    "name": "x_okr_signed_on",
                    "model_id": lead_model.id,
                    "ttype": "date",
                    "state": "manual",
                },
            ]
        )
        by_segment = self._new_auto_key_result(
            self.team_objective,
            "won_revenue",
            scope="team",
            source_domain="[('x_okr_segment', '=', 'key accounts')]",
        )
        by_signature = self._new_auto_key_result(
            self.department,
            "won_revenue",
            scope="company",
            date_field_id=signed_on.id,
        )
        self._commit_point()
        self.assertFalse(by_segment.computation_error or by_signature.computation_error)
        with self.assertLogs(DEFINITION_GLUE, logging.WARNING) as logs:
            (segment | signed_on).unlink()
        self.assertIn("crm.lead.x_okr_segment", by_segment.computation_error)
        self.assertIn("crm.lead.x_okr_signed_on", by_signature.computation_error)
        self.assertEqual(len(logs.output), 2)
        self.assertFalse(self.revenue.computation_error, "the others are fine")
        # the CRM goes on
        self._new_deal(amount=12.0).action_set_won()
        self._commit_point()
        self.assertEqual(self.revenue.current_value, 12.0)


@tagged("post_install", "-at_install")
class TestPresetChanges(OkrCrmCase):
    """Presets are shipped noupdate; a new version changes one with a write,
    and the key results that follow it follow the change."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.preset = cls.env.ref("okr_sales.okr_preset_won_revenue")
        cls.mine = (
            cls.env["okr.key.result"]
            .with_user(cls.salesperson)
            .create(
                {
                    "name": "My revenue",
                    "objective_id": cls.my_objective.id,
                    "preset_id": cls.preset.id,
                    "target_value": 100,
                }
            )
        )
        cls.adapted = cls._new_auto_key_result(
            cls.department,
            "won_revenue",
            scope="company",
            source_domain="[('won_status', '=', 'won'), ('expected_revenue', '>', 50)]",
        )
        cls.env.cr.flush()

    def test_a_changed_preset_moves_its_key_results_as_a_whole(self):
        self._new_deal(amount=40.0).action_set_won()
        self._new_deal(amount=60.0, type="lead").action_set_won()
        self._commit_point()
        self.assertEqual(self.mine.current_value, 100.0)
        # what an upgrade's migration does
        rule = "[('won_status', '=', 'won'), ('type', '=', 'opportunity')]"
        self.preset.sudo().write({"source_domain": rule})
        self._commit_point()
        self.assertEqual(
            self.mine.source_domain, self.preset.source_domain, "followed the preset"
        )
        self.assertEqual(self.mine.current_value, 40.0, "rebuilt")
        self.assertEqual(
            self.adapted.source_domain,
            "[('won_status', '=', 'won'), ('expected_revenue', '>', 50)]",
            "a manager's own rule stays",
        )
        # The salesperson's edits are still hers to make.
        mine = self.mine.with_user(self.salesperson)
        mine.write({"target_value": 150, "name": "Revenue, opportunities"})
        mine.preset_id = self.env.ref("okr_sales.okr_preset_b2b_won_revenue")
        self._commit_point()
        self.assertEqual(self.mine.measure, "sum")
