"""PostgreSQL settings and prepared statements of the engine's queries.

The engine's queries are planned once per cursor (Odoo's pool resets a
connection each time it lends it) and run many times on a few records:
``engine_settings`` sets the planner for that, local to the transaction
(the deal's path sets it with its locks instead), and
``PreparedStatements`` keeps track of what a cursor's connection has
prepared.
"""

import hashlib
import weakref
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


def settings_sql(settings=None):
    """``set_config`` of each of ``settings`` (``ENGINE_SETTINGS`` by
    default), local to the transaction, as a select list."""
    return SQL(", ").join(
        SQL("set_config(%s, %s, true)", name, value)
        for name, value in (settings or ENGINE_SETTINGS).items()
    )


@contextmanager
def engine_settings(cr):
    """Run the engine's queries with ``ENGINE_SETTINGS``, then put the
    transaction's own settings back for what it does next.

    The deal's path needs none: the engine sets them with its locks, before
    its contribution statements, and leaves them to the end of the
    transaction (``_lock``). Safe whatever runs after it: ``jit`` and
    ``plan_cache_mode`` only change how a query is planned, never what it
    returns."""
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
            settings_sql(dict(zip(ENGINE_SETTINGS, previous, strict=True))),
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


# The engine's statements prepared on each Odoo cursor (the real one under a
# test cursor), by name. A cursor borrows its connection from Odoo's pool,
# which resets it (``DISCARD ALL``): none is prepared when a cursor starts,
# and those prepared since are known here, without asking PostgreSQL. None:
# unsure after a failure (a PREPARE may have run): looked up again.
_PREPARED = weakref.WeakKeyDictionary()


def _real_cursor(cr):
    while not hasattr(cr, "_cnx") and hasattr(cr, "_cursor"):
        cr = cr._cursor
    return cr


class PreparedStatements:
    """The engine's prepared statements of one cursor's connection (they
    outlive transactions, not the cursor's borrow of the connection):
    prepares a statement the first time it is executed, in the same round
    trip."""

    def __init__(self, cr):
        self.cr = cr
        self.owner = _real_cursor(cr)
        self.names = _PREPARED.setdefault(self.owner, set())
        if self.names is None:
            self._look_up()

    def _look_up(self):
        """The names PostgreSQL knows (all dropped beyond a maximum: many
        changed definitions on a long-lived cursor)."""
        cr = self.cr
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
        _PREPARED[self.owner] = self.names

    def execute(self, name, prepare, record_ids):
        """Run statement ``name`` (``prepare`` is its ``PREPARE``) on these
        records; returns its rows."""
        run = SQL("EXECUTE %s (%s)", SQL.identifier(name), list(record_ids))
        if self.names is None:
            self._look_up()
        if name in self.names:
            self.cr.execute(run)
            return self.cr.fetchall()
        try:
            self.cr.execute(SQL("%s; %s", prepare, run))
        except Exception:
            # The PREPARE may have run (it outlives a rollback): unsure.
            self.names = _PREPARED[self.owner] = None
            raise
        self.names.add(name)
        return self.cr.fetchall()
