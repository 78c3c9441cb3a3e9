"""What webhooks hear of: the event types, the settings, and the notes a
changing transaction takes for the outbox (``okr.webhook.event``).

No Odoo model here: the models that note changes (key results, check-ins,
the period close) import these without loading the webhook models first.
"""

from ..engine.progress import STATUS_ACHIEVED

# ir.config_parameter keys (Settings)
ALLOW_PRIVATE_PARAM = "okr_sales.webhook_allow_private"
COALESCE_PARAM = "okr_sales.webhook_coalesce_seconds"
MAX_ATTEMPTS_PARAM = "okr_sales.webhook_max_attempts"
PURGE_DAYS_PARAM = "okr_sales.webhook_purge_days"
DEFAULT_COALESCE_SECONDS = 10
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_PURGE_DAYS = 30

# Event types: what a webhook may ask for, and the event's name in the
# payload.
EVENT_PROGRESS = "progress"
EVENT_STATUS = "status"
EVENT_ACHIEVED = "achieved"
EVENT_CHECKIN = "checkin"
EVENT_CLOSED = "closed"
EVENT_ALIGNMENT = "alignment"
EVENT_NAMES = {
    EVENT_PROGRESS: "key_result.progress_changed",
    EVENT_STATUS: "key_result.status_changed",
    EVENT_ACHIEVED: "key_result.achieved",
    EVENT_CHECKIN: "key_result.checkin_added",
    EVENT_CLOSED: "key_result.period_closed",
    EVENT_ALIGNMENT: "key_result.alignment_warning",
}
EVENT_SELECTION = [
    (EVENT_PROGRESS, "Key result progress changed"),
    (EVENT_STATUS, "Status changed"),
    (EVENT_ACHIEVED, "Key result achieved"),
    (EVENT_CHECKIN, "Check-in added"),
    (EVENT_CLOSED, "Period closed"),
    (EVENT_ALIGNMENT, "Alignment warning raised"),
]
# What each event type needs of a webhook to be sent to it.
EVENT_FIELDS = {
    EVENT_PROGRESS: "on_progress",
    EVENT_STATUS: "on_status",
    EVENT_ACHIEVED: "on_achieved",
    EVENT_CHECKIN: "on_checkin",
    EVENT_CLOSED: "on_period_closed",
    EVENT_ALIGNMENT: "on_alignment",
}

FORMAT_JSON = "json"
FORMAT_CHAT = "chat"


def note_progress(env, key_result_ids, deal_of=None):
    """Key results whose progress moved; ``deal_of`` maps some of them to
    the deal won that moved them."""
    deal_of = deal_of or {}
    env["okr.webhook.event"]._okr_note(
        EVENT_PROGRESS,
        {
            kr_id: ({"deal": deal_of[kr_id]} if kr_id in deal_of else {})
            for kr_id in key_result_ids
        },
    )


def note_checkins(env, checkins):
    env["okr.webhook.event"]._okr_note(
        EVENT_CHECKIN,
        {checkin.key_result_id.id: {"checkin": checkin.id} for checkin in checkins},
    )


def note_status_changes(env, changes):
    """``{kr id: (status before, status after)}``: a status changed, and
    maybe reached achieved."""
    env["okr.webhook.event"]._okr_note(
        EVENT_STATUS,
        {kr_id: {"previous_status": old} for kr_id, (old, _new) in changes.items()},
    )
    env["okr.webhook.event"]._okr_note(
        EVENT_ACHIEVED,
        {kr_id: {} for kr_id, (_old, new) in changes.items() if new == STATUS_ACHIEVED},
    )


def note_alignment_warnings(env, key_result_ids):
    env["okr.webhook.event"]._okr_note(
        EVENT_ALIGNMENT, dict.fromkeys(key_result_ids, {})
    )


def note_period_closed(env, key_results):
    env["okr.webhook.event"]._okr_note(
        EVENT_CLOSED,
        {kr.id: {"closing_score": kr.closing_score} for kr in key_results},
    )


def wanted(env, *event_types):
    """Whether an active webhook asks for one of these event types."""
    return not env["okr.webhook"]._okr_wanted_events().isdisjoint(event_types)
