import math

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

NUMBER_TYPES = ("integer", "float", "monetary")


class OkrInputMixin(models.AbstractModel):
    """What may come in, over any path (a form, JSON-RPC, an import).

    - Numbers are finite: "NaN" or "inf" as a target (which would read as
      100%, achieved) or as a check-in is refused, with the field named.
    - Fields the OKRs compute or keep themselves (progress, status, the
      last check-in, the error of an automatic update) are read-only on the
      server too, not only in the views: none is written by a user.
    """

    _name = "okr.input.mixin"
    _description = "OKR Input Checks"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._okr_check_input(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._okr_check_input(vals)
        return super().write(vals)

    @api.model
    def _okr_check_input(self, vals):
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if field is None:
                continue
            if field.readonly and not self.env.su:
                raise AccessError(
                    self.env._(
                        "%(field)s is kept by the OKRs themselves and cannot be set.",
                        field=field.string,
                    )
                )
            if field.type in NUMBER_TYPES and value not in (False, None):
                self._okr_check_number(field, value)

    def _okr_check_number(self, field, value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(
                self.env._(
                    "%(field)s: “%(value)s” is not a number.",
                    field=field.string,
                    value=value,
                )
            ) from None
        if not math.isfinite(number):
            raise ValidationError(
                self.env._(
                    "%(field)s must be a finite number, not “%(value)s”.",
                    field=field.string,
                    value=value,
                )
            )
