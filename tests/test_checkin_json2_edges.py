"""The edges of ``check_in`` over JSON-2 (issue #22), on a real server:
every bad input a 4xx naming the parameter, another user's reference a 409
that says nothing of it, and concurrent retries of one reference all
answered as the first call.

The server runs threaded (no ``workers`` in the test configuration), so
the concurrent calls run in parallel transactions.
"""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from odoo_server import api_key, new_manual_key_result
from test_sync_e2e import ADMIN, check_in

CONCURRENT_CALLS = 12


@pytest.fixture(scope="module")
def lan_key(test_db):
    return api_key(test_db, "okr_sales.okr_user_lan", "check-in edges (e2e)")


@pytest.fixture(scope="module")
def mai_key(test_db):
    """The sales director's: an OKR manager, who may check in anywhere."""
    return api_key(test_db, "okr_sales.okr_user_director", "check-in edges (e2e)")


@pytest.fixture(scope="module")
def key_result(server):
    return new_manual_key_result(
        server.rpc(*ADMIN),
        "Partners met at the trade fair",
        unit="number",
        target_value=40.0,
    )


def checkins_of(server, kr_id):
    admin = server.rpc(*ADMIN)
    return admin(
        "okr.checkin",
        "search_read",
        [("key_result_id", "=", kr_id)],
        fields=["value", "user_id", "external_ref"],
    )


def test_bad_inputs_are_a_4xx_naming_the_parameter(
    server, test_db, lan_key, key_result
):
    """Finding 9: each of these answered 500."""
    before = checkins_of(server, key_result)
    cases = [
        ("value", {"ids": [key_result], "value": 10**400}),
        ("value", {"ids": [key_result], "value": 1e308}),
        ("confidence", {"ids": [key_result], "value": 1, "confidence": 10**29}),
        ("ids", {"ids": [], "value": 1}),
        ("ids", {"ids": [key_result, key_result], "value": 1}),
        (
            "external_ref",
            {"ids": [key_result], "value": 1, "external_ref": "r" * 3000},
        ),
    ]
    for name, params in cases:
        response = check_in(server, lan_key, test_db, **params)
        assert 400 <= response.status_code < 500, (name, response.text[:300])
        error = response.json()
        assert error["message"].startswith(f"{name}:"), error["message"]
        assert "index row" not in response.text
    assert checkins_of(server, key_result) == before
    # The refusal says the limit, and a reference of that length is taken.
    said = check_in(
        server, lan_key, test_db, ids=[key_result], value=1, external_ref="r" * 3000
    ).json()["message"]
    limit = int(re.search(r"\d+", said).group())
    longest = f"{uuid.uuid4()}".ljust(limit, "r")
    for length, status in ((limit + 1, 422), (limit, 200)):
        response = check_in(
            server,
            lan_key,
            test_db,
            ids=[key_result],
            value=1,
            external_ref=longest.ljust(length, "r"),
        )
        assert response.status_code == status, (length, response.text[:300])


def test_another_users_reference_is_a_conflict(
    server, test_db, lan_key, mai_key, key_result
):
    """Finding 10: Mai replaying Lan's reference got 200 and Lan's answer;
    his value was dropped without a word."""
    ref = f"intranet-{uuid.uuid4()}"
    first = check_in(
        server, lan_key, test_db, ids=[key_result], value=12, external_ref=ref
    )
    assert first.status_code == 200, first.text
    replay = check_in(
        server, mai_key, test_db, ids=[key_result], value=30, external_ref=ref
    )
    assert replay.status_code == 409, replay.text
    error = replay.json()
    assert "external_ref" in error["message"]
    for secret in ("12", str(first.json()["checkin_id"]), "Lan", "lan"):
        assert secret not in error["message"], error["message"]
    assert [
        c["value"] for c in checkins_of(server, key_result) if c["external_ref"] == ref
    ] == [12.0]
    # Lan's retry is still answered as her first call
    again = check_in(
        server, lan_key, test_db, ids=[key_result], value=12, external_ref=ref
    )
    assert (again.status_code, again.json()) == (200, first.json())


def test_concurrent_retries_all_get_the_first_answer(
    server, test_db, lan_key, key_result
):
    """Finding 11: of twelve simultaneous calls with one new reference, one
    was saved and eleven answered 422 (the unique index's violation)."""
    ref = f"intranet-burst-{uuid.uuid4()}"

    def call(_):
        return check_in(
            server, lan_key, test_db, ids=[key_result], value=21, external_ref=ref
        )

    with ThreadPoolExecutor(CONCURRENT_CALLS) as pool:
        responses = list(pool.map(call, range(CONCURRENT_CALLS)))
    assert [r.status_code for r in responses] == [200] * CONCURRENT_CALLS, [
        r.text[:200] for r in responses if r.status_code != 200
    ]
    answers = [r.json() for r in responses]
    assert all(answer == answers[0] for answer in answers), answers
    saved = [c for c in checkins_of(server, key_result) if c["external_ref"] == ref]
    assert len(saved) == 1
    assert saved[0]["id"] == answers[0]["checkin_id"]
