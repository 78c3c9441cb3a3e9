"""Deals won over JSON-RPC move the key results before the call returns.

The server commits each call for real, so this is the path production takes:
the deal's transaction queues the change, and the fold right after its commit
applies it to the shared company key result, also when salespeople win deals
at the same time. In the background mode, a server with a cron worker brings
the key results up right after the call.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from odoo_server import OdooServer

ADMIN = ("admin", "admin")
SALESPEOPLE = [("lan", "lan"), ("hung", "hung"), ("ha", "ha")]


@pytest.fixture(scope="module")
def admin(server):
    return server.rpc(*ADMIN)


def key_result_value(admin, xmlid):
    [data] = admin(
        "ir.model.data",
        "search_read",
        [("module", "=", "okr_sales"), ("name", "=", xmlid)],
        fields=["res_id"],
    )
    [key_result] = admin(
        "okr.key.result", "read", [data["res_id"]], fields=["current_value"]
    )
    return key_result["current_value"]


def open_deals(admin, login, limit):
    return admin(
        "crm.lead",
        "search_read",
        [
            ("user_id.login", "=", login),
            ("type", "=", "opportunity"),
            ("won_status", "=", "pending"),
        ],
        fields=["expected_revenue"],
        limit=limit,
    )


def test_a_won_deal_moves_her_key_results_at_once(server, admin):
    [deal] = open_deals(admin, "lan", 1)
    mine_before = key_result_value(admin, "okr_kr_lan_revenue")
    company_before = key_result_value(admin, "okr_kr_company_revenue")
    lan = server.rpc("lan", "lan")
    lan("crm.lead", "action_set_won", [deal["id"]])
    amount = deal["expected_revenue"]
    assert key_result_value(admin, "okr_kr_lan_revenue") == mine_before + amount
    assert key_result_value(admin, "okr_kr_company_revenue") == company_before + amount
    assert admin("okr.pending.change", "search_count", []) == 0


def test_salespeople_winning_together_all_count(server, admin):
    deals = {login: open_deals(admin, login, 2) for login, _password in SALESPEOPLE}
    total = sum(d["expected_revenue"] for batch in deals.values() for d in batch)
    company_before = key_result_value(admin, "okr_kr_company_revenue")

    def win_all(credentials):
        rpc = server.rpc(*credentials)
        for deal in deals[credentials[0]]:
            rpc("crm.lead", "action_set_won", [deal["id"]])

    with ThreadPoolExecutor(len(SALESPEOPLE)) as pool:
        list(pool.map(win_all, SALESPEOPLE))
    assert key_result_value(admin, "okr_kr_company_revenue") == company_before + total
    assert admin("okr.pending.change", "search_count", []) == 0


@pytest.fixture
def background_server(test_db, admin):
    """A second server, with a cron worker, while the background mode is on."""
    with OdooServer(test_db, cron_threads=1) as server:
        admin("ir.config_parameter", "set_param", "okr_sales.update_mode", "background")
        try:
            yield server
        finally:
            admin(
                "ir.config_parameter",
                "set_param",
                "okr_sales.update_mode",
                "transaction",
            )


def test_in_the_background_the_scheduled_action_follows_right_after(
    background_server, admin
):
    deals = open_deals(admin, "ha", 2)
    company_before = key_result_value(admin, "okr_kr_company_revenue")
    ha = background_server.rpc("ha", "ha")
    for deal in deals:
        ha("crm.lead", "action_set_won", [deal["id"]])
    expected = company_before + sum(d["expected_revenue"] for d in deals)
    # Woken by the deals, not by its 10-minute interval. (The server's other
    # scheduled actions may queue changes of their own meanwhile.)
    deadline = time.monotonic() + 60
    while key_result_value(admin, "okr_kr_company_revenue") != expected or admin(
        "okr.pending.change", "search_count", []
    ):
        assert time.monotonic() < deadline, "the queued deals were not processed"
        time.sleep(0.2)
