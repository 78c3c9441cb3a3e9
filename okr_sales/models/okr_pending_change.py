from odoo import fields, models


class OkrPendingChange(models.Model):
    """Records a transaction changed, waiting for the progress engine.

    In the background mode, every transaction that changes countable records
    writes one, and the scheduled action processes them in batches. In the
    deal's transaction mode, only a transaction that could not update its
    key results itself (another one was updating the same shared key
    result) writes one: the engine processes it right after the commit, in
    a short READ COMMITTED transaction of its own, or the scheduled action
    does. Deliberately without a foreign key: inserting it never conflicts
    with the concurrent updates of a key result.
    """

    _name = "okr.pending.change"
    _description = "Change Waiting for the OKR Engine"
    _log_access = False

    res_model = fields.Char(string="Model", required=True)
    res_ids = fields.Json(string="Record IDs", required=True)
    # [[field, date field, value id, "YYYY-MM-DD"]]: what "first time ever"
    # counts looked at before the change (see okr.source.mixin)
    old_keys = fields.Json()
