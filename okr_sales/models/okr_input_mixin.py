import math

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

NUMBER_TYPES = ("integer", "float", "monetary")
# What an integer column holds: PostgreSQL's int4.
INTEGER_BOUND = 2**31 - 1
# The largest weight or amount accepted, either sign: up to 2**53 a float
# holds every whole number exactly (beyond, 2**53 + 1 reads as 2**53), the
# numeric columns store it as typed, and weights x progress summed over an
# objective stay far from a float's overflow (1e308 made the progress
# infinite). A thousand times the yearly revenue of a large company in
# đồng; records counted (a deal's amount) are not bound by it: the engine
# adds any size exactly.
FLOAT_BOUND = 2.0**53


class OkrInputMixin(models.AbstractModel):
    """What may come in, over any path (a form, JSON-RPC, an import).

    - Numbers are finite: "NaN" or "inf" as a target (which would read as
      100%, achieved) or as a check-in is refused, with the field named;
      and bounded: an integer fits PostgreSQL's int4, a weight or an amount
      ``FLOAT_BOUND``.
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
            # ``id``: an import's ID column says which record to update
            if field.readonly and fname != "id" and not self.env.su:
                raise AccessError(
                    self.env._(
                        "%(field)s is kept by the OKRs themselves and cannot be set.",
                        field=field.string,
                    )
                )
            if field.type in NUMBER_TYPES and value not in (False, None):
                self._okr_check_number(field, value)

    def _okr_check_number(self, field, value):
        bound = INTEGER_BOUND if field.type == "integer" else FLOAT_BOUND
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float
            number = bound * 2
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
        if abs(number) > bound:
            raise ValidationError(
                self.env._(
                    "%(field)s: %(value)s is out of range (at most %(bound)s "
                    "either way).",
                    field=field.string,
                    value=value,
                    bound=f"{bound:,.0f}",
                )
            )
