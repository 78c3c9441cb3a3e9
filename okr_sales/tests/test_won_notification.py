"""Winning a deal tells its winner, once, which key results it moved."""

import json
from decimal import ROUND_HALF_UP, Decimal
from unittest.mock import patch

from psycopg2 import errors

from odoo.tests import TransactionCase, tagged

from ..engine.definitions import UPDATE_BACKGROUND, UPDATE_MODE_PARAM
from .common import OkrCrmCase, require_demo

NBSP = "\N{NO-BREAK SPACE}"


class NotificationMixin:
    def _last_bus_id(self):
        return self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id or 0

    def _notifications(self, user, since):
        """The won-deal notifications sent to ``user`` after bus row ``since``."""
        found = []
        for row in self.env["bus.bus"].sudo().search([("id", ">", since)]):
            channel = json.loads(row.channel)
            message = json.loads(row.message)
            if message["type"] == "okr_sales/won_deal" and channel[1:] == [
                "res.partner",
                user.partner_id.id,
            ]:
                found.append(message["payload"])
        return found


@tagged("post_install", "-at_install")
class TestWonDemoDeal(NotificationMixin, TransactionCase):
    """The demo salesperson Lan wins her opportunity of 3.2 bn ₫."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_demo(cls.env)
        cls.lan = cls.env.ref("okr_sales.okr_user_lan")
        cls.deal = cls.env.ref("okr_sales.okr_demo_lead_lan_open_1")
        cls.revenue = cls.env.ref("okr_sales.okr_kr_lan_revenue")

    def test_winner_is_told_what_her_deal_moved(self):
        self.assertEqual(self.deal.expected_revenue, 3_200_000_000)
        before = self.revenue.current_value
        since = self._last_bus_id()
        self.deal.with_user(self.lan).action_set_won()
        self.env.cr.flush()
        # by hand: her revenue plus the deal, against 15 bn from 0
        expected = before + 3_200_000_000
        self.assertEqual(self.revenue.current_value, expected)
        # (at most 100%: she may pass her target with it)
        progress = min(
            Decimal(expected) * 100 / Decimal(15_000_000_000), Decimal(100)
        ).quantize(Decimal(1), ROUND_HALF_UP)
        notifications = self._notifications(self.lan, since)
        self.assertEqual(len(notifications), 1, "one message per transaction")
        payload = notifications[0]
        self.assertEqual(payload["type"], "success")
        self.assertEqual(payload["title"], f"Won: {self.deal.name}")
        lines = payload["lines"]
        self.assertIn(f"Revenue of 15 bn VND: +3.2B{NBSP}₫ → {progress}%", lines)
        # hers a line each, the others counted: each key result the deal
        # counts in once
        counted = (
            self.env["okr.contribution"]
            .search([("res_model", "=", "crm.lead"), ("res_id", "=", self.deal.id)])
            .key_result_id
        )
        hers = counted.filtered(lambda kr: kr.user_id == self.lan)
        self.assertEqual(len(lines), len(hers))
        others = len(counted - hers)
        self.assertEqual(
            payload["more"], f"and {others} key results of your team and company"
        )
        # no line of hers writes what a record adds in the engine's words
        for line in lines:
            self.assertNotIn("counted once", line)

    def test_a_stage_dragged_to_won_tells_her_too(self):
        since = self._last_bus_id()
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        self.deal.with_user(self.lan).write({"stage_id": won_stage.id})
        self.env.cr.flush()
        self.assertEqual(len(self._notifications(self.lan, since)), 1)


@tagged("post_install", "-at_install")
class TestWonNotification(NotificationMixin, OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vnd = cls.env.ref("base.VND")
        cls.revenue = cls._new_auto_key_result(
            cls.my_objective,
            "won_revenue",
            name="Doanh thu cá nhân",
            currency_id=cls.vnd.id,
            target_value=10_000_000_000,
        )
        cls.team_revenue = cls._new_auto_key_result(
            cls.team_objective,
            "won_revenue",
            name="Team revenue",
            scope="team",
            currency_id=cls.vnd.id,
            target_value=40_000_000_000,
        )

    def test_two_deals_won_together_make_one_message(self):
        deals = self._new_deal(amount=3_200_000_000) | self._new_deal(
            amount=2_500_000_000
        )
        since = self._last_bus_id()
        deals.with_user(self.salesperson).action_set_won()
        self.env.cr.flush()
        notifications = self._notifications(self.salesperson, since)
        self.assertEqual(len(notifications), 1)
        self.assertEqual(notifications[0]["title"], "Deals won: 2")
        # by hand: 3.2 + 2.5 = 5.7 bn of her 10 bn is 57%; the team's key
        # result (its leader's) is counted, not listed
        self.assertEqual(
            notifications[0]["lines"], [f"Doanh thu cá nhân: +5.7B{NBSP}₫ → 57%"]
        )
        self.assertEqual(
            notifications[0]["more"], "and 1 key result of your team or company"
        )

    def test_a_deal_that_moves_many_key_results_lists_eight(self):
        # 9 more key results of hers, weighted so that the order is known:
        # 10 of hers, the 5 heaviest listed, "and 5 more of yours"
        for index in range(9):
            self._new_auto_key_result(
                self.my_objective,
                "won_revenue",
                name=f"Revenue {index}",
                weight=10.0 - index,
                currency_id=self.vnd.id,
                target_value=10_000_000_000,
            )
        deal = self._new_deal(amount=1_000_000_000)
        since = self._last_bus_id()
        deal.with_user(self.salesperson).action_set_won()
        self.env.cr.flush()
        (payload,) = self._notifications(self.salesperson, since)
        self.assertEqual(
            payload["lines"],
            [f"Revenue {index}: +1B{NBSP}₫ → 10%" for index in range(5)]
            + ["and 5 more of yours"],
        )
        self.assertEqual(payload["more"], "and 1 key result of your team or company")

    def test_a_rate_reads_where_it_stands_and_a_leader_hears_a_count(self):
        win_rate = self._new_auto_key_result(
            self.my_objective, "win_rate", name="Win rate", target_value=50, weight=0.5
        )
        deal = self._new_deal(amount=1_000_000_000)
        since = self._last_bus_id()
        deal.with_user(self.salesperson).action_set_won()
        self.env.cr.flush()
        (payload,) = self._notifications(self.salesperson, since)
        # by hand: her one opportunity closed, won: a win rate of 100%, past
        # its target of 50% (progress stops at 100%)
        self.assertEqual(win_rate.current_value, 100)
        self.assertEqual(
            payload["lines"],
            [
                f"Doanh thu cá nhân: +1B{NBSP}₫ → 10%",
                "Win rate: now 100% → 100%",
            ],
        )
        # her leader wins a deal of hers, the team's key result made the
        # director's: none of the three is his, all three are counted
        self.team_revenue.user_id = self.director
        self.env.cr.flush()
        deal = self._new_deal(amount=1_000_000_000)
        since = self._last_bus_id()
        deal.with_user(self.leader).action_set_won()
        self.env.cr.flush()
        (payload,) = self._notifications(self.leader, since)
        self.assertEqual(payload["lines"], [])
        self.assertEqual(
            payload["more"], "It moved 3 key results of your team and company."
        )

    def test_nothing_for_a_deal_that_moves_nothing(self):
        # a lead (not an opportunity) of another company's team: no key
        # result counts it
        other = self.env["res.company"].create({"name": "Elsewhere"})
        lead = self.env["crm.lead"].create(
            {"name": "Elsewhere", "type": "lead", "company_id": other.id}
        )
        since = self._last_bus_id()
        lead.action_set_won()
        self.env.cr.flush()
        self.assertFalse(
            self.env["okr.contribution"].search(
                [("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)]
            )
        )
        self.assertFalse(self._notifications(self.env.user, since))
        deal = self._new_deal(amount=1_000_000_000)
        deal.with_user(self.salesperson).write({"expected_revenue": 2})
        self.env.cr.flush()
        self.assertFalse(self._notifications(self.salesperson, since))

    def test_nothing_of_a_key_result_she_may_not_read(self):
        self.env["ir.rule"].create(
            {
                "name": "Hide the team revenue",
                "model_id": self.env.ref("okr_sales.model_okr_key_result").id,
                "domain_force": f"[('id', '!=', {self.team_revenue.id})]",
            }
        )
        since = self._last_bus_id()
        self._new_deal(amount=3_200_000_000).with_user(
            self.salesperson
        ).action_set_won()
        self.env.cr.flush()
        self.assertEqual(self.team_revenue.current_value, 3_200_000_000)
        (payload,) = self._notifications(self.salesperson, since)
        self.assertEqual(payload["lines"], [f"Doanh thu cá nhân: +3.2B{NBSP}₫ → 32%"])
        self.assertFalse(payload["more"])
        # and none at all when she may read none of them
        self.env["ir.rule"].create(
            {
                "name": "Hide her revenue",
                "model_id": self.env.ref("okr_sales.model_okr_key_result").id,
                "domain_force": f"[('id', '!=', {self.revenue.id})]",
            }
        )
        since = self._last_bus_id()
        self._new_deal(amount=1_000_000_000).with_user(
            self.salesperson
        ).action_set_won()
        self.env.cr.flush()
        self.assertEqual(self.revenue.current_value, 4_200_000_000)
        self.assertFalse(self._notifications(self.salesperson, since))

    def test_a_rolled_back_win_sends_nothing(self):
        deal = self._new_deal(amount=3_200_000_000)
        since = self._last_bus_id()
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            deal.with_user(self.salesperson).action_set_won()
            self.env.flush_all()
            raise ZeroDivisionError
        deal.invalidate_recordset()
        self.env.cr.flush()
        self.assertEqual(deal.won_status, "pending")
        self.assertEqual(self.revenue.current_value, 0)
        self.assertFalse(self._notifications(self.salesperson, since))

    def test_a_failing_notification_never_blocks_the_win(self):
        deal = self._new_deal(amount=3_200_000_000)
        since = self._last_bus_id()
        with (
            patch.object(
                type(self.env["okr.key.result"]),
                "_okr_send_won_notifications",
                side_effect=RuntimeError("broken"),
            ),
            self.assertLogs(
                "odoo.addons.okr_sales.models.okr_key_result_notify", "ERROR"
            ),
        ):
            deal.with_user(self.salesperson).action_set_won()
            self.env.cr.flush()
        self.assertEqual(deal.won_status, "won")
        self.assertEqual(self.revenue.current_value, 3_200_000_000)
        self.assertFalse(self._notifications(self.salesperson, since))

    def test_background_mode_tells_her_once_the_background_run_moved_them(self):
        self.env["ir.config_parameter"].sudo().set_param(
            UPDATE_MODE_PARAM, UPDATE_BACKGROUND
        )
        since = self._last_bus_id()
        deal = self._new_deal(amount=3_200_000_000)
        deal.with_user(self.salesperson).action_set_won()
        self.env.cr.flush()
        # queued: nothing has moved, nothing is said yet
        self.assertEqual(self.revenue.current_value, 0)
        self.assertFalse(self._notifications(self.salesperson, since))
        self.assertEqual(
            self.env["okr.won.notice"].search([]).mapped("lead_id"), [deal.id]
        )
        self.env["okr.key.result"]._cron_fold_pending()
        self.env.cr.flush()
        self.assertEqual(self.revenue.current_value, 3_200_000_000)
        (payload,) = self._notifications(self.salesperson, since)
        # by hand: 3.2 of 10 bn, 3.2 of 40 bn
        self.assertEqual(payload["lines"], [f"Doanh thu cá nhân: +3.2B{NBSP}₫ → 32%"])
        self.assertEqual(payload["more"], "and 1 key result of your team or company")
        self.assertFalse(self.env["okr.won.notice"].search([]))
        # told once
        since = self._last_bus_id()
        self.env["okr.key.result"]._cron_fold_pending()
        self.env.cr.flush()
        self.assertFalse(self._notifications(self.salesperson, since))

    def test_a_win_queued_behind_a_busy_key_result_waits_for_its_processing(self):
        # the deal's transaction could not lock a shared key result: its
        # changes are queued, and so is the notification
        deal = self._new_deal(amount=3_200_000_000)
        since = self._last_bus_id()
        with patch(
            "odoo.addons.okr_sales.engine.engine.ProgressEngine.process",
            side_effect=errors.LockNotAvailable(),
        ):
            deal.with_user(self.salesperson).action_set_won()
            self.env.cr.flush()
        self.assertEqual(self.revenue.current_value, 0)
        self.assertFalse(self._notifications(self.salesperson, since))
        self.assertEqual(self.env["okr.won.notice"].search_count([]), 1)
        # what the processing after the commit does, in its own transaction
        self.env["okr.key.result"]._cron_fold_pending()
        self.env.cr.flush()
        (payload,) = self._notifications(self.salesperson, since)
        self.assertIn(f"Doanh thu cá nhân: +3.2B{NBSP}₫ → 32%", payload["lines"])
