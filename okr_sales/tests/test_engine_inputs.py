"""The engine run from its inputs alone, on a real database: it returns the
values a hand count gives, and neither reads nor writes a key result
through the ORM, nor writes a key result's row itself."""

import re
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import tagged
from odoo.tools import SQL

from ..engine.engine import EngineInputs, ProgressEngine
from .common import OkrCrmCase

# A statement writing the key results' own table (not its _period sibling).
WRITES_KEY_RESULTS = re.compile(
    r"\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+\"?okr_key_result\b(?!_)",
    re.IGNORECASE,
)


@tagged("post_install", "-at_install")
class TestEngineFromInputs(OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mine = cls._new_auto_key_result(cls.my_objective, "won_revenue")
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective, "won_revenue", scope="team"
        )
        cls.company_revenue = cls._new_auto_key_result(
            cls.department, "won_revenue", scope="company"
        )
        cls.key_results = cls.mine | cls.team_revenue | cls.company_revenue
        cls.deals = cls.env["crm.lead"].browse(
            [cls._new_deal(amount=amount).id for amount in (100.0, 200.0, 300.0)]
        )
        cls.deals.action_set_won()
        cls.colleague_deal = cls._new_deal(user=cls.colleague, amount=50.0)
        cls.colleague_deal.action_set_won()
        cls.env.cr.flush()

    def _stored_rows(self):
        return self.env.execute_query(
            SQL(
                "SELECT id, current_value, write_date, computation_error"
                " FROM okr_key_result WHERE id IN %s ORDER BY id",
                tuple(self.key_results.ids),
            )
        )

    def _hand_count(self, domain):
        """Won revenue of the test company's deals matching ``domain``,
        summed here from the deals themselves."""
        deals = self.env["crm.lead"].search(
            [
                ("company_id", "=", self.company.id),
                ("won_status", "=", "won"),
                *domain,
            ]
        )
        return sum(deals.mapped("expected_revenue"))

    @contextmanager
    def _statements(self, engine_only=True):
        """The statements run in the block; any read of a key result through
        the ORM fails it (``engine_only``: the engine runs alone)."""
        statements = []
        execute = Cursor.execute

        def spy(cr, query, params=None, log_exceptions=True):
            statements.append(str(query.code if isinstance(query, SQL) else query))
            return execute(cr, query, params, log_exceptions)

        self.env.invalidate_all()
        orm_guard = patch.object(
            type(self.env["okr.key.result"]),
            "_fetch_query",
            side_effect=AssertionError("a key result read through the ORM"),
        )
        with (
            patch.object(Cursor, "execute", spy),
            orm_guard if engine_only else nullcontext(),
        ):
            yield statements

    def test_values_from_definitions_alone_match_a_hand_count(self):
        self.assertEqual(self.mine.current_value, 600.0)
        self.assertEqual(self.company_revenue.current_value, 650.0)
        # Changes no ORM hook sees: an amount, and a deal handed over.
        first, second = self.deals[:2]
        self.env.cr.execute(
            SQL("UPDATE crm_lead SET expected_revenue = 1000 WHERE id = %s", first.id)
        )
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET user_id = %s WHERE id = %s",
                self.colleague.id,
                second.id,
            )
        )
        definitions = {kr.id: kr._okr_definition() for kr in self.key_results}
        inputs = EngineInputs(
            definitions={"crm.lead": definitions},
            sources=self.env["okr.key.result"]._okr_sources(),
            rollup_graph={},
        )
        before = self._stored_rows()
        with self._statements() as statements:
            result = ProgressEngine(self.env, inputs).run(
                {"crm.lead": set(self.deals.ids)}, {}
            )
        self.assertFalse(result.errors)
        self.assertFalse(
            [s for s in statements if WRITES_KEY_RESULTS.search(s)],
            "the engine wrote a key result itself",
        )
        self.assertEqual(self._stored_rows(), before, "no key result field moved")
        hand = {
            self.mine.id: self._hand_count([("user_id", "=", self.salesperson.id)]),
            self.team_revenue.id: self._hand_count([("team_id", "=", self.team.id)]),
            self.company_revenue.id: self._hand_count([]),
        }
        self.assertEqual(
            hand,
            {
                self.mine.id: 1300.0,
                self.team_revenue.id: 1550.0,
                self.company_revenue.id: 1550.0,
            },
        )
        self.assertEqual(result.values, hand)
        # The model writes what the engine returns.
        self.env["okr.key.result"]._okr_write_values(result.values)
        self.assertEqual({kr.id: kr.current_value for kr in self.key_results}, hand)
        # and a full recompute finds nothing left to correct
        self.assertFalse(
            self.env["okr.key.result"]._okr_recompute(self.key_results.ids)
        )

    def test_a_broken_definition_is_returned_not_written(self):
        definition = self.mine._okr_definition()
        broken = replace(definition, domain=(("x_removed_field", "=", 1),))
        inputs = EngineInputs(
            definitions={"crm.lead": {self.mine.id: broken}},
            sources=self.env["okr.key.result"]._okr_sources(),
        )
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET expected_revenue = 700 WHERE id = %s",
                self.deals[0].id,
            )
        )
        before = self._stored_rows()
        with self._statements():
            result = ProgressEngine(self.env, inputs).run(
                {"crm.lead": set(self.deals.ids)}, {}
            )
        self.assertEqual(set(result.errors), {self.mine.id})
        self.assertIn("x_removed_field", str(result.errors[self.mine.id]))
        self.assertFalse(result.values)
        self.assertEqual(self._stored_rows(), before)

    def test_a_changed_record_is_evaluated_in_one_statement(self):
        # three families of rules, at each level or at one
        for preset in ("lead_conversion_rate", "days_to_close"):
            for objective, scope in (
                (self.my_objective, "owner"),
                (self.team_objective, "team"),
            ):
                self._new_auto_key_result(objective, preset, scope=scope)
        self._new_auto_key_result(self.department, "days_to_close", scope="company")
        deal = self._new_deal(amount=40.0)
        self.env.cr.flush()
        with self._statements(engine_only=False) as statements:
            deal.action_set_won()
            self.env.cr.flush()
        executed = [s for s in statements if s.startswith('EXECUTE "okr_contribution_')]
        self.assertEqual(len(executed), 1, "one statement for every rule of crm.lead")
        self.assertEqual(self.mine.current_value, 640.0)
