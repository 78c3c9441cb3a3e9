"""Another system checks in over Odoo's JSON-2 API, with a user's API key.

A real Odoo server; the API key is made for Lan in the database, as her
"New API Key" dialog makes it (``res.users.apikeys._generate``), and the
calls are plain ``requests`` as README shows them.
"""

import uuid

import pytest
import requests
from odoo_server import api_key, new_manual_key_result, record_id

ADMIN = ("admin", "admin")


@pytest.fixture(scope="module")
def lan_api_key(test_db):
    return api_key(test_db, "okr_sales.okr_user_lan", "intranet sync (e2e)")


@pytest.fixture(scope="module")
def manual_key_result(server):
    return new_manual_key_result(
        server.rpc(*ADMIN),
        "Customer satisfaction from the intranet survey",
        unit="percent",
        target_value=90.0,
    )


def check_in(server, key, test_db, **params):
    return requests.post(
        f"{server.url}/json/2/okr.key.result/check_in",
        headers={"Authorization": f"bearer {key}", "X-Odoo-Database": test_db},
        json=params,
        timeout=30,
    )


def test_a_check_in_over_json2_is_applied_once(
    server, test_db, lan_api_key, manual_key_result
):
    admin = server.rpc(*ADMIN)
    kr_id = manual_key_result
    checkins_before = admin(
        "okr.checkin", "search_count", [("key_result_id", "=", kr_id)]
    )
    params = {
        "ids": [kr_id],
        "value": 91.5,
        "confidence": 8,
        "comment": "Survey of November",
        # new on each run: a database the tests ran on before knows the old one
        "external_ref": f"intranet-survey-{uuid.uuid4()}",
    }
    first = check_in(server, lan_api_key, test_db, **params)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["key_result_id"] == kr_id
    assert answer["value"] == 91.5
    assert answer["external_ref"] == params["external_ref"]
    [key_result] = admin("okr.key.result", "read", [kr_id], fields=["current_value"])
    assert key_result["current_value"] == 91.5
    [checkin] = admin(
        "okr.checkin", "read", [answer["checkin_id"]], fields=["user_id", "comment"]
    )
    assert (
        checkin["user_id"][0]
        == admin("res.users", "search", [("login", "=", "lan")])[0]
    )
    assert checkin["comment"] == "Survey of November"

    again = check_in(server, lan_api_key, test_db, **params)
    assert again.status_code == 200, again.text
    assert again.json() == answer
    checkins_after = admin(
        "okr.checkin", "search_count", [("key_result_id", "=", kr_id)]
    )
    assert checkins_after == checkins_before + 1


def test_bad_calls_get_a_clear_json_error(
    server, test_db, lan_api_key, manual_key_result
):
    admin = server.rpc(*ADMIN)
    manual = manual_key_result
    automatic = record_id(admin, "okr_sales", "okr_kr_lan_revenue")
    [before] = admin("okr.key.result", "read", [manual], fields=["current_value"])
    cases = [
        ({"ids": [manual], "value": "a lot"}, 422, "ValidationError", "value"),
        ({"ids": [manual]}, 422, "", "value"),  # no value at all
        ({"ids": [automatic], "value": 5}, 422, "UserError", "comes from"),
        ({"ids": [10**9], "value": 5}, 404, "MissingError", ""),
    ]
    for params, status, name, words in cases:
        response = check_in(server, lan_api_key, test_db, **params)
        assert response.status_code == status, (params, response.text)
        error = response.json()
        assert name in error["name"], error
        assert words in error["message"], error
    wrong_key = check_in(server, "not-a-key", test_db, ids=[manual], value=5)
    assert wrong_key.status_code == 401
    [after] = admin("okr.key.result", "read", [manual], fields=["current_value"])
    assert after == before
