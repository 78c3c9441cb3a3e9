"""Figures as people read them: "8,55 tỷ ₫", "8.55B ₫", "18,5%", "14 days".

Plain functions, without an environment, tested alone
(``tests/test_figures.py``): the models pass in the user's locale (the
separators of his ``res.lang``, the translated scale suffixes) and the
currency's symbol. Short figures keep three significant digits, as CRM's
"2,700M ₫" keeps a card readable; the exact amount is on the form.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NBSP = "\N{NO-BREAK SPACE}"
# Significant digits of a short figure: 8.55B, 15B, 450B, 1.23T.
SIGNIFICANT_DIGITS = 3
# Below these, figures are written in full: money from a thousand is short
# (500K ₫), other figures (deals, days, calls) from a million.
MONEY_SHORT_FROM = 1_000
NUMBER_SHORT_FROM = 1_000_000


@dataclass(frozen=True)
class Locale:
    """How the user writes numbers: his language's separators, and a
    ``%s`` pattern per power of ten, largest first (``((9, "%sB"), ...)``;
    Vietnamese ``"%s tỷ"``)."""

    decimal_point: str = "."
    thousands_sep: str = ","
    scales: tuple = ((12, "%sT"), (9, "%sB"), (6, "%sM"), (3, "%sK"))


def _decimal(value):
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def format_number(value, locale, decimals=2, strip=True):
    """``value`` with the locale's separators, rounded half up to
    ``decimals``; trailing zeros dropped when ``strip`` (18,5 not 18,50)."""
    number = _decimal(value).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # no "-0"
    sign = "-" if number < 0 else ""
    whole, _dot, fraction = f"{abs(number):f}".partition(".")
    if strip:
        fraction = fraction.rstrip("0")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = locale.thousands_sep.join(groups)
    if fraction:
        text += locale.decimal_point + fraction
    return sign + text


def _significant(number):
    """``number`` rounded half up to three significant digits, or to a
    whole number if it has more than three whole digits."""
    if not number:
        return number
    digits = max(0, SIGNIFICANT_DIGITS - 1 - number.adjusted())
    return number.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def short_number(value, locale, short_from=NUMBER_SHORT_FROM, decimals=2):
    """``value`` in full below ``short_from`` (with up to ``decimals``),
    else scaled to the largest suffix it reaches, with three significant
    digits: 8550000000 -> "8.55B" ("8,55 tỷ")."""
    number = _decimal(value)
    if abs(number) < short_from:
        return format_number(number, locale, decimals, strip=decimals == 2)
    scales = list(locale.scales)
    for index, (exponent, pattern) in enumerate(scales):
        rounded = _significant(number.scaleb(-exponent))
        if abs(rounded) < 1:
            continue
        if index and abs(rounded) >= 10 ** (scales[index - 1][0] - exponent):
            # 999.6 billion rounds to 1,000B: say 1T
            exponent, pattern = scales[index - 1]
            rounded = _significant(number.scaleb(-exponent))
        return pattern % format_number(rounded, locale, SIGNIFICANT_DIGITS)
    return format_number(number, locale, decimals, strip=decimals == 2)


def with_symbol(text, symbol, position="after"):
    """``text`` with a currency symbol, as Odoo places it."""
    if not symbol:
        return text
    if position == "before":
        return f"{symbol}{NBSP}{text}"
    return f"{text}{NBSP}{symbol}"


def signed(text, value):
    """``text`` with its sign: "+3,2 tỷ ₫"; a negative one has its "-"."""
    return text if text.startswith("-") or _decimal(value) < 0 else f"+{text}"
