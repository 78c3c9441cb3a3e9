# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import Counter

_logger = logging.getLogger(__name__)

MODULE = "okr_sales"

# Models of the addon's own configuration, removed with it: views, menus,
# actions, scheduled actions, access rights and record rules (all "ir.*"),
# and its security groups and their privilege.
CONFIGURATION_MODELS = ("ir.", "res.groups")


# Records of the module's data that an uninstall keeps and whose name is
# unique: a reinstall takes them back instead of failing to create them.
UNIQUE_KEPT_RECORDS = (
    ("calendar_event_type_training", "calendar.event.type", "Sales Training"),
)


def pre_init_hook(env):
    """Installed again after an uninstall, okr_sales takes back the records
    of its data that the uninstall kept (see ``uninstall_hook``) and whose
    name must be unique."""
    for name, model, record_name in UNIQUE_KEPT_RECORDS:
        record = env[model].search([("name", "=", record_name)], limit=1)
        if record and not env.ref(f"{MODULE}.{name}", raise_if_not_found=False):
            env["ir.model.data"].create(
                {"module": MODULE, "name": name, "model": model, "res_id": record.id}
            )


def uninstall_hook(env):
    """Keep the CRM-side records okr_sales shipped when it is uninstalled
    (see ``keep_shipped_records``)."""
    # The activities on OKRs (behind pace, check-in reminders) go with
    # them, and so do the activity types made for OKRs only.
    env["mail.activity"].sudo().with_context(active_test=False).search(
        [("res_model", "=like", "okr.%")]
    ).unlink()
    env["mail.activity.type"].sudo().with_context(active_test=False).search(
        [("res_model", "=like", "okr.%")]
    ).unlink()
    keep_shipped_records(env, MODULE)


def keep_shipped_records(env, module):
    """Keep the records ``module`` shipped that users go on working with.

    Odoo deletes every record that carries an external id of the module being
    uninstalled. okr_sales ships records that users go on working with: the
    "Sales Training" meeting tag and, with the demo data, customers,
    salespeople (users, their partners), a sales team with its members and
    email alias, leads and meetings; a bridge addon ships helpdesk tickets or
    survey answers. Deleting them would change the users' own records (their
    deals would lose customer, salesperson or team, their meetings the
    opportunity or tag), so this removes the module's external ids of those
    records before Odoo removes the module's data: the records stay,
    untouched, and no longer belong to the module.

    The rule goes by model, so that a record added to the data files later is
    kept without editing the hook: an external id is removed (its record kept)
    unless its model is

    - one of the OKR models (okr.*, presets included), whose records go with
      the addon that made them, or
    - configuration (CONFIGURATION_MODELS: the ir.* models of views, menus,
      actions, scheduled actions, access rights, record rules, fields and
      models, and the security groups), which must go with the addon.

    Configuration of another kind shipped later (say a mail template for an
    okr.* model) needs its model added to CONFIGURATION_MODELS, or it stays.
    """
    xmlids = env["ir.model.data"].search([("module", "=", module)])
    kept = xmlids.filtered(
        lambda xmlid: not xmlid.model.startswith(("okr.", *CONFIGURATION_MODELS))
    )
    if not kept:
        return
    counts = Counter(kept.mapped("model"))
    _logger.info(
        "Uninstalling %s: keeping the records it shipped of %s; removing their "
        "external ids",
        module,
        ", ".join(f"{model} ({count})" for model, count in sorted(counts.items())),
    )
    kept.unlink()


def stop_counting(env, model_names, module):
    """The key results that count ``model_names`` (whose source goes with the
    uninstalled bridge ``module``) become manual, keeping their value and
    saying why in their chatter: none is left counting a model that is gone."""
    key_results = (
        env["okr.key.result"]
        .sudo()
        .with_context(active_test=False)
        .search([("source", "!=", "manual"), ("source_model", "in", list(model_names))])
    )
    for key_result in key_results:
        value = key_result.current_value
        key_result.write({"source": "manual", "preset_id": False})
        key_result.current_value = value
        key_result.message_post(
            body=env._(
                "%(module)s was uninstalled: this key result no longer follows "
                "its records and keeps its last value (%(value)s). Check in to "
                "update it.",
                module=module,
                value=value,
            )
        )
    if key_results:
        _logger.info(
            "Uninstalling %s: %s key results made manual", module, len(key_results)
        )
