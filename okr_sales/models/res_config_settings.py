from odoo import fields, models

from ..engine.definitions import (
    UPDATE_MODE_PARAM,
    UPDATE_MODE_SELECTION,
    UPDATE_TRANSACTION,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    okr_update_mode = fields.Selection(
        UPDATE_MODE_SELECTION,
        string="Update Key Results",
        default=UPDATE_TRANSACTION,
        required=True,
        config_parameter=UPDATE_MODE_PARAM,
        help="In the deal's transaction: a won deal and its key results are "
        "saved together, and the salesperson waits for both. In the background: "
        "the deal only queues its change and a scheduled action updates the key "
        "results right after, in batches, for busy sales floors.",
    )
