from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestAutomaticDefinition(OkrCrmCase):
    """A broken definition is refused at save, with the field at fault named;
    only OKR managers define what is counted."""

    def _define(self, **vals):
        values = {
            "name": "Revenue",
            "objective_id": self.department.id,
            "source": "automatic",
            "source_model": "crm.lead",
            "source_domain": "[('won_status', '=', 'won')]",
            "date_field_id": self.env.ref("crm.field_crm_lead__date_closed").id,
            "scope": "company",
            "measure": "sum",
            "measure_field_id": self.env.ref("crm.field_crm_lead__expected_revenue").id,
            "target_value": 100,
        }
        values.update(vals)
        return self.env["okr.key.result"].create(values)

    def test_a_valid_definition_is_accepted(self):
        self.assertEqual(self._define().measure, "sum")

    def test_unknown_field_in_the_rule(self):
        with self.assertRaisesRegex(ValidationError, "Rule: .*does not fit"):
            self._define(source_domain="[('no_such_field', '=', 1)]")

    def test_rule_that_does_not_parse(self):
        with self.assertRaisesRegex(ValidationError, "Rule: not a valid domain"):
            self._define(source_domain="[('won_status', '=', 'won'")

    def test_rule_is_data_not_code(self):
        with self.assertRaisesRegex(ValidationError, "Rule: only values"):
            self._define(source_domain="[('user_id', '=', __import__('os').getpid())]")
        with self.assertRaisesRegex(ValidationError, "Rule: only values"):
            self._define(source_domain="[('name', '=', 'a' * 10)]")

    def test_placeholders_are_filled_from_the_key_result(self):
        key_result = self._define(
            source_domain="[('won_status', '=', 'won'), ('user_id', '=', owner_id)]"
        )
        self.assertEqual(key_result._okr_definition().domain[-1][2], self.director.id)

    def test_sum_of_a_text_field(self):
        with self.assertRaisesRegex(ValidationError, "Measured Field: .*not “"):
            self._define(measure_field_id=self.env.ref("crm.field_crm_lead__name").id)

    def test_distinct_count_needs_a_many2one(self):
        with self.assertRaisesRegex(ValidationError, "Measured Field"):
            self._define(
                measure="distinct",
                measure_field_id=self.env.ref("crm.field_crm_lead__email_from").id,
            )

    def test_ratio_without_successes_or_denominator(self):
        with self.assertRaisesRegex(ValidationError, "Successes: a ratio needs"):
            self._define(measure="ratio", numerator_domain=False)
        with self.assertRaisesRegex(ValidationError, "Rule: a ratio needs"):
            self._define(
                measure="ratio",
                source_domain=False,
                numerator_domain="[('won_status', '=', 'won')]",
            )

    def test_date_field_of_another_model(self):
        with self.assertRaisesRegex(ValidationError, "Dated By"):
            self._define(
                date_field_id=self.env.ref("calendar.field_calendar_event__start").id
            )

    def test_team_scope_needs_a_team(self):
        without_team = self._new_objective(
            team_id=False, date_start=self.period_start, date_end=self.period_end
        )
        with self.assertRaisesRegex(ValidationError, "Whose Records: .*no sales team"):
            self._define(objective_id=without_team.id, scope="team")

    def test_salesperson_picks_a_preset_but_defines_nothing(self):
        key_results = self.env["okr.key.result"].with_user(self.salesperson)
        picked = key_results.create(
            {
                "name": "My revenue",
                "objective_id": self.my_objective.id,
                "preset_id": self.env.ref("okr_sales.okr_preset_won_revenue").id,
                "target_value": 100,
            }
        )
        self.assertEqual(picked.source, "automatic")
        self.assertEqual(picked.measure, "sum")
        with self.assertRaises(AccessError):
            picked.source_domain = "[]"
        with self.assertRaises(AccessError):
            key_results.create(
                {
                    "name": "Everything",
                    "objective_id": self.my_objective.id,
                    "source": "automatic",
                    "source_model": "crm.lead",
                    "source_domain": "[]",
                    "date_field_id": self.env.ref("crm.field_crm_lead__create_date").id,
                    "measure": "count",
                    "target_value": 10,
                }
            )
        # Manual key results stay hers to make.
        manual = key_results.create(
            {"name": "Calls", "objective_id": self.my_objective.id, "target_value": 5}
        )
        self.assertEqual(manual.source, "manual")

    def test_manager_changes_a_definition_and_the_value_follows(self):
        key_result = self._define(scope="owner", objective_id=self.my_objective.id)
        deal = self._new_deal(amount=80.0)
        deal.action_set_won()
        self._commit_point()
        self.assertEqual(key_result.current_value, 80.0)
        key_result.with_user(self.director).measure = "count"
        self._commit_point()
        self.assertEqual(key_result.current_value, 1.0)
        key_result.with_user(self.director).source = "manual"
        self._commit_point()
        self.assertFalse(key_result.period_value_ids)
