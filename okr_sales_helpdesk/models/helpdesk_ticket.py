from odoo import api, fields, models

from odoo.addons.okr_sales.engine.domains import DomainValueError

# The ticket fields a "solved within N hours" rule compares with N.
RESOLUTION_HOURS_FIELDS = ("okr_resolution_hours", "okr_resolution_working_hours")
# Hours are kept to the second (1 / 3600 h > 10^-4).
SECOND_DIGITS = 4
# The operators that bound a resolution time from above.
UPPER_BOUND_OPERATORS = ("<=", "<")


class HelpdeskTicket(models.Model):
    """A ticket is counted by key results (``okr.source.mixin``).

    A domain cannot compare two fields, so what the rules need is stored:
    when the ticket was solved (empty while it is not) and how long that
    took, in calendar hours and in working hours. ``closed_date`` alone will
    not do: helpdesk_mgmt keeps it when a ticket is reopened, and sets it on
    a cancelled ticket too.
    """

    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "okr.source.mixin"]

    okr_solved_date = fields.Datetime(
        "Solved On",
        compute="_compute_okr_solved_date",
        store=True,
        copy=False,
        help="When the ticket reached the stage it is solved in (see the OKR "
        "settings' Solved Ticket Stages); empty while it is not solved.",
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

    @api.depends("stage_id", "closed_date", "company_id.okr_ticket_solved_stage_ids")
    def _compute_okr_solved_date(self):
        for ticket in self:
            # helpdesk_mgmt requires a ticket's company
            solved_stages = ticket.company_id.okr_ticket_solved_stage_ids
            if ticket.stage_id and ticket.stage_id in solved_stages:
                # closed_date is written with each move into a closed stage;
                # a ticket created closed has none.
                ticket.okr_solved_date = (
                    ticket.closed_date
                    or ticket.last_stage_update
                    or ticket.create_date
                    or fields.Datetime.now()
                )
            else:
                ticket.okr_solved_date = False

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
