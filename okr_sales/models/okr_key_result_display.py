"""How a key result's figures read: "8,55 tỷ ₫ / 15 tỷ ₫", "18,5% / 20%",
"14 / 12 days", in the reader's language.

The formatting itself is plain Python (``tools/figures.py``); this file
feeds it the reader's ``res.lang`` separators, the translated scale
suffixes and the key result's unit and currency. Objective cards, key
result lists, the deal's OKRs tab and the won-deal notification all read
their figures from here.
"""

from odoo import api, fields, models
from odoo.tools.misc import format_amount, formatLang

from ..engine.definitions import DURATION_UNITS, UNIT_CURRENCY, UNIT_PERCENT
from ..tools.figures import (
    MONEY_SHORT_FROM,
    Locale,
    short_number,
    signed,
    with_symbol,
)

# How ``_okr_value_display`` writes a value.
VALUE_SHORT = "short"
VALUE_FULL = "full"


class OkrKeyResult(models.Model):
    _inherit = "okr.key.result"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------

    value_display = fields.Char(
        "Current / Target",
        compute="_compute_value_display",
        help="Current value and target, in short figures.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("current_value", "target_value", "unit", "currency_id")
    @api.depends_context("lang")
    def _compute_value_display(self):
        for key_result in self:
            key_result.value_display = key_result._okr_pair_display(
                key_result.current_value, key_result.target_value
            )

    # ------------------------------------------------------------------
    # FORMATTING
    # ------------------------------------------------------------------

    @api.model
    def _okr_locale(self):
        """The reader's way of writing numbers, for ``tools/figures.py``."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        return Locale(
            decimal_point=lang.decimal_point or ".",
            thousands_sep=lang.thousands_sep or "",
            # Short figures: thousands, millions, billions, trillions.
            scales=(
                (12, self.env._("%sT")),
                (9, self.env._("%sB")),
                (6, self.env._("%sM")),
                (3, self.env._("%sK")),
            ),
        )

    def _okr_unit_label(self):
        units = dict(self._fields["unit"]._description_selection(self.env))
        return units[self.unit].lower()

    def _okr_number_display(self, value, locale):
        """``value`` without the unit of a duration: "8,55 tỷ ₫", "18,5%", "14"."""
        if self.unit == UNIT_CURRENCY and self.currency_id:
            currency = self.currency_id
            text = short_number(
                value, locale, MONEY_SHORT_FROM, currency.decimal_places
            )
            return with_symbol(text, currency.symbol, currency.position)
        text = short_number(value, locale)
        if self.unit == UNIT_PERCENT:
            return f"{text}%"
        return text

    def _okr_value_display(self, value, sign=False, style=VALUE_SHORT):
        """One figure of this key result, the one way to write its values.

        ``VALUE_SHORT``: in its unit, in short figures ("+3,2 tỷ ₫",
        "+14 days"); ``VALUE_FULL``: in its unit, every digit
        (300,000,000,000 ₫, 20 %)."""
        self.ensure_one()
        if style == VALUE_FULL:
            return self._okr_full_display(value)
        text = self._okr_number_display(value, self._okr_locale())
        if self.unit in DURATION_UNITS:
            text = f"{text} {self._okr_unit_label()}"
        return signed(text, value) if sign else text

    def _okr_full_display(self, value):
        if self.unit == UNIT_CURRENCY and self.currency_id:
            return format_amount(self.env, value, self.currency_id)
        digits = 0 if float(value).is_integer() else 2
        number = formatLang(self.env, value, digits=digits)
        if self.unit == UNIT_PERCENT:
            return f"{number} %"
        if self.unit in DURATION_UNITS:
            return f"{number} {self._okr_unit_label()}"
        return number

    @api.model
    def _okr_percent_display(self, percent):
        """A progress or a pace, in percent with one decimal: "42.5"."""
        return formatLang(self.env, percent, digits=1)

    def _okr_pair_display(self, value, target):
        """ "current / target": "8,55 tỷ ₫ / 15 tỷ ₫", "14 / 12 days"."""
        self.ensure_one()
        if not self.unit:
            return False
        locale = self._okr_locale()
        text = (
            f"{self._okr_number_display(value, locale)} / "
            f"{self._okr_number_display(target, locale)}"
        )
        if self.unit in DURATION_UNITS:
            text = f"{text} {self._okr_unit_label()}"
        return text
