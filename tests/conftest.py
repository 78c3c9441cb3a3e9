"""End-to-end tests: a real Odoo server driven over JSON-RPC (see odoo_server.py).

They run outside Odoo: tests/pytest.ini turns pytest-odoo off. `make test` sets
OKR_TEST_DB, a database with okr_sales installed with its demo data, and
OKR_ODOO_CONF, the Odoo configuration file.
"""

import os

import pytest
from odoo_server import OdooServer


@pytest.fixture(scope="session")
def test_db():
    """The database that `make test` prepared (okr_sales + demo data)."""
    missing = [var for var in ("OKR_TEST_DB", "OKR_ODOO_CONF") if var not in os.environ]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run these tests with `make test`")
    return os.environ["OKR_TEST_DB"]


@pytest.fixture(scope="session")
def server(test_db):
    """One Odoo server on the test database, for all the tests that use it."""
    with OdooServer(test_db) as server:
        yield server
