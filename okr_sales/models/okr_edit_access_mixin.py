from odoo import api, fields, models


class OkrEditAccessMixin(models.AbstractModel):
    """Whether the current user may save the record, for its form.

    A salesperson reads every objective and key result but writes her own
    only: the form shows the others read-only rather than editable fields
    whose save fails with an access error. The server refuses such writes
    whatever the form shows; this flag only follows the same rules.
    """

    _name = "okr.edit.access.mixin"
    _description = "OKR Edit Access"

    can_edit = fields.Boolean(
        compute="_compute_can_edit",
        help="Whether the current user may change this record.",
    )

    @api.depends_context("uid")
    def _compute_can_edit(self):
        saved = self._origin.filtered("id")
        # the model's access rights and record rules, as a write checks them
        writable = saved._filtered_access("write")
        for record in self:
            # a record being created is the creator's until it is saved
            record.can_edit = not record._origin or record._origin in writable
