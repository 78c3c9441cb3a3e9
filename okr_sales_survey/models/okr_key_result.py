from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.translate import LazyTranslate

from odoo.addons.okr_sales.engine.definitions import SOURCE_AUTOMATIC
from odoo.addons.okr_sales.engine.domains import DomainSyntaxError, parse_domain
from odoo.addons.okr_sales.engine.sources import KeptFacts, SourceSpec

_lt = LazyTranslate(__name__)

SURVEY_MODEL = "survey.user_input"
# Survey answers are attributed to whom the participant was invited for
# (survey_user_input.py): a salesperson, his sales team, their company.
SURVEY_SOURCE = SourceSpec(
    model=SURVEY_MODEL,
    label=_lt("Survey Answers"),
    user_field="okr_user_id",
    team_field="okr_team_id",
    company_field="okr_company_id",
    default_date_field="end_datetime",
    # The customer's answer, as the survey's answering flow (in sudo) records
    # it: completed, when, its score, on which questions. Test entries are
    # the survey users' own and never counted.
    kept_facts=KeptFacts(
        fields=(
            "state",
            "end_datetime",
            "scoring_percentage",
            "scoring_total",
            "scoring_success",
            "test_entry",
            "predefined_question_ids",
        ),
        managers="survey.group_survey_manager",
        scope=(("test_entry", "=", False),),
    ),
)
# Key result fields a rule reads through its placeholders: a change of one is
# a change of what the key result counts.
SURVEY_DEFINITION_FIELDS = frozenset({"survey_id", "survey_score_threshold"})
DEFAULT_SCORE_THRESHOLD = 80.0


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"

    # Which answers count: the key result's own survey, through the rule's
    # placeholders survey_id and score_threshold.
    survey_id = fields.Many2one(
        "survey.survey",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
        domain="[('scoring_type', '!=', 'no_scoring')]",
        help="The survey whose answers the key result counts: the rule "
        "restricts to it with ('survey_id', '=', survey_id).",
    )
    survey_score_threshold = fields.Float(
        "Score Threshold (%)",
        default=DEFAULT_SCORE_THRESHOLD,
        tracking=True,
        help="An answer scoring at least this share of the survey's points "
        "is a success (placeholder score_threshold in the rule).",
    )

    @api.model
    def _okr_sources(self):
        sources = super()._okr_sources()
        sources[SURVEY_MODEL] = SURVEY_SOURCE
        return sources

    @api.model
    def _okr_bridge_rule_fields(self):
        # also what a change rebuilds at commit (``_okr_definition_triggers``):
        # the parsed rule holds the survey and the threshold
        return super()._okr_bridge_rule_fields() | SURVEY_DEFINITION_FIELDS

    def _okr_placeholders(self):
        placeholders = super()._okr_placeholders()
        placeholders["survey_id"] = self.survey_id.id
        placeholders["score_threshold"] = float(self.survey_score_threshold or 0.0)
        return placeholders

    def _okr_counts_survey_answers(self):
        self.ensure_one()
        return self.source == SOURCE_AUTOMATIC and self.source_model == SURVEY_MODEL

    def _okr_rule_names_survey(self):
        """Whether the rule keeps to the key result's survey, with
        ``('survey_id', '=', survey_id)`` among its conditions."""
        marker = object()
        placeholders = dict(self._okr_placeholders(), survey_id=marker)
        try:
            domain = parse_domain(self.source_domain, placeholders)
        except DomainSyntaxError:
            return True  # the rule's own check names the fault
        return any(
            isinstance(item, list | tuple)
            and tuple(item[:2]) == ("survey_id", "=")
            and item[2] is marker
            for item in domain
        )

    @api.constrains(
        "source", "source_model", "source_domain", *SURVEY_DEFINITION_FIELDS
    )
    def _check_survey(self):
        for key_result in self.filtered(lambda kr: kr._okr_counts_survey_answers()):
            fields_info = self._fields
            if not key_result.survey_id:
                raise ValidationError(
                    self.env._(
                        "%(field)s: choose the survey whose answers “%(name)s” counts.",
                        field=fields_info["survey_id"].string,
                        name=key_result.name,
                    )
                )
            if not 0 < key_result.survey_score_threshold <= 100:
                raise ValidationError(
                    self.env._(
                        "%(field)s: a score threshold lies above 0 and at most "
                        "100, not %(value)s.",
                        field=fields_info["survey_score_threshold"].string,
                        value=key_result.survey_score_threshold,
                    )
                )
            if not key_result._okr_rule_names_survey():
                raise ValidationError(
                    self.env._(
                        "%(field)s: keep the condition ('survey_id', '=', "
                        "survey_id): the key result counts the answers of its "
                        "survey.",
                        field=fields_info["source_domain"].string,
                    )
                )
