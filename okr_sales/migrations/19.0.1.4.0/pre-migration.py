"""A key result's baseline, target and current value, and a check-in's
value, are amounts (``fields.Monetary`` in the key result's currency) from
19.0.1.4.0: their columns go from ``double precision`` to ``numeric``, as
Odoo stores money.

Converted here, before the registry loads, so that an upgrade neither
depends on the ORM's automatic conversion nor leaves a column it could
not convert renamed aside. Every double converts exactly to a numeric;
values are rounded to the currency when next written.
"""

from odoo.tools import sql

AMOUNT_COLUMNS = {
    "okr_key_result": ("baseline_value", "target_value", "current_value"),
    "okr_checkin": ("value",),
}


def migrate(cr, version):
    if not version:
        return
    for table, names in AMOUNT_COLUMNS.items():
        columns = sql.table_columns(cr, table)
        for column in names:
            if columns.get(column, {}).get("udt_name") == "float8":
                sql.convert_column(cr, table, column, "numeric")
