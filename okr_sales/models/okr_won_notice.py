from odoo import fields, models


class OkrWonNotice(models.Model):
    """A won deal whose key results move later, and its winner to tell.

    Written by the deal's transaction when its changes are queued for the
    engine (the background mode, or a shared key result busy in another
    transaction), with the deal's contributions as they stood; read and
    deleted by whatever processes the queue, once the deal's changes are
    processed, to send the winner her notification (see
    ``okr_key_result_notify.py``). No foreign key, as the queue itself: its
    insert never waits on a key result's update.
    """

    _name = "okr.won.notice"
    _description = "Won Deal Waiting for Its Notification"
    _log_access = False

    user_id = fields.Integer("Winner", required=True)
    lead_id = fields.Integer("Deal", required=True)
    # {key result id: [value, in numerator]} before the win
    before = fields.Json(required=True)
