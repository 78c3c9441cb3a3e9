"""When and by which record a key result last moved.

The one change path writes it with the value (``_okr_write_values``): the
deal, ticket or other counted record whose contribution changed, the
check-in of a manual key result, and for a roll-up the record that moved
the child it took last. Kept by the OKRs: nobody sets it. Shown to each
viewer as far as she may read that record.
"""

from odoo import api, fields, models


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    last_moved_date = fields.Datetime(
        "Last Moved On",
        readonly=True,
        copy=False,
        help="When the value last moved.",
    )
    last_moved_model = fields.Char("Last Moved By (Model)", readonly=True, copy=False)
    last_moved_res_id = fields.Many2oneReference(
        "Last Moved By (ID)",
        model_field="last_moved_model",
        readonly=True,
        copy=False,
    )
    last_moved_by = fields.Char(
        compute="_compute_last_moved_by",
        help="The record that last moved the value (a deal, a ticket, a "
        "check-in), as far as you may read it; empty after a full recompute.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("last_moved_model", "last_moved_res_id")
    @api.depends_context("uid")
    def _compute_last_moved_by(self):
        for key_result in self:
            key_result.last_moved_by = key_result._okr_last_mover_name()

    def _okr_last_mover_name(self):
        """ "Opportunity: Steel racking" for the viewer; a record she may not
        read shows what it is, not its name."""
        self.ensure_one()
        model_name = self.sudo().last_moved_model
        res_id = self.sudo().last_moved_res_id
        if not model_name or not res_id or model_name not in self.env:
            return False
        model = self.env[model_name]
        kind = self.env["ir.model"].sudo()._get(model_name).name or model_name
        record = model.browse(res_id).exists()
        if not record:
            return self.env._("%(kind)s (deleted)", kind=kind)
        if not model.has_access("read") or not record._filtered_access("read"):
            return self.env._("%(kind)s you may not read", kind=kind)
        return f"{kind}: {record.display_name}"

    def _okr_last_moved_state(self):
        """What the webhook payload says of the last move."""
        self.ensure_one()
        if not self.last_moved_date:
            return None
        return {
            "at": self.last_moved_date.isoformat() + "Z",
            "model": self.last_moved_model or None,
            "id": self.last_moved_res_id or None,
        }
