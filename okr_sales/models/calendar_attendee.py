from odoo import api, fields, models


class CalendarAttendee(models.Model):
    """An invitee of a meeting is counted by key results (trainings'
    attendees, ``okr.source.mixin``); his answer (``state``) is his voice,
    guarded as a kept fact (``engine/sources.py``)."""

    _name = "calendar.attendee"
    _inherit = ["calendar.attendee", "okr.source.mixin"]

    # The engine dates a record by one of its own stored fields.
    okr_event_start = fields.Datetime(
        "Meeting Start", related="event_id.start", store=True
    )
    # The organizer is no attendee of his own training.
    okr_is_organizer = fields.Boolean(
        "Organizer", compute="_compute_okr_is_organizer", store=True
    )

    @api.depends("partner_id", "event_id.user_id.partner_id")
    def _compute_okr_is_organizer(self):
        for attendee in self:
            attendee.okr_is_organizer = bool(
                attendee.partner_id
                and attendee.partner_id == attendee.event_id.user_id.partner_id
            )

    def _okr_contribution_noun(self):
        self.ensure_one()
        return self.env._("attendee")
