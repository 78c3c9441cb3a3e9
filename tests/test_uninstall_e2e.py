"""Uninstalling okr_sales over RPC leaves CRM working and users' CRM data intact.

The databases hold crm and every addon of the repository, as `make test`
installs them: the bridges (okr_sales_helpdesk, ...) depend on okr_sales and
are uninstalled with it, while what they build on (helpdesk_mgmt, ...) stays.
Each on a database of its own, dropped afterwards:
- without demo data: create OKR records, uninstall okr_sales, then win a CRM
  opportunity and check that the OKR models are gone;
- with the demo data: a demo salesperson and the administrator work with the
  demo customers, salespeople, team and leads, okr_sales is uninstalled, and
  the tests below check that all of it is still there and unchanged (see
  okr_sales/hooks.py). The demo database is installed once and shared by them.
"""

import pytest
from odoo_server import OdooServer, drop_db, repo_addons, run_odoo

ADMIN = ("admin", "admin")
LAN = ("lan", "lan")
OKR_MODELS = ["okr.objective", "okr.key.result", "okr.checkin"]
ADDONS = repo_addons()
INSTALL = ",".join(["crm", *ADDONS])
# What the addons build on (crm, helpdesk_mgmt, ...): uninstalling okr_sales keeps it.
BASES = sorted({base for bases in ADDONS.values() for base in bases} - set(ADDONS))


def module_states(admin, names):
    """{module name: state} of the named modules."""
    modules = admin(
        "ir.module.module", "search_read", [("name", "in", names)], ["name", "state"]
    )
    return {module["name"]: module["state"] for module in modules}


@pytest.fixture(scope="module")
def fresh_db(test_db):
    """A new database with crm and the addons (no demo data), dropped afterwards."""
    name = f"{test_db}_uninstall"
    try:
        run_odoo(
            "-d", name, "-i", INSTALL, "--stop-after-init",
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
        states = module_states(admin, [*ADDONS, *BASES])
        assert {name: states[name] for name in ADDONS} == dict.fromkeys(
            ADDONS, "uninstalled"
        )
        assert {name: states[name] for name in BASES} == dict.fromkeys(
            BASES, "installed"
        )
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

        # Installed again, it takes back the meeting tag the uninstall kept.
        admin("ir.module.module", "button_immediate_install", module_ids)
        [module] = admin("ir.module.module", "read", module_ids, ["state"])
        assert module["state"] == "installed"
        assert (
            admin(
                "calendar.event.type", "search_count", [("name", "=", "Sales Training")]
            )
            == 1
        )


# The CRM-side models of the records okr_sales' demo data ships.
SHIPPED_CRM_MODELS = [
    "res.partner", "res.users", "crm.team", "crm.team.member", "crm.lead",
    "calendar.event", "calendar.event.type",
]  # fmt: skip
LEAD_FIELDS = [
    "name", "type", "partner_id", "user_id", "team_id", "stage_id",
    "expected_revenue", "active", "write_date",
]  # fmt: skip
MEETING_FIELDS = [
    "name", "opportunity_id", "res_model", "res_id", "categ_ids", "partner_ids",
    "user_id", "start", "stop", "write_date",
]  # fmt: skip
ACTIVITY_FIELDS = [
    "res_model", "res_id", "activity_type_id", "summary", "user_id",
    "date_deadline", "write_date",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo_db(test_db):
    """A new database with crm, the addons and their demo data, dropped afterwards."""
    name = f"{test_db}_uninstall_demo"
    try:
        run_odoo(
            "-d", name, "-i", INSTALL, "--with-demo", "--stop-after-init",
            "--max-cron-threads=0", log_name=f"install-{name}.log",
        )  # fmt: skip
        yield name
    finally:
        drop_db(name)


def shipped(admin, model, name):
    """The id of the record okr_sales shipped as okr_sales.<name>."""
    [data] = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", "okr_sales"), ("model", "=", model), ("name", "=", name)],
        fields=["res_id"],
    )
    return data["res_id"]


def snapshot(admin, created):
    """What the records users created look like, per model."""
    return {
        model: admin(model, "read", ids, fields)
        for model, (ids, fields) in created.items()
    }


@pytest.fixture(scope="module")
def demo_uninstalled(demo_db):
    """The demo database after users worked with the demo records and okr_sales
    was uninstalled, served for the tests below."""
    with OdooServer(demo_db) as server:
        admin = server.rpc(*ADMIN)
        lan = server.rpc(*LAN)
        customer = {
            name: shipped(admin, "res.partner", f"okr_demo_customer_{name}")
            for name in ("thep", "dientu", "an")
        }
        user = {
            login: shipped(admin, "res.users", f"okr_user_{login}")
            for login in ("lan", "hung")
        }
        team = shipped(admin, "crm.team", "okr_team_b2b_hanoi")
        training = shipped(admin, "calendar.event.type", "calendar_event_type_training")
        demo_lead_lan = shipped(admin, "crm.lead", "okr_demo_lead_lan_open_1")
        demo_lead_hung = shipped(admin, "crm.lead", "okr_demo_lead_hung_open_1")
        assert lan.uid == user["lan"]

        [lead_model] = admin("ir.model", "search", [("model", "=", "crm.lead")])

        # Lan's own work: two deals with demo customers, a to-do on the first,
        # and a sales training on one of her demo deals.
        lan_leads = [
            lan(
                "crm.lead",
                "create",
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": partner,
                    "user_id": user["lan"],
                    "team_id": team,
                    "expected_revenue": 500_000_000,
                },
            )
            for name, partner in [
                ("E2E: Thép Việt Hưng, loading dock", customer["thep"]),
                ("E2E: Nguyễn Văn An, home office", customer["an"]),
            ]
        ]
        lan_meeting = lan(
            "calendar.event",
            "create",
            {
                "name": "E2E: racking training for the buyer",
                "start": "2030-03-04 02:00:00",
                "stop": "2030-03-04 03:00:00",
                "user_id": user["lan"],
                "opportunity_id": demo_lead_lan,
                "res_model_id": lead_model,
                "res_id": demo_lead_lan,
                "categ_ids": [(6, 0, [training])],
                "partner_ids": [(6, 0, [customer["thep"]])],
            },
        )
        activity = lan(
            "mail.activity",
            "create",
            {
                "res_model_id": lead_model,
                "res_id": lan_leads[0],
                "summary": "E2E: send the quote",
                "user_id": user["lan"],
                "date_deadline": "2030-03-05",
            },
        )
        # The administrator's: a deal for Hùng in the demo team, and a training
        # Hùng runs on one of his demo deals.
        admin_lead = admin(
            "crm.lead",
            "create",
            {
                "name": "E2E: Điện tử Sao Việt, second line",
                "type": "opportunity",
                "partner_id": customer["dientu"],
                "user_id": user["hung"],
                "team_id": team,
            },
        )
        admin_meeting = admin(
            "calendar.event",
            "create",
            {
                "name": "E2E: product training at the customer's",
                "start": "2030-03-06 02:00:00",
                "stop": "2030-03-06 04:00:00",
                "user_id": user["hung"],
                "opportunity_id": demo_lead_hung,
                "res_model_id": lead_model,
                "res_id": demo_lead_hung,
                "categ_ids": [(6, 0, [training])],
            },
        )
        created = {
            "crm.lead": ([*lan_leads, admin_lead], LEAD_FIELDS),
            "calendar.event": ([lan_meeting, admin_meeting], MEETING_FIELDS),
            "mail.activity": ([activity], ACTIVITY_FIELDS),
        }
        before = snapshot(admin, created)
        leads = before["crm.lead"]
        assert [lead["partner_id"][0] for lead in leads] == [
            customer["thep"], customer["an"], customer["dientu"],
        ]  # fmt: skip
        assert [lead["team_id"][0] for lead in leads] == [team] * 3
        meetings = before["calendar.event"]
        assert all(meeting["categ_ids"] == [training] for meeting in meetings)

        shipped_records = {
            model: sorted(
                data["res_id"]
                for data in admin(
                    "ir.model.data",
                    "search_read",
                    [("module", "=", "okr_sales"), ("model", "=", model)],
                    fields=["res_id"],
                )
            )
            for model in SHIPPED_CRM_MODELS
        }
        assert all(shipped_records.values())

        module_ids = admin("ir.module.module", "search", [("name", "=", "okr_sales")])
        admin("ir.module.module", "button_immediate_uninstall", module_ids)

        yield {
            "server": server,
            "admin": admin,
            "module_ids": module_ids,
            "created": created,
            "before": before,
            "shipped": shipped_records,
            "customer": customer,
            "user": user,
            "team": team,
            "training": training,
            "lan_leads": lan_leads,
        }


def test_demo_uninstall_removes_okr(demo_uninstalled):
    admin = demo_uninstalled["admin"]
    [module] = admin(
        "ir.module.module", "read", demo_uninstalled["module_ids"], ["state"]
    )
    assert module["state"] == "uninstalled"
    assert module_states(admin, list(ADDONS)) == dict.fromkeys(ADDONS, "uninstalled")
    assert not admin("ir.model", "search", [("model", "=like", "okr.%")])
    assert not admin("ir.model.data", "search", [("module", "in", list(ADDONS))])


def test_demo_uninstall_leaves_users_crm_records_unchanged(demo_uninstalled):
    admin = demo_uninstalled["admin"]
    after = snapshot(admin, demo_uninstalled["created"])
    for model, records in demo_uninstalled["before"].items():
        assert after[model] == records, model


def test_demo_uninstall_keeps_the_demo_customers_salespeople_and_team(
    demo_uninstalled,
):
    admin = demo_uninstalled["admin"]
    for model, ids in demo_uninstalled["shipped"].items():
        kept = admin(
            model, "search", [("id", "in", ids)], context={"active_test": False}
        )
        assert sorted(kept) == ids, model
    [team] = admin("crm.team", "read", [demo_uninstalled["team"]], ["member_ids"])
    assert set(demo_uninstalled["user"].values()) <= set(team["member_ids"])
    [training] = admin(
        "calendar.event.type", "read", [demo_uninstalled["training"]], ["name"]
    )
    assert training["name"] == "Sales Training"


def test_demo_salesperson_still_wins_her_deals(demo_uninstalled):
    lan = demo_uninstalled["server"].rpc(*LAN)
    assert lan.uid == demo_uninstalled["user"]["lan"]
    deal = demo_uninstalled["lan_leads"][0]
    lan("crm.lead", "action_set_won", [deal])
    [won] = lan("crm.lead", "read", [deal], ["won_status", "partner_id", "user_id"])
    assert won["won_status"] == "won"
    assert won["partner_id"][0] == demo_uninstalled["customer"]["thep"]
    assert won["user_id"][0] == lan.uid
