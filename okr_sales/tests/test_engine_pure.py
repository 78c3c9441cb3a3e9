"""The engine's pure parts, without a database, and what the engine
package may import and call."""

import ast
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from odoo.tests import BaseCase, tagged

from ..engine.definitions import (
    MEASURE_COUNT,
    MEASURE_SUM,
    SCOPE_COMPANY,
    SCOPE_OWNER,
    SCOPE_TEAM,
    KeyResultDefinition,
)
from ..engine.forecast import can_forecast, weighted_total
from ..engine.inputs import EngineInputs, EngineResult
from ..engine.period import EARLIEST_DATE, LATEST_DATE, within_bounds
from ..engine.rollup import (
    ROLLUP_AVERAGE,
    ROLLUP_MINIMUM,
    ROLLUP_SHARE_ACHIEVED,
    ROLLUP_SUM,
    ROLLUP_WEIGHTED_PROGRESS,
    last_mover,
    rollup_ancestors,
    rollup_value,
)
from ..engine.sources import CRM_SOURCES
from ..engine.totals import exact, round_amount, scope_value, value_moved

ENGINE_DIR = Path(__file__).parent.parent / "engine"
# The modules that touch no cursor and no environment: plain maths on plain
# data. ``forecast`` builds a domain from the model's fields (no record).
PURE_MODULES = (
    "definitions",
    "totals",
    "progress",
    "period",
    "rollup",
    "forecast",
    "inputs",
    "days",
)
# What a pure module may import: the standard library, dateutil, Odoo's
# plain helpers, and the other pure modules (``forecast`` takes the domain
# of the records a key result counts from ``contributions.records_domain``).
PURE_IMPORTS = {
    "odoo.tools",
    "odoo.tools.date_utils",
    "odoo.fields",
    *(f".{name}" for name in PURE_MODULES),
    ".contributions",
}
# Names that reach a database: none of them in a pure module.
CURSOR_NAMES = {"cr", "env", "execute", "execute_query", "cursor", "registry"}


def _tree(name):
    return ast.parse((ENGINE_DIR / f"{name}.py").read_text(), filename=name)


def _imports(tree):
    """Modules a module imports: ``.name`` for its siblings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def _definition(kr_id=1, **values):
    base = {
        "source": "automatic",
        "model": "crm.lead",
        "domain": (),
        "numerator_domain": (),
        "date_field": "date_closed",
        "scope": SCOPE_OWNER,
        "measure": MEASURE_SUM,
        "measure_field": "expected_revenue",
        "duration_start_field": False,
        "duration_end_field": False,
        "duration_unit": False,
        "first_time_only": False,
        "cadence": "period",
        "user_id": 7,
        "team_id": 3,
        "company_id": 1,
        "date_start": date(2026, 1, 1),
        "date_end": date(2026, 12, 31),
        "currency_id": 2,
    }
    base.update(values)
    return KeyResultDefinition(id=kr_id, **base)


@tagged("post_install", "-at_install")
class TestEnginePackage(BaseCase):
    """The engine is a function of its inputs: it imports no model and
    calls no method of the key result model."""

    def test_the_engine_imports_nothing_from_the_models(self):
        for path in sorted(ENGINE_DIR.glob("*.py")):
            imported = _imports(ast.parse(path.read_text()))
            with self.subTest(module=path.name):
                self.assertFalse(
                    {
                        name
                        for name in imported
                        if name.startswith("..") or "models" in name.split(".")
                    },
                    "the engine imports a model",
                )

    def test_the_engine_calls_no_method_of_the_key_result_model(self):
        for path in sorted(ENGINE_DIR.glob("*.py")):
            tree = ast.parse(path.read_text())
            called = {
                node.attr
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and node.attr.startswith("_okr_")
            }
            with self.subTest(module=path.name):
                self.assertFalse(called, "the engine calls back into the model")

    def test_the_pure_modules_touch_no_cursor(self):
        for name in PURE_MODULES:
            tree = _tree(name)
            names = {
                node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            } | {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            with self.subTest(module=name):
                self.assertLessEqual(
                    {i for i in _imports(tree) if i.startswith((".", "odoo"))},
                    PURE_IMPORTS,
                )
                self.assertFalse(names & CURSOR_NAMES)


@tagged("post_install", "-at_install")
class TestEnginePureParts(BaseCase):
    """Roll-up, forecast, totals and period maths on plain values."""

    def test_rollup_values(self):
        children = [(30.0, 0.0, 100.0), (100.0, 0.0, 100.0), (5.0, 10.0, 5.0)]
        self.assertEqual(rollup_value(ROLLUP_SUM, children), 135.0)
        self.assertEqual(rollup_value(ROLLUP_AVERAGE, children), 45.0)
        self.assertEqual(rollup_value(ROLLUP_MINIMUM, children), 5.0)
        # the second reaches its target, the third (lower is better) too
        self.assertAlmostEqual(rollup_value(ROLLUP_SHARE_ACHIEVED, children), 200.0 / 3)
        # progress 30%, 100%, 100% weighing 100, 100 and 5 (lower is better:
        # its target)
        self.assertAlmostEqual(
            rollup_value(ROLLUP_WEIGHTED_PROGRESS, children),
            (30.0 * 100 + 100.0 * 100 + 100.0 * 5) / 205,
        )
        # 20% of 15 bn and 100% of 100 M: not the 60% of an average
        quotas = [(3e9, 0.0, 15e9), (2e8, 0.0, 1e8)]
        self.assertAlmostEqual(
            rollup_value(ROLLUP_WEIGHTED_PROGRESS, quotas),
            (20.0 * 15e9 + 100.0 * 1e8) / 15.1e9,
        )
        self.assertIsNone(rollup_value(ROLLUP_WEIGHTED_PROGRESS, []))
        self.assertEqual(
            rollup_value(ROLLUP_WEIGHTED_PROGRESS, [(5.0, 10.0, 0.0)]), 0.0
        )
        self.assertIsNone(rollup_value(ROLLUP_SUM, []))
        with self.assertRaises(ValueError):
            rollup_value("median", children)

    def test_the_record_that_moved_each_key_result(self):
        result = EngineResult(
            values={1: 10.0, 2: 5.0},
            records={
                "crm.lead": {
                    # moves 1 (its amount), counts toward 3, which did not move
                    7: ({1: (1.0, False)}, {1: (2.0, False), 3: (1.0, False)}),
                    # leaves 2 (a deal reopened)
                    9: ({2: (1.0, True)}, {}),
                    # counted as before: moved nothing
                    11: ({1: (4.0, False)}, {1: (4.0, False)}),
                }
            },
        )
        self.assertEqual(result.movers(), {1: ("crm.lead", 7), 2: ("crm.lead", 9)})
        moves = [
            (datetime(2026, 12, 1), "crm.lead", 7),
            (datetime(2026, 12, 2), "okr.checkin", 3),
            (None, None, None),
        ]
        self.assertEqual(last_mover(moves), ("okr.checkin", 3))
        self.assertIsNone(last_mover([(None, None, None)]))

    def test_rollup_sum_is_exact_whatever_the_order(self):
        values = [(1e16, 0, 0), (1.0, 0, 0), (-1e16, 0, 0)]
        self.assertEqual(rollup_value(ROLLUP_SUM, values), 1.0)

    def test_rollup_ancestors_to_any_depth(self):
        graph = {1: frozenset({10}), 10: frozenset({20, 21}), 21: frozenset({30})}
        self.assertEqual(rollup_ancestors(graph, [1]), {10, 20, 21, 30})
        self.assertEqual(rollup_ancestors(graph, [1], direct=True), {10})
        self.assertEqual(rollup_ancestors(graph, [99]), set())
        # a cycle (refused at save) still ends
        self.assertEqual(rollup_ancestors({1: {2}, 2: {1}}, [1]), {1, 2})

    def test_weighted_pipeline(self):
        rows = [(1000.0, 50.0, 2), (200.0, 10.0, 1)]
        self.assertEqual(weighted_total(MEASURE_SUM, rows), 520.0)
        self.assertEqual(weighted_total(MEASURE_COUNT, rows), 1.1)
        self.assertEqual(weighted_total(MEASURE_SUM, []), 0.0)

    def test_what_can_be_forecast(self):
        leads, meetings = CRM_SOURCES[0], CRM_SOURCES[1]
        self.assertTrue(can_forecast(_definition(), leads))
        self.assertTrue(can_forecast(_definition(measure=MEASURE_COUNT), leads))
        self.assertFalse(can_forecast(_definition(measure="average"), leads))
        self.assertFalse(can_forecast(_definition(model="calendar.event"), meetings))

    def test_amounts_rounded_as_odoo_rounds_them(self):
        self.assertEqual(round_amount(10.005, 0.01), 10.01)
        self.assertEqual(round_amount(1234.4, 1.0), 1234.0)
        self.assertEqual(round_amount(10.005, None), 10.005)
        self.assertEqual(round_amount(1e30 + 0.3, 0.01), 1e30)

    def test_a_stored_value_moves_by_any_real_change(self):
        # a duration of seconds, in days: a change of 0.08 s is a change
        self.assertTrue(value_moved(8.685e-05, 8.781e-05))
        self.assertTrue(value_moved(0.0, 1e-20))
        self.assertTrue(value_moved(450e9, 450e9 + 1))
        # a float's last bits are not
        self.assertFalse(value_moved(0.1 + 0.2, 0.3))
        self.assertFalse(value_moved(450e9, 450e9))

    def test_exact_values(self):
        self.assertEqual(exact(None), Decimal(0))
        self.assertEqual(exact("0.1") + exact("0.2"), Decimal("0.3"))
        self.assertEqual(exact(3), Decimal(3))

    def test_whose_records_a_key_result_counts(self):
        self.assertEqual(scope_value(_definition(scope=SCOPE_OWNER)), 7)
        self.assertEqual(scope_value(_definition(scope=SCOPE_TEAM)), 3)
        self.assertEqual(scope_value(_definition(scope=SCOPE_COMPANY)), 1)

    def test_dates_within_bounds(self):
        self.assertTrue(within_bounds(date(2026, 6, 1)))
        self.assertTrue(within_bounds(EARLIEST_DATE) and within_bounds(LATEST_DATE))
        self.assertFalse(within_bounds(date(1, 1, 1)))

    def test_inputs_and_results_are_plain_data(self):
        leads = _definition(1)
        inputs = EngineInputs(
            definitions={"crm.lead": {1: leads}, "gone.model": {2: _definition(2)}},
            sources={"crm.lead": CRM_SOURCES[0]},
        )
        # only the definitions of the sources
        self.assertEqual(inputs.all_definitions(), {1: leads})
        result = EngineResult(values={1: 5.0}, cleared={1, 2})
        result.update(EngineResult(values={3: 1.0}, errors={2: ValueError("x")}))
        self.assertEqual(result.values, {1: 5.0, 3: 1.0})
        self.assertEqual(result.cleared, {1}, "an error is not cleared")
