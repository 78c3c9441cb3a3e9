"""The demo OKR cascade, read over JSON-RPC from a running Odoo server.

The demo data of okr_sales holds a company objective, department objectives
below it and individual objectives below those. A salesperson reads them but
cannot edit the company objective.
"""

import pytest
from odoo_server import RpcError

ADMIN = ("admin", "admin")
# Demo salesperson of okr_sales (login, password).
SALESPERSON = ("lan", "lan")
TREE_FIELDS = ["name", "level", "parent_id", "child_ids", "progress", "key_result_ids"]


@pytest.fixture(scope="module")
def objectives(server):
    """All objectives as admin sees them, by id."""
    admin = server.rpc(*ADMIN)
    records = admin("okr.objective", "search_read", [], fields=TREE_FIELDS)
    return {record["id"]: record for record in records}


def ancestors(objective, objectives):
    """The parent chain of `objective`, nearest first."""
    chain = []
    while objective["parent_id"]:
        objective = objectives[objective["parent_id"][0]]
        assert objective not in chain, f"cycle through {objective['name']}"
        chain.append(objective)
    return chain


def of_level(objectives, level):
    found = [o for o in objectives.values() if o["level"] == level]
    assert found, f"no {level} objective in the demo data"
    return found


def company_roots(objectives):
    return [o for o in of_level(objectives, "company") if not o["parent_id"]]


def test_company_objective_is_a_root(objectives):
    assert company_roots(objectives)


def test_department_objectives_lead_to_the_company_objective(objectives):
    for objective in of_level(objectives, "department"):
        chain = ancestors(objective, objectives)
        assert chain and chain[-1]["level"] == "company", objective["name"]


def test_individual_objectives_sit_below_a_department(objectives):
    for objective in of_level(objectives, "individual"):
        levels = [o["level"] for o in ancestors(objective, objectives)]
        assert levels and levels[-1] == "company", objective["name"]
        assert {"department", "team"} & set(levels), objective["name"]


def test_parent_and_child_links_agree(objectives):
    for objective in objectives.values():
        assert 0 <= objective["progress"] <= 100, objective["name"]
        if objective["parent_id"]:
            parent = objectives[objective["parent_id"][0]]
            assert objective["id"] in parent["child_ids"], objective["name"]
        for child_id in objective["child_ids"]:
            assert objectives[child_id]["parent_id"][0] == objective["id"]


def test_salesperson_reads_objectives_but_cannot_edit_the_company_one(
    server, objectives
):
    salesperson = server.rpc(*SALESPERSON)
    assert salesperson("okr.objective", "search_read", [], fields=["name", "level"])

    company = company_roots(objectives)[0]
    with pytest.raises(RpcError) as refused:
        salesperson("okr.objective", "write", [company["id"]], {"name": "Mine now"})
    assert refused.value.name == "odoo.exceptions.AccessError"

    admin = server.rpc(*ADMIN)
    [after] = admin("okr.objective", "read", [company["id"]], ["name"])
    assert after["name"] == company["name"]
