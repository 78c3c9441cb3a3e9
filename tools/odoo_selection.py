"""pytest plugin: keep the tests Odoo's own runner would run with `--test-tags`.

pytest collects every unittest class a test module holds, imported ones too, and
their inherited test methods: helpdesk_mgmt's tests/test_js.py imports web's
`WebSuite`, which would run all of web's JavaScript tests. Odoo's loader
(odoo/tests/loader.py, `get_module_test_cases`) takes only the classes defined
in the module and their own test methods, then filters them with the test tags.
`pytest -p odoo_selection --odoo-test-tags=/helpdesk_mgmt` deselects the rest.
"""


def pytest_addoption(parser):
    parser.addoption(
        "--odoo-test-tags",
        help="keep only the tests Odoo would run with --test-tags=SPEC",
    )


def pytest_collection_modifyitems(config, items):
    spec = config.getoption("--odoo-test-tags")
    if not spec:
        return
    from odoo.tests.tag_selector import TagsSelector  # once pytest-odoo set Odoo up

    selector = TagsSelector(spec)
    kept, dropped = [], []
    for item in items:
        (kept if odoo_runs(item, selector) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def odoo_runs(item, selector):
    """Whether Odoo's loader and `selector` would run this test."""
    cls = getattr(item, "cls", None)
    if cls is None or cls.__module__ != item.module.__name__:
        return False  # a plain function, or a class imported from elsewhere
    if item.name not in vars(cls) and not getattr(
        cls, "allow_inherited_tests_method", False
    ):
        return False
    return selector.check(cls(item.name))
