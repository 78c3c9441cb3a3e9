"""Every addon's tests run under every runner, and none is skipped unseen.

pytest-odoo collects each ``tests/test_*.py`` file, but Odoo's own runner
(``--test-enable``, OCA's CI) runs only the modules an addon's
``tests/__init__.py`` imports: a file it forgets passes here and never runs
there. A test that cannot run (no demo data, no browser) goes through the
one policy of ``okr_sales/tests/common.py`` (``skip_or_fail``: skipped on a
laptop, failed under CI), never a bare skip. Reads the files, runs nothing.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(path.parent for path in ROOT.glob("*/__manifest__.py"))
# The one module allowed to skip: the policy itself.
POLICY = ROOT / "okr_sales" / "tests" / "common.py"


def imported_modules(init):
    """The names ``from . import name`` brings in ``init``."""
    tree = ast.parse(init.read_text())
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
        for alias in node.names
    }


def bare_skips(path):
    """Lines of ``path`` that skip a test by themselves: ``self.skipTest(...)``
    or ``raise SkipTest``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "skipTest"
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = getattr(target, "attr", None) or getattr(target, "id", None)
            if name == "SkipTest":
                lines.append(node.lineno)
    return sorted(lines)


def test_the_repository_has_addons_with_tests():
    assert {addon.name for addon in ADDONS} >= {
        "okr_sales",
        "okr_sales_helpdesk",
        "okr_sales_survey",
    }


@pytest.mark.parametrize("addon", ADDONS, ids=lambda addon: addon.name)
def test_every_test_module_is_imported(addon):
    files = {path.stem for path in (addon / "tests").glob("test_*.py")}
    assert files, f"{addon.name} has no tests"
    imported = imported_modules(addon / "tests" / "__init__.py")
    assert sorted(files - imported) == [], (
        f"{addon.name}/tests/__init__.py does not import these: Odoo's runner "
        "would never run them"
    )
    assert sorted(imported - files) == []


@pytest.mark.parametrize("addon", ADDONS, ids=lambda addon: addon.name)
def test_tests_skip_only_through_the_policy(addon):
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in (addon / "tests").glob("*.py")
        if path != POLICY
        for line in bare_skips(path)
    }
    assert sorted(found) == [], (
        "use skip_or_fail / require_demo of okr_sales/tests/common.py"
    )


def test_the_checks_see_what_they_look_for(tmp_path):
    """The two readers above, on files written here."""
    init = tmp_path / "__init__.py"
    init.write_text("from . import test_a\nfrom . import common, test_b\n")
    assert imported_modules(init) == {"test_a", "common", "test_b"}
    module = tmp_path / "test_c.py"
    module.write_text(
        "import unittest\n"
        "def f(self):\n"
        "    self.skipTest('x')\n"
        "def g():\n"
        "    raise unittest.SkipTest('y')\n"
    )
    assert bare_skips(module) == [3, 5]
