"""The bodies a webhook receives.

Signed JSON, schema ``okr_sales.webhook`` version 1 (README, "Webhooks"):

    {"schema": "okr_sales.webhook", "version": 1,
     "id": "<event id: the same on every attempt, an idempotency key>",
     "type": "key_result.progress_changed" | "key_result.status_changed"
             | "key_result.achieved" | "key_result.checkin_added"
             | "key_result.period_closed" | "key_result.alignment_warning",
     "occurred_at": "<UTC, ISO 8601>", "coalesced": <changes it stands for>,
     "key_result": {...}, "deal": {...} | null, "checkin": {...} | null,
     "previous_status": "<status>" | null, "text": "<the chat sentence>"}

Fields are only ever added within a version; a change of meaning makes a
new version. The chat format is ``{"text": "<sentence>"}``, which the
incoming webhooks of common team chats accept; the names in its sentence
are escaped (``chat_escape``), the JSON body's are as they are.
"""

import json
import re

SCHEMA = "okr_sales.webhook"
VERSION = 1


def json_body(event_id, event_name, occurred_at, coalesced, key_result, text,
              deal=None, checkin=None, previous_status=None):  # fmt: skip
    """The signed JSON body, as bytes."""
    return _dump(
        {
            "previous_status": previous_status,
            "schema": SCHEMA,
            "version": VERSION,
            "id": event_id,
            "type": event_name,
            "occurred_at": occurred_at,
            "coalesced": coalesced,
            "key_result": key_result,
            "deal": deal,
            "checkin": checkin,
            "text": text,
        }
    )


def chat_body(text):
    return _dump({"text": text})


# An @ starting a word: @channel, @here, @everyone, @all, @someone notify
# people in Mattermost, Discord, Teams, Rocket.Chat. A zero-width space
# after it shows the same text and notifies no one.
_MENTION = re.compile(r"(?<!\w)@(?=\w)")


def chat_escape(text):
    """``text`` (a name someone typed) as plain words in a chat message:
    ``&``, ``<`` and ``>`` as Slack's escapes (so no ``<!channel>``,
    ``<@U123>`` or ``<https://...|link>`` is read as markup), and no @ that
    mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u200b", text)


def _dump(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
