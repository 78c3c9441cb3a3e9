"""The shipped revenue presets get their open pipeline (19.0.1.2.0).

Presets are shipped ``noupdate``, which an upgrade never reloads: the
forecast rule is written here, on presets that have none yet, and reaches
the key results that still follow them (``_propagate_definition``).
"""

from odoo import SUPERUSER_ID, api

OPEN = "('type', '=', 'opportunity'), ('won_status', '=', 'pending')"
COMPANY = "('partner_id.commercial_partner_id.is_company', '=', True)"
PERSON = (
    "('partner_id', '!=', False), "
    "('partner_id.commercial_partner_id.is_company', '=', False)"
)
FORECAST_RULES = {
    "okr_preset_won_revenue": f"[{OPEN}]",
    "okr_preset_b2b_won_revenue": f"[{OPEN}, {COMPANY}]",
    "okr_preset_b2c_won_revenue": f"[{OPEN}, {PERSON}]",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name, rule in FORECAST_RULES.items():
        preset = env.ref(f"okr_sales.{name}", raise_if_not_found=False)
        if preset and not preset.forecast_domain:
            preset.forecast_domain = rule
