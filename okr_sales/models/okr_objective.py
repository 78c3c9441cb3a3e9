from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine.definitions import (
    LEVEL_INDIVIDUAL,
    LEVEL_SELECTION,
    LEVEL_TEAM,
    SOURCE_MANUAL,
)
from ..engine.period import (
    EARLIEST_DATE,
    LATEST_DATE,
    PERIOD_QUARTER,
    PERIOD_SELECTION,
    period_bounds,
    within_bounds,
)
from ..engine.progress import STATUS_SELECTION, pace_status, weighted_progress


class OkrObjective(models.Model):
    _name = "okr.objective"
    _description = "Objective"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "okr.input.mixin",
        "okr.natural.order.mixin",
        "okr.edit.access.mixin",
    ]
    _order = "sequence, date_start, date_end desc, id"
    _parent_store = True
    _check_company_auto = True

    name = fields.Char("Objective", required=True, tracking=True, translate=True)
    description = fields.Html()
    active = fields.Boolean(default=True)
    color = fields.Integer("Color Index")
    sequence = fields.Integer(default=10)

    # Ownership
    user_id = fields.Many2one(
        "res.users",
        "Owner",
        default=lambda self: self.env.user,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('share', '=', False)]",
        help="Who answers for the objective and edits it. Only an OKR manager "
        "hands an objective over to someone else.",
    )
    can_hand_over = fields.Boolean(
        compute="_compute_can_hand_over",
        help="The current user may give the objective another owner: an OKR manager.",
    )
    can_set_level = fields.Boolean(
        compute="_compute_can_set_level",
        help="The current user may choose a level above a salesperson's: an "
        "OKR manager, or a team leader (his team's).",
    )
    team_id = fields.Many2one(
        "crm.team", "Sales Team", index=True, tracking=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    level = fields.Selection(
        LEVEL_SELECTION,
        required=True,
        default=LEVEL_INDIVIDUAL,
        tracking=True,
        help="Where the objective sits in the cascade: company, sales "
        "department, team leader or salesperson. The levels above a "
        "salesperson's are set by OKR managers, a team's by its leader.",
    )

    # Alignment
    parent_id = fields.Many2one(
        "okr.objective",
        "Aligned With",
        index=True,
        ondelete="restrict",
        tracking=True,
        check_company=True,
        help="The higher-level objective this one contributes to.",
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("okr.objective", "parent_id", "Aligned Objectives")

    # Period
    period_type = fields.Selection(
        PERIOD_SELECTION,
        "Period",
        required=True,
        default=PERIOD_QUARTER,
        tracking=True,
        help="Quick choice of the period: the year, quarter or month around "
        "the start date. Custom keeps the dates as entered.",
    )
    date_start = fields.Date(
        "Start Date",
        required=True,
        compute="_compute_period_dates",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    date_end = fields.Date(
        "End Date",
        required=True,
        compute="_compute_period_dates",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )

    # Key results and progress
    key_result_ids = fields.One2many(
        "okr.key.result", "objective_id", "Key Results", copy=True
    )
    key_result_count = fields.Integer(compute="_compute_key_result_count")
    main_key_result_id = fields.Many2one(
        "okr.key.result",
        compute="_compute_main_key_result",
        help="The key result of the highest weight (then the first one).",
    )
    main_key_result_display = fields.Char(
        "Main Key Result Figures",
        compute="_compute_main_key_result",
        help="Current value and target of the main key result.",
    )
    progress = fields.Float(
        compute="_compute_progress",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="Mean progress of the key results, weighted by their weight.",
    )
    status = fields.Selection(
        STATUS_SELECTION,
        compute="_compute_status",
        store=True,
        index=True,
        help="Progress compared with the share of the period already elapsed; "
        "once the period is over, achieved or missed. None while the objective "
        "has no key result: there is nothing to be behind on.",
    )
    closing_score = fields.Float(
        "Score",
        readonly=True,
        copy=False,
        tracking=True,
        digits=(16, 2),
        help="Given when its period is closed: the key results' scores, "
        "weighted by their weight (0.0 to 1.0).",
    )

    @api.depends("period_type")
    def _compute_period_dates(self):
        for objective in self:
            bounds = period_bounds(
                objective.period_type,
                objective.date_start or objective._okr_today(),
            )
            if bounds:
                objective.date_start, objective.date_end = bounds

    def _compute_key_result_count(self):
        counts = dict(
            self.env["okr.key.result"]._read_group(
                [("objective_id", "in", self.ids)], ["objective_id"], ["__count"]
            )
        )
        for objective in self:
            objective.key_result_count = counts.get(objective, 0)

    @api.depends(
        "key_result_ids.weight",
        "key_result_ids.sequence",
        "key_result_ids.value_display",
    )
    @api.depends_context("lang")
    def _compute_main_key_result(self):
        # as far as the reader may read them (one check for all the cards)
        readable = self.key_result_ids._filtered_access("read")
        for objective in self:
            main = (objective.key_result_ids & readable).sorted(
                lambda kr: (-kr.weight, kr.sequence, kr.id)
            )[:1]
            objective.main_key_result_id = main
            objective.main_key_result_display = main.value_display

    @api.depends("key_result_ids.progress", "key_result_ids.weight")
    def _compute_progress(self):
        for objective in self:
            objective.progress = weighted_progress(
                [(kr.progress, kr.weight) for kr in objective.key_result_ids]
            )

    @api.depends("progress", "date_start", "date_end", "key_result_ids.status")
    def _compute_status(self):
        on_track, at_risk = self.env["ir.config_parameter"]._okr_pace_thresholds()
        for objective in self:
            if not objective.key_result_ids:
                # Its 0% measures nothing: "No key results yet", not off track.
                objective.status = False
                continue
            objective.status = pace_status(
                objective.progress,
                objective.date_start,
                objective.date_end,
                objective._okr_today(),
                on_track=on_track,
                at_risk=at_risk,
                # none of its key results measured yet: no status either
                has_data=any(objective.key_result_ids.mapped("status")),
            )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for objective in self:
            for fname in ("date_start", "date_end"):
                if not within_bounds(objective[fname]):
                    raise ValidationError(
                        self.env._(
                            "%(field)s of objective “%(name)s” must lie between "
                            "%(earliest)s and %(latest)s.",
                            field=self._fields[fname].string,
                            name=objective.name,
                            earliest=EARLIEST_DATE,
                            latest=LATEST_DATE,
                        )
                    )
            if objective.date_end < objective.date_start:
                raise ValidationError(
                    self.env._(
                        "End Date of objective “%(name)s” is before its Start Date.",
                        name=objective.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        objectives = super().create(vals_list)
        objectives._okr_check_level_access()
        return objectives

    def write(self, vals):
        if vals.get("parent_id"):
            self._check_alignment_cycle(self.browse(vals["parent_id"]))
        if "active" in vals and not vals["active"]:
            self._okr_check_removal_access()
        result = super().write(vals)
        if {"level", "team_id"} & vals.keys():
            self._okr_check_level_access()
        if not self.env.su:
            # The rules hold for the new values too (Odoo checks them before
            # a write only): an objective handed over is no longer one's own.
            self._okr_check_still_editable(vals)
        if "active" in vals:
            # Its key results count, or stop counting. (Its team, company and
            # dates reach them as their own fields' changes.)
            key_results = self.with_context(active_test=False).key_result_ids
            key_results.filtered(
                lambda kr: kr.source != SOURCE_MANUAL
            )._okr_note_definition_change()
            # and the roll-ups over them take them, or leave them out
            key_results._okr_note_rollup_children()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_automatic_key_results(self):
        self._okr_check_removal_access()

    @api.model
    def _okr_action_home(self):
        """The OKR home (the Objectives menu): an OKR manager lands on the
        organisation's current period, a salesperson on her own objectives
        of it; the kanban shows only the levels that hold some, so no empty
        column leads."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "okr_sales.okr_objective_action"
        )
        context = {"search_default_current_period": 1}
        if not self.env.user._okr_is_manager():
            context["search_default_my_okrs"] = 1
        action["context"] = context
        return action

    def _okr_today(self):
        """Today in the objective's company (the current company's on no
        objective): ``res.company._okr_today``."""
        return (self[:1].company_id or self.env.company)._okr_today()

    @api.depends_context("uid")
    def _compute_can_hand_over(self):
        can_hand_over = self.env.su or self.env.user._okr_is_manager()
        for objective in self:
            objective.can_hand_over = can_hand_over

    @api.depends_context("uid")
    def _compute_can_set_level(self):
        can_set_level = (
            self.env.su
            or self.env.user._okr_is_manager()
            or bool(
                self.env["crm.team"]
                .sudo()
                .search_count([("user_id", "=", self.env.uid)], limit=1)
            )
        )
        for objective in self:
            objective.can_set_level = can_set_level

    def _okr_check_still_editable(self, vals):
        """Refuse, in words, a change after which the user could no longer
        edit the objective (its owner changed by its owner): Odoo's own
        refusal would speak of records it may not touch."""
        try:
            self.check_access("write")
        except AccessError:
            names = [
                self._fields[fname].string
                for fname in ("user_id", "team_id", "company_id")
                if fname in vals
            ] or [self._fields[fname].string for fname in vals if fname in self._fields]
            raise AccessError(
                self.env._(
                    "%(fields)s: after this change objective “%(name)s” would no "
                    "longer be yours to edit; an OKR manager hands an objective "
                    "over.",
                    fields=", ".join(names),
                    name=self.sudo()[:1].name,
                )
            ) from None

    def _okr_check_level_access(self):
        """The levels above a salesperson's are for OKR managers; a team
        leader sets those of the team he leads."""
        if self.env.su or self.env.user._okr_is_manager():
            return
        for objective in self:
            if objective.level == LEVEL_INDIVIDUAL or (
                objective.level == LEVEL_TEAM
                and objective.team_id.user_id == self.env.user
            ):
                continue
            raise AccessError(
                self.env._(
                    "Only OKR managers set objectives at the %(level)s level; a "
                    "team leader sets his own team's.",
                    level=dict(self._fields["level"]._description_selection(self.env))[
                        objective.level
                    ],
                )
            )

    def _okr_check_removal_access(self):
        """An objective holding automatic key results is a manager's to
        delete or archive, as those key results are."""
        if self.env.su or self.env.user._okr_is_manager():
            return
        key_results = self.sudo().with_context(active_test=False).key_result_ids
        if any(key_result.source != SOURCE_MANUAL for key_result in key_results):
            raise AccessError(
                self.env._(
                    "Only OKR managers can delete or archive an objective with "
                    "automatic key results."
                )
            )

    def _check_alignment_cycle(self, parent):
        # Checked before writing: the parent store would otherwise stop the
        # write with a bare "Recursion Detected." that names no field.
        ancestor_path = (parent.parent_path or "").split("/")[:-1]
        ancestor_ids = {int(label) for label in ancestor_path}
        if ancestor_ids & set(self.ids):
            raise ValidationError(
                self.env._(
                    "Aligned With: objective “%(name)s” cannot be aligned with "
                    "itself or with an objective aligned under it.",
                    name=parent.name,
                )
            )

    def _cron_refresh_status(self):
        """Move the traffic lights along with the calendar.

        The status depends on today's date, which no field dependency sees:
        recompute it once a day for the objectives and key results that are
        running or just ended.
        """
        # whichever company's today it is
        earliest, latest = self.env["res.company"]._okr_today_range()
        domain = [
            ("date_start", "<=", latest),
            ("date_end", ">=", earliest - timedelta(days=1)),
        ]
        for model_name in ("okr.objective", "okr.key.result"):
            records = self.env[model_name].search(domain)
            self.env.add_to_compute(records._fields["status"], records)
            records.flush_recordset(["status"])

    def _okr_score(self):
        """Score these objectives from their key results' scores.

        Written as the system (the score is kept by the OKRs), once the
        caller's own right to edit these objectives is checked."""
        self.check_access("write")
        for objective in self:
            pairs = [(kr.closing_score, kr.weight) for kr in objective.key_result_ids]
            objective.sudo().closing_score = round(weighted_progress(pairs), 2)

    def _okr_schedule_review(self, deadline):
        """The next review of each salesperson's objective, for the leader of
        her team (or the owner of the objective above), due on ``deadline``."""
        for objective in self.filtered(lambda o: o.level == LEVEL_INDIVIDUAL):
            reviewer = objective.team_id.user_id or objective.parent_id.user_id
            if not reviewer or reviewer == objective.user_id:
                continue
            objective.activity_schedule(
                "okr_sales.mail_activity_type_okr_review",
                date_deadline=deadline,
                user_id=reviewer.id,
                summary=self.env._(
                    "OKR review with %(owner)s", owner=objective.user_id.name
                ),
            )

    def action_open_key_results(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "okr_sales.okr_key_result_action"
        )
        action["domain"] = [("objective_id", "=", self.id)]
        action["context"] = {"default_objective_id": self.id}
        return action
