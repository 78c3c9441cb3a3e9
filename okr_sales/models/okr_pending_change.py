from odoo import fields, models


class OkrPendingChange(models.Model):
    """Records a transaction changed, waiting for the progress engine.

    Written only when the transaction could not update its key results
    itself (another one was updating the same shared key result): the
    engine then processes these records right after the commit, in a short
    READ COMMITTED transaction of its own, or the scheduled action does.
    Deliberately without a foreign key: inserting it never conflicts with
    the concurrent updates of a key result.
    """

    _name = "okr.pending.change"
    _description = "Change Waiting for the OKR Engine"
    _log_access = False

    res_model = fields.Char(string="Model", required=True)
    res_ids = fields.Json(string="Record IDs", required=True)
    # [[field, date field, value id, "YYYY-MM-DD"]]: what "first time ever"
    # counts looked at before the change (see okr.source.mixin)
    old_keys = fields.Json()
