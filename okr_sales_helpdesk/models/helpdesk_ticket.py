from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.okr_sales.engine.domains import DomainValueError

# The ticket fields a "solved within N hours" rule compares with N.
RESOLUTION_HOURS_FIELDS = ("okr_resolution_hours", "okr_resolution_working_hours")
# Hours are kept to the second (1 / 3600 h > 10^-4).
SECOND_DIGITS = 4
# The operators that bound a resolution time from above.
UPPER_BOUND_OPERATORS = ("<=", "<")
# A write of these may move a ticket into or out of a solved stage (the stage
# is recomputed when the team changes; the solved stages are the company's).
SOLVED_STATE_FIELDS = ("stage_id", "team_id", "company_id")


class HelpdeskTicket(models.Model):
    """A ticket is counted by key results (``okr.source.mixin``).

    A domain cannot compare two fields, so what the rules need is stored:
    when the ticket was solved (empty while it is not) and how long that
    took, in calendar hours and in working hours. The solved time is a fact
    the bridge records when the ticket moves into a solved stage (a kept
    fact of the source: only helpdesk managers may correct it), never
    ``closed_date``, which the ticket's user may write, which helpdesk_mgmt
    keeps when a ticket is reopened, and sets on a cancelled ticket too.
    """

    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "okr.source.mixin"]

    okr_solved_date = fields.Datetime(
        "Solved On",
        copy=False,
        readonly=True,
        help="When the ticket moved into the stage it is solved in (see the OKR "
        "settings' Solved Ticket Stages), as recorded then; empty while it is "
        "not solved. Only helpdesk managers may correct it.",
    )
    okr_resolution_hours = fields.Float(
        "Resolution Time (Hours)",
        compute="_compute_okr_resolution_hours",
        store=True,
        copy=False,
        help="Calendar hours from the ticket's creation to its solution.",
    )
    okr_resolution_working_hours = fields.Float(
        "Resolution Time (Working Hours)",
        compute="_compute_okr_resolution_hours",
        store=True,
        copy=False,
        help="Working hours from the ticket's creation to its solution, by the "
        "working hours of its helpdesk team, or else of its company (public "
        "holidays excluded); calendar hours when it has neither.",
    )

    # ------------------------------------------------------------
    # Solved time: recorded when the ticket moves into a solved stage
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        # created solved (an import by the superuser may give its own time)
        tickets.filtered(
            lambda t: not t.okr_solved_date and t._okr_in_solved_stage()
        )._okr_record_solved_date(fields.Datetime.now())
        return tickets

    def write(self, vals):
        if "okr_solved_date" in vals or not any(
            fname in vals for fname in SOLVED_STATE_FIELDS
        ):
            return super().write(vals)
        stages = {ticket.id: ticket.stage_id for ticket in self}
        result = super().write(vals)
        solved = unsolved = self.browse()
        for ticket in self:
            if not ticket._okr_in_solved_stage():
                unsolved |= ticket.filtered("okr_solved_date")
            elif stages[ticket.id] != ticket.stage_id or not ticket.okr_solved_date:
                solved |= ticket
        solved._okr_record_solved_date(fields.Datetime.now())
        unsolved._okr_record_solved_date(False)
        return result

    def _okr_in_solved_stage(self):
        self.ensure_one()
        # helpdesk_mgmt requires a ticket's company
        return bool(self.stage_id) and (
            self.stage_id in self.company_id.okr_ticket_solved_stage_ids
        )

    def _okr_record_solved_date(self, moment):
        """The system records the fact, in the write that moved the ticket:
        not a write of its user."""
        if self:
            self.sudo().write({"okr_solved_date": moment})

    def _okr_sync_solved_dates(self, keep=True):
        """After the solved stages changed (the company's setting, an
        upgrade): tickets in a solved stage get the time they moved into it,
        as the chatter's tracking recorded it (``keep``: unless they have
        one; else the one they have, else helpdesk's closing time for a
        ticket without tracking, imported or made in SQL, else its
        creation), those in another stage lose theirs. In one statement: a
        setting may touch every ticket of a company."""
        tickets = self.with_context(active_test=False)
        entered = tickets._okr_stage_entered_dates()
        moments = {}
        for ticket in tickets:
            if not ticket._okr_in_solved_stage():
                moment = False
            elif keep and ticket.okr_solved_date:
                moment = ticket.okr_solved_date
            else:
                moment = (
                    entered.get(ticket.id)
                    or ticket.okr_solved_date
                    or ticket.closed_date
                    or ticket.create_date
                )
            if moment != ticket.okr_solved_date:
                moments[ticket.id] = moment or None
        if not moments:
            return
        self.env.execute_query(
            SQL(
                """
                UPDATE helpdesk_ticket ticket
                   SET okr_solved_date = solved.moment
                  FROM (SELECT unnest(%s::int[]) AS id,
                               unnest(%s::timestamp[]) AS moment) solved
                 WHERE ticket.id = solved.id
                """,
                list(moments),
                list(moments.values()),
            )
        )
        changed = self.browse(list(moments))
        changed.invalidate_recordset(["okr_solved_date"])
        # the resolution times follow; the engine counts the tickets again
        changed.modified(["okr_solved_date"])
        changed._okr_notify_changed()

    def _okr_stage_entered_dates(self):
        """``{ticket id: when it moved into its current stage}``, as the
        chatter's tracking recorded it (tracking values are written by the
        system only); tickets without such a record are left out."""
        if not self.ids:
            return {}
        self.env["mail.tracking.value"].flush_model()
        self.env["mail.message"].flush_model()
        self.flush_recordset(["stage_id"])
        field = self.env["ir.model.fields"]._get(self._name, "stage_id")
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ticket.id, MAX(value.create_date)
                  FROM helpdesk_ticket ticket
                  JOIN mail_message message
                    ON message.model = %(model)s AND message.res_id = ticket.id
                  JOIN mail_tracking_value value
                    ON value.mail_message_id = message.id
                   AND value.field_id = %(field)s
                   AND value.new_value_integer = ticket.stage_id
                 WHERE ticket.id IN %(ids)s
              GROUP BY ticket.id
                """,
                model=self._name,
                field=field.id,
                ids=tuple(self.ids),
            )
        )
        return dict(rows)

    # ------------------------------------------------------------
    # Ratings: the customer's
    # ------------------------------------------------------------

    def message_post(self, **kwargs):
        # rating.mixin creates the rating of a posted message in sudo, for
        # the portal's customer: not for the ticket's user to rate himself
        if kwargs.get("rating_value"):
            ratings = self.env["rating.rating"]
            facts = ratings._okr_kept_facts()
            if facts and not self.env.user.has_group(facts.managers):
                raise ratings._okr_facts_refusal(facts, "rating")
        return super().message_post(**kwargs)

    # ------------------------------------------------------------
    # Resolution time
    # ------------------------------------------------------------

    @api.depends(
        "okr_solved_date",
        "team_id.resource_calendar_id",
        "company_id.resource_calendar_id",
    )
    def _compute_okr_resolution_hours(self):
        for ticket in self:
            start = ticket.create_date or fields.Datetime.now()
            end = ticket.okr_solved_date
            if not end or end <= start:
                # unsolved, or imported closed before it was created: 0, never
                # a negative time
                ticket.okr_resolution_hours = 0.0
                ticket.okr_resolution_working_hours = 0.0
                continue
            hours = (end - start).total_seconds() / 3600
            calendar = ticket._okr_resolution_calendar()
            working = (
                calendar.get_work_duration_data(start, end)["hours"]
                if calendar
                else hours
            )
            # To the second: 24 h computed as 23.9999999 must stay within 24 h.
            ticket.okr_resolution_hours = round(hours, SECOND_DIGITS)
            ticket.okr_resolution_working_hours = round(working, SECOND_DIGITS)

    def _okr_resolution_calendar(self):
        self.ensure_one()
        return self.team_id.resource_calendar_id or self.company_id.resource_calendar_id

    @api.model
    def _okr_check_rule(self, domain, key_result):
        for item in domain:
            if not isinstance(item, list | tuple) or len(item) != 3:
                continue
            path, operator, value = item
            if path not in RESOLUTION_HOURS_FIELDS:
                continue
            label = self._fields[path].string
            if operator in UPPER_BOUND_OPERATORS and (
                not isinstance(value, int | float) or value <= 0
            ):
                raise DomainValueError(
                    self.env._(
                        "“%(field)s” %(operator)s %(value)s: the number of hours "
                        "must be more than 0.",
                        field=label,
                        operator=operator,
                        value=value,
                    )
                )
            # A preset has no company: its key results are checked.
            company = key_result.company_id
            if (
                path == "okr_resolution_working_hours"
                and company
                and not company.resource_calendar_id
            ):
                raise DomainValueError(
                    self.env._(
                        "“%(field)s” needs working hours: the company %(company)s "
                        "has no working schedule (Settings > Employees, or the "
                        "company's Working Hours).",
                        field=label,
                        company=company.name,
                    )
                )
        return super()._okr_check_rule(domain, key_result)
