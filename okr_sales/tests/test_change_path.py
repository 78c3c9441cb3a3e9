"""One path for a key result's change (issue #23): one ``_write_multi`` for
the OKR models and one for the sources in all the addons, and one value
written by the engine is followed by every reaction, from one commit
callback."""

import json

from odoo import fields
from odoo.tests import tagged

from ..models.okr_key_result_live import MOVED_NOTIFICATION
from ..webhook.events import EVENT_PROGRESS
from .common import OkrCrmCase

ADDONS = "odoo.addons.okr_sales"  # okr_sales and its bridges (okr_sales_*)
KEY_RESULT_PATH = f"{ADDONS}.models.okr_key_result_changes"
SOURCE_PATH = f"{ADDONS}.models.base"


def write_multi_owners(model):
    """Modules of the addons' classes of ``model`` that define
    ``_write_multi``, in method resolution order."""
    return [
        cls.__module__
        for cls in type(model).__mro__
        if "_write_multi" in vars(cls) and cls.__module__.startswith(ADDONS)
    ]


@tagged("post_install", "-at_install")
class TestOneWriteMulti(OkrCrmCase):
    def test_one_override_for_the_key_result_and_one_for_the_sources(self):
        self.assertEqual(
            write_multi_owners(self.env["okr.key.result"]),
            [KEY_RESULT_PATH, SOURCE_PATH],
        )
        sources = [
            name
            for name in self.env["okr.key.result"]._okr_sources()
            if name in self.env
        ]
        self.assertIn("crm.lead", sources)
        for name in sources:
            with self.subTest(model=name):
                self.assertEqual(write_multi_owners(self.env[name]), [SOURCE_PATH])

    def test_no_other_model_overrides_it(self):
        for name in self.env.registry:
            if name == "okr.key.result":
                continue
            with self.subTest(model=name):
                self.assertIn(write_multi_owners(self.env[name]), ([SOURCE_PATH], []))


@tagged("post_install", "-at_install")
class TestOneValueWrite(OkrCrmCase):
    """A value the engine writes (``_okr_write_values``, one SQL statement):
    the roll-ups over it, their history points, the live message and the
    webhook outbox follow from the one commit callback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = "Asia/Ho_Chi_Minh"
        cls.department_rollup = cls._new_rollup(
            cls.department, name="Company revenue", target_value=1e6
        )
        cls.team_rollup = cls._new_rollup(
            cls.team_objective,
            name="Team revenue",
            target_value=1e5,
            parent_id=cls.department_rollup.id,
        )
        cls.my_revenue = cls._new_auto_key_result(
            cls.my_objective,
            "won_revenue",
            scope="owner",
            target_value=1e4,
            parent_id=cls.team_rollup.id,
        )
        cls.env["okr.webhook"].create(
            {"name": "Sales floor", "url": "https://8.8.8.8/okr", "on_progress": True}
        )
        cls.env.cr.flush()
        cls.chain = cls.my_revenue | cls.team_rollup | cls.department_rollup

    def _commit_callbacks(self):
        return [
            func
            for func in self.env.cr.precommit._funcs
            if getattr(func, "__name__", "") == "_okr_commit_changes"
        ]

    def test_the_reactions_follow_one_value_written(self):
        self.assertFalse(self._commit_callbacks())
        self.env["okr.key.result"]._okr_write_values({self.my_revenue.id: 1200.0})
        self.assertEqual(len(self._commit_callbacks()), 1, "one registration")
        self.env.cr.flush()
        self.assertFalse(self._commit_callbacks())

        # the roll-up chain, counted by hand: a sum of one, twice
        self.chain.invalidate_recordset()
        self.assertEqual(self.chain.mapped("current_value"), [1200.0] * 3)
        # the day's point of each, on the company's day (UTC's or the
        # user's may be another one)
        today = fields.Date.context_today(
            self.my_revenue.with_context(tz="Asia/Ho_Chi_Minh")
        )
        points = self.env["okr.key.result.history"].search(
            [("key_result_id", "in", self.chain.ids)]
        )
        self.assertEqual(
            sorted((p.key_result_id.id, p.date, p.value) for p in points),
            sorted((kr_id, today, 1200.0) for kr_id in self.chain.ids),
        )
        # one live message with the three of them
        messages = [
            json.loads(row.message)
            # the latest: other addons' messages (Sales') may follow it
            for row in self.env["bus.bus"].sudo().search([], order="id desc", limit=50)
        ]
        moved = [
            m["payload"]
            for m in messages
            if m["type"] == MOVED_NOTIFICATION
            and set(m["payload"]["key_result_ids"]) & set(self.chain.ids)
        ]
        self.assertEqual(len(moved), 1)
        self.assertEqual(moved[0]["key_result_ids"], sorted(self.chain.ids))
        # one outbox row of progress with the three of them
        events = self.env["okr.webhook.event"].search(
            [("event_type", "=", EVENT_PROGRESS)]
        )
        self.assertEqual(len(events), 1)
        self.assertEqual(
            sorted(int(kr_id) for kr_id in events.details), sorted(self.chain.ids)
        )

    def test_a_later_run_rewrites_the_same_rows(self):
        """A second precommit run in the same transaction (a savepoint)
        that moves the value again rewrites the message and the outbox row,
        and adds no row."""
        self.env["okr.key.result"]._okr_write_values({self.my_revenue.id: 1200.0})
        self.env.cr.flush()
        bus_count = self.env["bus.bus"].sudo().search_count([])
        self.env["okr.key.result"]._okr_write_values({self.my_revenue.id: 1500.0})
        self.env.cr.flush()
        self.assertEqual(self.env["bus.bus"].sudo().search_count([]), bus_count)
        self.assertEqual(
            self.env["okr.webhook.event"].search_count(
                [("event_type", "=", EVENT_PROGRESS)]
            ),
            1,
        )
        self.chain.invalidate_recordset()
        self.assertEqual(self.chain.mapped("current_value"), [1500.0] * 3)
