"""Record rules changed in 19.0.1.1.0 are recreated from the module's data.

They are shipped ``noupdate``, which an upgrade never reloads: deleted here,
they are created again as the new version defines them.
"""

CHANGED_RULES = ("okr_key_result_rule_user_own",)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM ir_model_data"
        " WHERE module = 'okr_sales' AND model = 'ir.rule' AND name IN %s)",
        (CHANGED_RULES,),
    )
    cr.execute(
        "DELETE FROM ir_model_data"
        " WHERE module = 'okr_sales' AND model = 'ir.rule' AND name IN %s",
        (CHANGED_RULES,),
    )
