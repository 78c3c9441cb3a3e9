"""The live refresh's bus message, with real commits: one per transaction
that moved key results, to the OKR users' channel, ids only.

The message is a ``bus_bus`` row written while the transaction commits
(its precommit, in the transaction itself) and announced after the commit:
these tests commit, in the company of ``AfterCommitCase``, and read the
committed rows from another connection.
"""

import json
from contextlib import closing

from odoo.tests import tagged

from ..engine.definitions import UPDATE_BACKGROUND, UPDATE_MODE_PARAM
from ..models.okr_key_result_live import MOVED_NOTIFICATION
from .test_engine_after_commit import AfterCommitCase


@tagged("post_install", "-at_install")
class TestLiveRefreshMessage(AfterCommitCase):
    def _last_bus_id(self):
        with closing(self._cursor()) as cr:
            cr.execute("SELECT COALESCE(max(id), 0) FROM bus_bus")
            return cr.fetchone()[0]

    def _messages_since(self, last_id):
        """The OKR messages committed after ``last_id``: (channel, payload)."""
        with closing(self._cursor()) as cr:
            cr.execute(
                "SELECT channel, message FROM bus_bus WHERE id > %s ORDER BY id",
                [last_id],
            )
            rows = cr.fetchall()
        messages = []
        for channel, message in rows:
            message = json.loads(message)
            if message["type"] == MOVED_NOTIFICATION:
                messages.append((json.loads(channel), message["payload"]))
        return messages

    def _new_deals(self, count):
        with self._cursor() as cr:
            env = self._env(cr)
            deals = self._create(
                env,
                "crm.lead",
                [self._deal_values(env, 10.0 * (n + 1)) for n in range(count)],
            )
            return deals.ids

    def _won_revenue(self):
        with closing(self._cursor()) as cr:
            env = self._env(cr)
            won = env["crm.lead"].search(
                [("company_id", "=", self.company_id), ("won_status", "=", "won")]
            )
            values = env["okr.key.result"].browse(self.key_result_ids)
            return sum(won.mapped("expected_revenue")), values.mapped("current_value")

    def _okr_users_channel(self):
        with closing(self._cursor()) as cr:
            group = self._env(cr).ref("okr_sales.group_okr_user")
            return [cr.dbname, "res.groups", group.id]

    def test_three_deals_won_in_one_transaction_send_one_message(self):
        deal_ids = self._new_deals(3)
        last_id = self._last_bus_id()
        with self._cursor() as cr:
            env = self._env(cr, self.salesperson_id)
            for deal in env["crm.lead"].browse(deal_ids):
                deal.action_set_won()
                # what a savepoint does: the engine runs at each deal
                cr.flush()
        messages = self._messages_since(last_id)
        self.assertEqual(
            messages,
            [
                (
                    self._okr_users_channel(),
                    {
                        "key_result_ids": sorted(self.key_result_ids),
                        "objective_ids": sorted(self.objective_ids),
                    },
                )
            ],
            "one message, on the OKR users' channel, with ids only",
        )
        # and the key results did move: by the three deals, counted by hand
        won_revenue, values = self._won_revenue()
        self.assertEqual(values, [won_revenue] * 3)

    def test_a_message_a_rolled_back_savepoint_took_is_written_again(self):
        deal_ids = self._new_deals(2)
        last_id = self._last_bus_id()
        with self._cursor() as cr:
            env = self._env(cr, self.salesperson_id)
            deals = env["crm.lead"].browse(deal_ids)
            with self.assertRaises(RuntimeError), cr.savepoint():
                deals[0].action_set_won()
                cr.flush()  # the message row is written in the savepoint
                raise RuntimeError("rolled back")
            deals[1].action_set_won()
        messages = self._messages_since(last_id)
        self.assertEqual(len(messages), 1, "written again, once")
        self.assertEqual(messages[0][1]["key_result_ids"], sorted(self.key_result_ids))
        # only the second deal was won: the key results count it alone
        won_revenue, values = self._won_revenue()
        self.assertEqual(values, [won_revenue] * 3)
        with closing(self._cursor()) as cr:
            won = self._env(cr)["crm.lead"].browse(deal_ids).mapped("won_status")
        self.assertEqual(won, ["pending", "won"])

    def test_a_rolled_back_transaction_sends_nothing(self):
        deal_ids = self._new_deals(1)
        last_id = self._last_bus_id()
        with closing(self._cursor()) as cr:
            env = self._env(cr, self.salesperson_id)
            env["crm.lead"].browse(deal_ids).action_set_won()
            cr.flush()  # the key results moved in the transaction
            cr.rollback()
        self.assertEqual(self._messages_since(last_id), [])

    def test_a_transaction_that_moves_no_key_result_sends_nothing(self):
        deal_ids = self._new_deals(1)
        last_id = self._last_bus_id()
        with self._cursor() as cr:
            env = self._env(cr, self.salesperson_id)
            env["crm.lead"].browse(deal_ids).write(
                {"description": "Called back", "priority": "2"}
            )
        self.assertEqual(self._messages_since(last_id), [])

    def test_a_check_in_sends_one_message(self):
        with self._cursor() as cr:
            env = self._env(cr)
            manual = self._create(
                env,
                "okr.key.result",
                {
                    "name": "Meet 50 prospects",
                    "objective_id": self.objective_ids[2],
                    "target_value": 50.0,
                },
            )
        last_id = self._last_bus_id()
        with self._cursor() as cr:
            self._create(
                self._env(cr),
                "okr.checkin",
                {"key_result_id": manual.id, "value": 20.0},
            )
        self.assertEqual(
            [payload for _channel, payload in self._messages_since(last_id)],
            [{"key_result_ids": [manual.id], "objective_ids": [self.objective_ids[2]]}],
        )

    def test_background_mode_sends_one_message_from_the_scheduled_action(self):
        deal_ids = self._new_deals(2)
        with self._cursor() as cr:
            params = self._env(cr)["ir.config_parameter"]
            mode = params.get_param(UPDATE_MODE_PARAM)
            params.set_param(UPDATE_MODE_PARAM, UPDATE_BACKGROUND)
        try:
            last_id = self._last_bus_id()
            with self._cursor() as cr:
                env = self._env(cr, self.salesperson_id)
                env["crm.lead"].browse(deal_ids).action_set_won()
            # only queued: nothing moved yet, nothing said
            self.assertEqual(self._messages_since(last_id), [])
            with self._cursor() as cr:
                self._env(cr)["okr.key.result"]._cron_fold_pending()
            messages = self._messages_since(last_id)
            self.assertEqual(
                [payload["key_result_ids"] for _channel, payload in messages],
                [sorted(self.key_result_ids)],
            )
        finally:
            with self._cursor() as cr:
                self._env(cr)["ir.config_parameter"].set_param(
                    UPDATE_MODE_PARAM, mode or False
                )
