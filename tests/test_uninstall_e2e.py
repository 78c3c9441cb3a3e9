"""Uninstalling okr_sales over RPC leaves CRM working.

On a database of its own: create OKR records, uninstall okr_sales, then win a
CRM opportunity and check that the OKR models are gone.
"""

import pytest
from odoo_server import OdooServer, drop_db, run_odoo

ADMIN = ("admin", "admin")
OKR_MODELS = ["okr.objective", "okr.key.result", "okr.checkin"]


@pytest.fixture(scope="module")
def fresh_db(test_db):
    """A new database with crm and okr_sales (no demo data), dropped afterwards."""
    name = f"{test_db}_uninstall"
    try:
        run_odoo(
            "-d", name, "-i", "crm,okr_sales", "--stop-after-init",
            "--max-cron-threads=0", log_name=f"install-{name}.log",
        )  # fmt: skip
        yield name
    finally:
        drop_db(name)


def test_uninstall_okr_sales_then_win_a_deal(fresh_db):
    with OdooServer(fresh_db) as server:
        admin = server.rpc(*ADMIN)

        objective = admin(
            "okr.objective", "create", {"name": "E2E: grow revenue", "level": "company"}
        )
        key_result = admin(
            "okr.key.result",
            "create",
            {
                "name": "E2E: revenue won",
                "objective_id": objective,
                "baseline_value": 0.0,
                "target_value": 1000.0,
            },
        )
        admin(
            "okr.checkin",
            "create",
            {"key_result_id": key_result, "value": 250.0, "comment": "E2E check-in"},
        )
        [kr] = admin("okr.key.result", "read", [key_result], ["current_value"])
        assert kr["current_value"] == 250.0

        module_ids = admin("ir.module.module", "search", [("name", "=", "okr_sales")])
        admin("ir.module.module", "button_immediate_uninstall", module_ids)
        [module] = admin("ir.module.module", "read", module_ids, ["state"])
        assert module["state"] == "uninstalled"
        assert not admin("ir.model", "search", [("model", "in", OKR_MODELS)])

        lead = admin(
            "crm.lead",
            "create",
            {"name": "E2E: deal after uninstall", "type": "opportunity"},
        )
        admin("crm.lead", "action_set_won", [lead])
        [won] = admin("crm.lead", "read", [lead], ["won_status", "stage_id"])
        assert won["won_status"] == "won"
        [stage] = admin("crm.stage", "read", [won["stage_id"][0]], ["is_won"])
        assert stage["is_won"]
