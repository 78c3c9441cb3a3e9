"""The models whose records key results can count: the extension point.

A source says which fields of its model place a record with a salesperson,
a sales team and a company. ``okr.key.result._okr_sources()`` returns them;
a bridge addon (helpdesk tickets, sale orders, ...) adds its own by
extending that method and by mixing ``okr.source.mixin`` into its model,
which reports the model's records to the engine.
"""

from dataclasses import dataclass, field

from odoo.fields import Domain
from odoo.tools.translate import LazyGettext, LazyTranslate

_lt = LazyTranslate(__name__)


@dataclass(frozen=True)
class KeptFacts:
    """Counted fields of a source that are someone else's voice (a
    customer's rating) or a system fact (when a ticket was solved): the
    person measured must not type them.

    Only the flows that own them set them: they run as the superuser
    (``sudo()``: the customer's rating page, the survey's answering flow,
    the bridge recording a move into a solved stage). Members of the group
    ``managers`` may correct them, and the chatter of the record (or of the
    record ``thread_field`` points at) tells it. While a live key result
    counts the source, everyone else is refused, on create (a value other
    than the field's default), write and unlink (a record holding such a
    value), by ``okr.source.mixin``. A list field (x2many) is guarded on
    write only: the model's own create fills it in.
    """

    # the fields, in the order a refusal names them
    fields: tuple[str, ...]
    # xmlid of the group whose members may correct them
    managers: str
    # the records whose fields are facts (a domain; all records when empty)
    scope: tuple = ()
    # where a manager's correction is told: a many-to-one to a record with a
    # chatter; the record itself when empty
    thread_field: str | None = None
    # whose voice the facts are, when a user speaks it himself: a
    # many-to-one to res.partner; the user of that partner sets them on his
    # own records (an invitee answering an invitation in his calendar)
    voice_field: str | None = None
    # anyone may set the facts back to their default (an invitation's
    # answers reset when its meeting moves): it withdraws an answer, and
    # never adds to what the key results count
    withdrawable: bool = False


@dataclass(frozen=True)
class SourceSpec:
    """How records of one model are attributed.

    Each field is a path usable in a domain: ``user_field`` to the
    salesperson, ``team_field`` to the ``crm.team``, ``company_field`` to the
    company. ``label`` names the source in the key result form.
    """

    model: str
    # translated where it is shown (``_selection_source_model``); not part
    # of what the source is
    label: LazyGettext = field(compare=False)
    user_field: str
    team_field: str
    company_field: str
    default_date_field: str
    # A pipeline to forecast from: the expected date of an open record and
    # its chance (0-100) to be counted. None: no forecast for this source.
    forecast_date_field: str | None = None
    probability_field: str | None = None
    # What of the records the person measured may not type (see KeptFacts).
    kept_facts: KeptFacts | None = None
    # Closed records, won and lost (dated by ``default_date_field``): the
    # historic win rate a pipeline's coverage is measured with. Empty: no
    # win rate for this source.
    won_domain: tuple = ()
    lost_domain: tuple = ()

    def scope_fields(self):
        return (self.user_field, self.team_field, self.company_field)

    def team_domain(self, team_ids):
        """The records of these sales teams."""
        return Domain(self.team_field, "in", list(team_ids))


@dataclass(frozen=True)
class UserRecordsSpec(SourceSpec):
    """A source whose records belong to a user (meetings, activities,
    tickets): their sales teams are the user's, by his active team
    memberships.

    Its ``team_field`` goes through the memberships themselves
    (``<user_field>.crm_team_member_ids.crm_team_id``), not through the
    user's computed ``crm_team_ids``, whose search resolves the members at
    once: the engine's queries are built once and kept, and would keep
    yesterday's members. ``user_field`` may be a path (a rating's ticket's
    user).
    """

    def team_domain(self, team_ids):
        return Domain(
            f"{self.user_field}.crm_team_member_ids",
            "any",
            Domain("crm_team_id", "in", list(team_ids)) & Domain("active", "=", True),
        )


CRM_SOURCES = (
    SourceSpec(
        model="crm.lead",
        label=_lt("Leads / Opportunities"),
        user_field="user_id",
        team_field="team_id",
        company_field="company_id",
        default_date_field="date_closed",
        forecast_date_field="date_deadline",
        probability_field="probability",
        won_domain=(("won_status", "=", "won"),),
        lost_domain=(("won_status", "=", "lost"),),
    ),
    UserRecordsSpec(
        model="calendar.event",
        label=_lt("Meetings"),
        user_field="user_id",
        team_field="user_id.crm_team_member_ids.crm_team_id",
        company_field="user_id.company_id",
        default_date_field="start",
    ),
    # An invitee of a meeting is the meeting's organizer's: who trained
    # whom. Whether he came is the invitee's answer.
    UserRecordsSpec(
        model="calendar.attendee",
        label=_lt("Meeting Attendees"),
        user_field="event_id.user_id",
        team_field="event_id.user_id.crm_team_member_ids.crm_team_id",
        company_field="event_id.user_id.company_id",
        default_date_field="okr_event_start",
        kept_facts=KeptFacts(
            fields=("state",),
            managers="sales_team.group_sale_manager",
            # the organizer's own answer is counted nowhere
            scope=(("okr_is_organizer", "=", False),),
            thread_field="event_id",
            voice_field="partner_id",
            withdrawable=True,
        ),
    ),
    UserRecordsSpec(
        model="mail.activity",
        label=_lt("Activities"),
        user_field="user_id",
        team_field="user_id.crm_team_member_ids.crm_team_id",
        company_field="user_id.company_id",
        default_date_field="date_done",
    ),
)
