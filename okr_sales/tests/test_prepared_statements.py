"""The engine's prepared statements: known per cursor, without asking
PostgreSQL each time (``engine/pg.py``)."""

from unittest.mock import patch

from odoo import sql_db
from odoo.tests import tagged

from ..engine import pg
from .common import OkrCrmCase


@tagged("post_install", "-at_install")
class TestPreparedStatements(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", scope="owner"
        )

    def _ours(self, cr):
        cr.execute(
            "SELECT name FROM pg_prepared_statements WHERE name LIKE %s",
            (pg.PREPARED_PREFIX + "%",),
        )
        return {row[0] for row in cr.fetchall()}

    def test_a_cursor_starts_with_no_statement_prepared(self):
        # What the engine assumes of Odoo's pool: a connection lent again is
        # reset (DISCARD ALL), so a new cursor has none of the statements
        # the one before prepared.
        db = sql_db.db_connect(self.env.cr.dbname)
        with db.cursor() as cr:
            cr.execute(f"PREPARE {pg.PREPARED_PREFIX}pool_test AS SELECT 1")
        with db.cursor() as cr:
            # Most often the same connection again; another one lent is
            # reset as well, and must not hold it either.
            self.assertFalse(self._ours(cr))

    def test_deals_prepare_once_and_look_nothing_up(self):
        self._new_deal(amount=10.0).action_set_won()
        self._commit_point()
        known = pg._PREPARED[pg._real_cursor(self.env.cr)]
        self.assertTrue(known)
        self.assertEqual(known, self._ours(self.env.cr))
        deal = self._new_deal(amount=20.0)
        self._commit_point()
        with patch.object(
            pg.PreparedStatements,
            "_look_up",
            autospec=True,
            side_effect=pg.PreparedStatements._look_up,
        ) as look_up:
            deal.action_set_won()
            self._commit_point()
        self.assertFalse(look_up.called, "the cursor knows what it prepared")
        self.assertEqual(self.revenue.current_value, 30.0)

    def test_statements_the_cursor_does_not_know_lose_nothing(self):
        # Prepared behind the engine's back (its PREPARE fails as a
        # duplicate): the run starts again, looks them up, and counts.
        self._new_deal(amount=10.0).action_set_won()
        self._commit_point()
        pg._PREPARED[pg._real_cursor(self.env.cr)].clear()
        with self.assertLogs("odoo.sql_db", "ERROR") as logs:
            self._new_deal(amount=20.0).action_set_won()
            self._commit_point()
        self.assertIn("already exists", "\n".join(logs.output))
        self.assertEqual(self.revenue.current_value, 30.0)
        self.assertFalse(self.revenue.computation_error)
        self.assertFalse(self.env["okr.pending.change"].search([]))
        self.assertEqual(
            pg._PREPARED[pg._real_cursor(self.env.cr)], self._ours(self.env.cr)
        )
