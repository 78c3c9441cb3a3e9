"""PostgreSQL settings and prepared statements of the engine's queries.

The engine's queries are planned once per connection and run many times on
a few records: ``engine_settings`` sets the planner for that, local to the
transaction, and ``PreparedStatements`` keeps track of what a connection
has prepared.
"""

import hashlib
from contextlib import contextmanager

from odoo.tools import SQL

# Planner settings of the engine's queries, local to the transaction.
ENGINE_SETTINGS = {
    # JIT's cost estimate adds up over many key results' queries: compiling
    # then takes seconds for queries that run in milliseconds.
    "jit": "off",
    # The prepared contribution statements are planned once, not per call.
    "plan_cache_mode": "force_generic_plan",
}

# Prefix of the engine's prepared statements, to find them among others.
PREPARED_PREFIX = "okr_contribution_"

# Prepared statements kept on one connection before they are all dropped:
# definitions changed many times on a long-lived connection.
MAX_PREPARED_STATEMENTS = 5000


@contextmanager
def engine_settings(cr, restore=True):
    """Run the engine's queries with ``ENGINE_SETTINGS``, then put the
    transaction's own settings back for what it does next.

    ``restore=False`` keeps them to the end of the transaction, one
    statement less: for the engine's run at a deal's commit point, after
    which only okr_sales's own commit work runs. Safe whatever runs after
    it: ``jit`` and ``plan_cache_mode`` only change how a query is planned,
    never what it returns, and they are local to the transaction."""
    if not restore:
        cr.execute(
            SQL(
                "SELECT %s",
                SQL(", ").join(
                    SQL("set_config(%s, %s, true)", name, value)
                    for name, value in ENGINE_SETTINGS.items()
                ),
            )
        )
        yield
        return
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("current_setting(%s), set_config(%s, %s, true)", name, name, value)
                for name, value in ENGINE_SETTINGS.items()
            ),
        )
    )
    previous = cr.fetchone()[::2]
    yield
    # Not in a finally: after an error the transaction may be aborted, and
    # local settings end with it anyway.
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("set_config(%s, %s, true)", name, value)
                for name, value in zip(ENGINE_SETTINGS, previous, strict=True)
            ),
        )
    )


def prepared_name(query):
    """A statement name derived from the query's text and parameters, so
    that a changed definition gets a statement of its own."""
    digest = hashlib.sha1(repr((query.code, query.params)).encode()).hexdigest()
    return PREPARED_PREFIX + digest[:20]


def prepare_statement(name, query):
    """``PREPARE`` of ``query`` restricted to an array of record ids, its
    only parameter (``$1``). Its rows end with the ``value`` column again,
    as text: numerics are read exactly (see ``totals.exact``)."""
    return SQL(
        "PREPARE %s (integer[]) AS SELECT c.*, c.value::text"
        " FROM (%s) AS c WHERE c.res_id = ANY($1)",
        SQL.identifier(name),
        query,
    )


class PreparedStatements:
    """The engine's prepared statements of one connection (they outlive
    transactions, not connections): prepares a statement the first time it
    is executed."""

    def __init__(self, cr):
        self.cr = cr
        cr.execute(
            SQL(
                "SELECT name FROM pg_prepared_statements WHERE name LIKE %s",
                PREPARED_PREFIX + "%",
            )
        )
        self.names = {row[0] for row in cr.fetchall()}
        if len(self.names) > MAX_PREPARED_STATEMENTS:
            for name in self.names:
                cr.execute(SQL("DEALLOCATE %s", SQL.identifier(name)))
            self.names = set()

    def execute(self, name, prepare, record_ids):
        """Run statement ``name`` (``prepare`` is its ``PREPARE``) on these
        records; returns its rows."""
        if name not in self.names:
            self.cr.execute(prepare)
            self.names.add(name)
        self.cr.execute(SQL("EXECUTE %s (%s)", SQL.identifier(name), list(record_ids)))
        return self.cr.fetchall()
