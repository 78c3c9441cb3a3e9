"""A survey key result counts the answers of its own survey, above a
threshold that makes sense: refused at save otherwise, the field named."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OkrSurveyCase


@tagged("post_install", "-at_install")
class TestSurveyDefinition(OkrSurveyCase):
    def test_presets_count_completed_answers_of_the_chosen_survey(self):
        share = self.env.ref("okr_sales_survey.okr_preset_survey_score_share")
        average = self.env.ref("okr_sales_survey.okr_preset_survey_average_score")
        self.assertEqual((share.measure, share.unit), ("ratio", "percent"))
        self.assertEqual((average.measure, average.unit), ("average", "percent"))
        self.assertEqual(average.measure_field_id.name, "scoring_percentage")
        for preset in share | average:
            self.assertEqual(preset.source_model, "survey.user_input")
            self.assertEqual(preset.date_field_id.name, "end_datetime")
        key_result = self._new_survey_key_result(self.my_objective, "score_share")
        definition = key_result._okr_definition()
        self.assertIn(("survey_id", "=", self.survey.id), definition.domain)
        self.assertEqual(
            definition.numerator_domain, (("scoring_percentage", ">=", 80.0),)
        )

    def test_a_survey_key_result_without_survey_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "^Survey: choose the survey"):
            self._new_survey_key_result(
                self.my_objective, "score_share", survey_id=False
            )
        key_result = self._new_survey_key_result(self.my_objective, "average_score")
        with self.assertRaisesRegex(ValidationError, "^Survey: "):
            key_result.survey_id = False

    def test_a_threshold_out_of_range_is_refused(self):
        key_result = self._new_survey_key_result(self.my_objective, "score_share")
        for threshold in (0.0, -5.0, 100.5, 120.0):
            with (
                self.subTest(threshold=threshold),
                self.assertRaisesRegex(ValidationError, r"^Score Threshold \(%\): "),
            ):
                key_result.survey_score_threshold = threshold
                key_result.flush_recordset()
        key_result.survey_score_threshold = 100.0
        key_result.flush_recordset()
        self.assertEqual(key_result.survey_score_threshold, 100.0)

    def test_a_rule_that_forgets_the_survey_is_refused(self):
        key_result = self._new_survey_key_result(self.my_objective, "average_score")
        with self.assertRaisesRegex(ValidationError, r"^Rule: keep the condition"):
            key_result.source_domain = "[('state', '=', 'done')]"
        # a narrower rule keeps to the survey: accepted
        key_result.source_domain = (
            "[('survey_id', '=', survey_id), ('state', '=', 'done'),"
            " ('partner_id.is_company', '=', True)]"
        )
        self.assertFalse(key_result.computation_error)

    def test_manual_key_results_need_no_survey(self):
        key_result = self._new_key_result(self.my_objective, survey_score_threshold=0)
        self.assertFalse(key_result.survey_id)
