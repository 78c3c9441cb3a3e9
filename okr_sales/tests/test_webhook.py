"""Webhooks, end to end inside Odoo: deals won in the registry, the outbox
written as the transaction commits, the scheduled action's method posting
to a real HTTP server on localhost (``webhook_receiver``), not a mock of
``requests``.
"""

import json
import socket
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, config

from ..webhook import payload, sender, signature
from ..webhook.events import ALLOW_PRIVATE_PARAM, COALESCE_PARAM
from .common import OkrCrmCase
from .webhook_receiver import PinnedRequests, Receiver, closed_port_url

SECRET = "test-secret-of-the-sales-floor-chat"
DELIVERY_MODULE = "odoo.addons.okr_sales.models.okr_webhook_delivery"
# Slack for the test machine over a deadline: the bound is what is tested,
# not the speed.
MARGIN = 1.0


@tagged("post_install", "-at_install")
class TestWebhook(PinnedRequests, OkrCrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param(ALLOW_PRIVATE_PARAM, "1")  # the receiver is local
        params.set_param(COALESCE_PARAM, "0")
        cls.my_revenue = cls._new_auto_key_result(
            cls.my_objective, "won_revenue", target_value=10000.0
        )
        cls.company_revenue = cls._new_auto_key_result(
            cls.department, "won_revenue", target_value=100000.0
        )

    def _webhook(self, url, **vals):
        values = {"name": "Sales floor", "url": url, "secret": SECRET}
        values.update(vals)
        return self.env["okr.webhook"].create(values)

    def _win(self, amount=2000.0, user=None):
        deal = self._new_deal(user=user, amount=amount)
        deal.with_user(user or self.salesperson).action_set_won()
        self._commit_point()
        return deal

    def _deliver(self):
        self.env["okr.webhook.delivery"]._cron_deliver()

    def _deliveries(self, webhook):
        return self.env["okr.webhook.delivery"].search(
            [("webhook_id", "=", webhook.id)], order="id"
        )

    def test_a_won_deal_is_delivered_signed(self):
        with Receiver() as receiver:
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            deal = self._win(2000.0)
            self.assertFalse(receiver.requests, "posted in the deal's transaction")
            self._deliver()
        self.assertEqual(len(receiver.requests), 1)
        request = receiver.requests[0]
        headers = request["headers"]
        self.assertTrue(
            signature.verify(
                SECRET, headers[signature.SIGNATURE_HEADER], request["body"]
            )
        )
        self.assertFalse(
            signature.verify(
                "another secret", headers[signature.SIGNATURE_HEADER], request["body"]
            )
        )
        self.assertFalse(
            signature.verify(
                SECRET, headers[signature.SIGNATURE_HEADER], request["body"] + b" "
            )
        )
        body = request["json"]
        self.assertEqual(body["schema"], "okr_sales.webhook")
        self.assertEqual(body["version"], 1)
        self.assertEqual(body["type"], "key_result.progress_changed")
        self.assertEqual(headers["X-OKR-Event-Id"], body["id"])
        self.assertEqual(body["key_result"]["id"], self.my_revenue.id)
        # the value a hand count of the won deals gives
        self.assertEqual(body["key_result"]["current_value"], 2000.0)
        self.assertEqual(body["key_result"]["progress"], 20.0)
        self.assertEqual(body["deal"]["id"], deal.id)
        self.assertEqual(body["deal"]["salesperson"], "Lan")
        self.assertIn("Lan won a deal of", body["text"])
        delivery = self._deliveries(webhook)
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(delivery.http_status, 200)
        self.assertEqual(delivery.attempts, 1)
        # delivered: a later run sends nothing again
        with Receiver() as again:
            webhook.url = again.url
            self._deliver()
        self.assertFalse(again.requests)

    def test_a_signature_replayed_later_does_not_verify(self):
        body = b'{"id": "x"}'
        header = signature.sign(SECRET, body, timestamp=1_000_000)
        self.assertTrue(signature.verify(SECRET, header, body, now=1_000_100))
        self.assertFalse(signature.verify(SECRET, header, body, now=1_000_400))
        self.assertFalse(signature.verify(SECRET, "v1=abc", body))

    def test_an_endpoint_failing_twice_receives_the_event_once_more(self):
        with (
            Receiver() as receiver,
            patch.object(sender, "retry_delay", return_value=0),
        ):
            receiver.answers = [500, 503]
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            self._win()
            self._deliver()
            delivery = self._deliveries(webhook)
            self.assertEqual(
                (delivery.state, delivery.attempts, delivery.http_status),
                ("queued", 1, 500),
            )
            self._deliver()
            self.assertEqual((delivery.attempts, delivery.http_status), (2, 503))
            self._deliver()
            self._deliver()  # nothing left
        self.assertEqual(
            [request["headers"]["X-OKR-Event-Id"] for request in receiver.requests],
            [delivery.event_uid] * 3,
        )
        self.assertEqual(
            (delivery.state, delivery.attempts, delivery.http_status),
            ("delivered", 3, 200),
        )

    def test_an_endpoint_down_leaves_the_event_queued_and_the_deal_won(self):
        webhook = self._webhook(closed_port_url())
        deal = self._win()
        self._deliver()
        self.assertEqual(deal.won_status, "won")
        self.assertEqual(self.my_revenue.current_value, 2000.0)
        deliveries = self._deliveries(webhook)
        self.assertTrue(deliveries)
        # the first one failed without an answer; the endpoint's others wait
        self.assertEqual(deliveries.mapped("state"), ["queued"] * len(deliveries))
        self.assertEqual(deliveries[0].attempts, 1)
        self.assertEqual(deliveries[0].http_status, 0)
        self.assertIn("ConnectionError", deliveries[0].last_error)
        self.assertEqual(deliveries[1:].mapped("attempts"), [0] * (len(deliveries) - 1))

    def test_a_delivery_that_keeps_failing_dies_and_a_manager_retries_it(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "okr_sales.webhook_max_attempts", "2"
        )
        with (
            Receiver() as receiver,
            patch.object(sender, "retry_delay", return_value=0),
        ):
            receiver.answers = [500, 500]
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            self._win()
            self._deliver()
            self._deliver()
            delivery = self._deliveries(webhook)
            self.assertEqual((delivery.state, delivery.attempts), ("dead", 2))
            self._deliver()
            self.assertEqual(len(receiver.requests), 2, "a dead delivery is not sent")
            with self.assertRaises(AccessError):
                delivery.with_user(self.salesperson).action_retry()
            delivery.with_user(self.director).action_retry()
            self._deliver()
        self.assertEqual(len(receiver.requests), 3)
        self.assertEqual(delivery.state, "delivered")

    def test_a_body_that_cannot_be_built_fails_that_delivery_only(self):
        with Receiver() as receiver:
            webhook = self._webhook(receiver.url)
            self._win()
            original = type(self.my_revenue)._okr_webhook_state

            def broken_for_mine(key_result):
                if key_result == self.my_revenue:
                    raise RuntimeError("cannot read the key result")
                return original(key_result)

            with (
                patch.object(
                    type(self.my_revenue), "_okr_webhook_state", broken_for_mine
                ),
                self.assertLogs(
                    "odoo.addons.okr_sales.models.okr_webhook_delivery", "ERROR"
                ),
            ):
                self._deliver()
        deliveries = self._deliveries(webhook)
        mine = deliveries.filtered(lambda d: d.key_result_id == self.my_revenue)
        self.assertEqual((mine.state, mine.attempts), ("queued", 1))
        self.assertIn("cannot read the key result", mine.last_error)
        self.assertEqual((deliveries - mine).mapped("state"), ["delivered"])
        self.assertEqual(
            [r["json"]["key_result"]["id"] for r in receiver.requests],
            [self.company_revenue.id],
        )

    def test_a_redirect_is_a_failure(self):
        with Receiver() as receiver:
            receiver.answers = [(302, {"Location": "https://elsewhere.example/"})]
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            self._win()
            self._deliver()
        delivery = self._deliveries(webhook)
        self.assertEqual((delivery.state, delivery.http_status), ("queued", 302))
        self.assertIn("elsewhere.example", delivery.last_error)
        self.assertEqual(len(receiver.requests), 1, "the redirect was not followed")

    def test_ten_quick_wins_coalesce(self):
        with Receiver() as receiver:
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            for _n in range(10):
                self._win(100.0)
                # each win its own transaction: what its commit leaves behind
                self.env.cr.postcommit.clear()
            self.assertEqual(len(self._deliveries(webhook)), 0)
            self._deliver()
        self.assertEqual(len(receiver.requests), 1)
        body = receiver.requests[0]["json"]
        self.assertEqual(body["coalesced"], 10)
        self.assertEqual(body["key_result"]["current_value"], 1000.0)
        deliveries = self._deliveries(webhook)
        self.assertEqual(
            sorted(deliveries.mapped("state")), ["delivered"] + ["superseded"] * 9
        )

    def test_a_rolled_back_transaction_sends_nothing(self):
        with Receiver() as receiver:
            webhook = self._webhook(receiver.url)
            events_before = self.env["okr.webhook.event"].search_count([])
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                self._win()
                self.assertGreater(
                    self.env["okr.webhook.event"].search_count([]), events_before
                )
                raise RuntimeError("the deal's transaction fails")
            self.assertEqual(
                self.env["okr.webhook.event"].search_count([]), events_before
            )
            self._deliver()
        self.assertFalse(receiver.requests)
        self.assertFalse(self._deliveries(webhook))

    def test_a_delivery_killed_midway_is_sent_again(self):
        post = sender.post

        def post_then_die(*args, **kwargs):
            post(*args, **kwargs)
            raise KeyboardInterrupt  # Odoo stopped before the commit

        with Receiver() as receiver:
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            self._win()
            # the scheduled action commits the fan-out before it posts
            self.env["okr.webhook.delivery"]._okr_fan_out()
            with (
                patch.object(sender, "post", post_then_die),
                self.assertRaises(KeyboardInterrupt),
                self.env.cr.savepoint(),
            ):
                self._deliver()
            self.env.invalidate_all()
            delivery = self._deliveries(webhook)
            self.assertEqual((delivery.state, delivery.attempts), ("queued", 0))
            self._deliver()  # after the restart
        self.assertEqual(len(receiver.requests), 2)
        self.assertEqual(
            receiver.requests[0]["json"]["id"], receiver.requests[1]["json"]["id"]
        )
        self.assertEqual(delivery.state, "delivered")

    def test_an_endpoint_down_does_not_hold_the_others(self):
        with Receiver() as receiver:
            down = self._webhook(closed_port_url(), name="Down")
            up = self._webhook(receiver.url, name="Up")
            self._win()
            self._deliver()
        self.assertEqual(set(self._deliveries(up).mapped("state")), {"delivered"})
        self.assertEqual(set(self._deliveries(down).mapped("state")), {"queued"})
        self.assertEqual(
            {request["json"]["key_result"]["id"] for request in receiver.requests},
            {self.my_revenue.id, self.company_revenue.id},
        )

    def test_a_slow_endpoint_does_not_hold_the_others(self):
        with (
            Receiver() as slow,
            Receiver() as fast,
            patch(
                f"{DELIVERY_MODULE}.ENDPOINT_SECONDS",
                1.2,  # one attempt of the slow one, not two
            ),
        ):
            slow.delay = 0.3
            slow_webhook = self._webhook(slow.url, name="Chat (slow)")  # its turn first
            self._webhook(fast.url, name="Intranet (fast)")
            self._win()
            self._deliver()
            # the slow one got its first delivery, then the fast one its turn
            self.assertEqual(len(slow.requests), 1)
            self.assertEqual(len(fast.requests), 2)
            self._deliver()  # the next run: the slow one's next delivery
        self.assertEqual(len(slow.requests), 2)
        self.assertEqual(
            set(self._deliveries(slow_webhook).mapped("state")), {"delivered"}
        )

    def test_filters(self):
        with Receiver() as receiver:
            self._webhook(receiver.url, level="department")
            self._webhook(receiver.url, on_progress=False)
            self._win()
            self._deliver()
        self.assertEqual(
            [request["json"]["key_result"]["id"] for request in receiver.requests],
            [self.company_revenue.id],
        )

    def test_a_check_in_is_delivered_as_a_chat_sentence(self):
        manual = self._new_key_result(self.my_objective, name="Meet 50 prospects")
        with Receiver() as receiver:
            self._webhook(
                receiver.url,
                payload_format="chat",
                on_progress=False,
                key_result_ids=manual.ids,
            )
            self.env["okr.checkin"].with_user(self.salesperson).create(
                {"key_result_id": manual.id, "value": 25.0}
            )
            self._commit_point()
            self._deliver()
        self.assertEqual(len(receiver.requests), 1)
        status = dict(manual._fields["status"]._description_selection(self.env))
        self.assertEqual(
            json.loads(receiver.requests[0]["body"]),
            {
                "text": "Lan checked in 25 - KR Meet 50 prospects: "
                f"25% ({status[manual.status]})"
            },
        )

    def test_a_chat_message_speaks_the_recipients_language(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"].search(
            [("name", "=", "okr_sales")]
        )._update_translations("vi_VN")
        with Receiver() as receiver:
            self._webhook(
                receiver.url,
                payload_format="chat",
                lang="vi_VN",
                key_result_ids=self.my_revenue.ids,
            )
            self._win(2000.0)
            self._deliver()
        vietnamese = self.my_revenue.with_context(lang="vi_VN")
        status = dict(
            vietnamese._fields["status"]._description_selection(vietnamese.env)
        )
        amount = vietnamese._okr_value_display(2000.0)
        self.assertEqual(
            receiver.requests[0]["json"],
            {
                "text": f"Lan đã chốt hợp đồng {amount} - KR Won revenue: 20% "
                f"({status[self.my_revenue.status]})"
            },
        )
        self.assertNotEqual(status["off_track"], "Off track")

    def _events_delivered(self, receiver):
        return sorted(
            (request["json"]["type"], request["json"]["key_result"]["id"])
            for request in receiver.requests
        )

    def test_a_status_change_and_an_achieved_key_result_are_told(self):
        manual = self._new_key_result(
            self.my_objective, name="Meet 50 prospects", target_value=50.0
        )
        before = manual.status
        self.assertNotEqual(before, "achieved")
        with Receiver() as receiver:
            self._webhook(
                receiver.url,
                on_progress=False,
                on_checkin=False,
                key_result_ids=manual.ids,
            )
            self._check_in(manual, 10.0, user_id=self.salesperson.id)
            self._commit_point()
            self.env.cr.postcommit.clear()  # its own transaction
            self._deliver()
            # a value that leaves the status as it was tells nothing
            status_after_first = manual.status
            told_first = self._events_delivered(receiver)
            self._check_in(manual, 50.0, user_id=self.salesperson.id)
            self._commit_point()
            self._deliver()
        self.assertEqual(manual.status, "achieved")
        expected = [("key_result.achieved", manual.id)]
        if status_after_first != before:
            self.assertEqual(told_first, [("key_result.status_changed", manual.id)])
        else:
            self.assertEqual(told_first, [])
        self.assertEqual(
            self._events_delivered(receiver)[len(told_first) :],
            sorted([*expected, ("key_result.status_changed", manual.id)]),
        )
        status_change = next(
            r["json"]
            for r in receiver.requests[len(told_first) :]
            if r["json"]["type"] == "key_result.status_changed"
        )
        self.assertEqual(status_change["previous_status"], status_after_first)
        self.assertEqual(status_change["key_result"]["status"], "achieved")

    def test_a_closed_period_and_an_alignment_warning_are_told(self):
        with Receiver() as receiver:
            webhook = self._webhook(
                receiver.url,
                on_progress=False,
                on_status=False,
                on_achieved=False,
                key_result_ids=(self.my_revenue | self.company_revenue).ids,
            )
            # Its salesperson aims higher than the company: flagged.
            self.my_revenue.parent_id = self.company_revenue
            self.my_revenue.target_value = 200000.0
            self._commit_point()
            self.assertTrue(self.company_revenue.has_alignment_warning)
            self.env.cr.postcommit.clear()
            self._deliver()
            self.assertIn(
                ("key_result.alignment_warning", self.company_revenue.id),
                self._events_delivered(receiver),
            )
            receiver.requests.clear()
            webhook.on_alignment = False
            wizard = self.env["okr.period.close"].create(
                {
                    "date_start": self.period_start,
                    "date_end": self.period_end,
                    "objective_ids": [
                        (6, 0, (self.department | self.my_objective).ids)
                    ],
                }
            )
            wizard.action_close()
            self._commit_point()
            self._deliver()
        self.assertEqual(
            self._events_delivered(receiver),
            sorted(
                [
                    ("key_result.period_closed", self.my_revenue.id),
                    ("key_result.period_closed", self.company_revenue.id),
                ]
            ),
        )
        closed = receiver.requests[0]["json"]
        self.assertIsNotNone(closed["key_result"]["closing_score"])

    def test_old_delivered_rows_are_purged(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "okr_sales.webhook_purge_days", "30"
        )
        with (
            Receiver() as receiver,
            patch.object(sender, "retry_delay", return_value=0),
        ):
            receiver.answers = [500]
            webhook = self._webhook(receiver.url)
            self._win()
            self._deliver()  # the first one fails, the others are delivered
            deliveries = self._deliveries(webhook)
            failed = deliveries.filtered(lambda d: d.state == "queued")
            delivered = deliveries - failed
            self.assertTrue(failed and delivered)
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE okr_webhook_delivery"
                " SET write_date = now() - interval '31 days' WHERE id IN %s",
                (tuple(deliveries.ids),),
            )
            self.env.invalidate_all()
            self.env["okr.webhook.delivery"]._okr_purge()
        self.assertEqual(
            self._deliveries(webhook), failed, "what is not delivered stays"
        )

    def test_urls_refused_at_save(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(ALLOW_PRIVATE_PARAM, "0")
        for url in (
            "ftp://example.com/hook",
            "javascript:alert(1)",
            "https://",
            "http://example.com/hook",  # plain http to another machine
            "https://10.1.2.3/hook",  # a private network
            "https://127.0.0.1/hook",
            "https://[::1]/hook",
            "https://169.254.169.254/latest/meta-data",  # a cloud's metadata
            "https://okr-sales.invalid/hook",  # resolves to nothing
        ):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self._webhook(url)
        webhook = self._webhook("https://8.8.8.8/hook")
        with self.assertRaises(ValidationError):
            webhook.url = "https://192.168.1.10/hook"
        params.set_param(ALLOW_PRIVATE_PARAM, "1")
        webhook.url = "https://192.168.1.10/hook"

    def test_webhooks_are_the_managers(self):
        webhook = self._webhook("https://8.8.8.8/hook")
        for user in (self.salesperson, self.leader):
            with self.subTest(user=user.name):
                with self.assertRaises(AccessError):
                    webhook.with_user(user).read(["url"])
                with self.assertRaises(AccessError):
                    self.env["okr.webhook"].with_user(user).create(
                        {"name": "Leak", "url": "https://8.8.8.8/x"}
                    )
                with self.assertRaises(AccessError):
                    self.env["okr.webhook.delivery"].with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.env["okr.webhook.event"].with_user(user).search([])
                with self.assertRaises(AccessError):
                    webhook.with_user(user).write({"url": "https://8.8.4.4/x"})
                with self.assertRaises(AccessError):
                    webhook.with_user(user).action_regenerate_secret()
                with self.assertRaises(AccessError):
                    webhook.with_user(user).unlink()
        self.assertEqual(webhook.url, "https://8.8.8.8/hook")
        manager = webhook.with_user(self.director)
        self.assertEqual(manager.secret, SECRET)
        # made by a manager without a secret: a random one, renewed on demand
        made = (
            self.env["okr.webhook"]
            .with_user(self.director)
            .create({"name": "Intranet", "url": "https://8.8.8.8/okr"})
        )
        first = made.secret
        self.assertGreaterEqual(len(first), 40)
        made.action_regenerate_secret()
        self.assertNotIn(made.secret, (first, SECRET))
        delivery_model = self.env["okr.webhook.delivery"].with_user(self.director)
        with self.assertRaises(AccessError):
            delivery_model.create(
                {"webhook_id": webhook.id, "event_uid": "x", "event_type": "progress"}
            )
        # the log is the scheduled action's: a manager reads it, writes nothing
        self._win()
        self._deliver()
        delivery = delivery_model.search([("webhook_id", "=", webhook.id)], limit=1)
        self.assertTrue(delivery)
        with self.assertRaises(AccessError):
            delivery.write({"state": "delivered"})
        with self.assertRaises(AccessError):
            delivery.unlink()

    # ------------------------------------------------------------------
    # An endpoint cannot stop the run (issue #22)
    # ------------------------------------------------------------------

    def test_a_trickling_endpoint_is_cut_at_the_deadline_and_not_repeated(self):
        with (
            Receiver() as receiver,
            patch.object(sender, "DEADLINE", 1.0),
        ):
            receiver.trickle = 0.2  # 200, then a byte at a time, never done
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            self._win()
            start = time.monotonic()
            self._deliver()
            elapsed = time.monotonic() - start
            delivery = self._deliveries(webhook)
            self.assertLess(elapsed, 1.0 + MARGIN)
            self.assertEqual((delivery.state, delivery.attempts), ("queued", 1))
            self.assertIn("Timeout", delivery.last_error)
            self.assertGreater(delivery.next_attempt_at, fields.Datetime.now())
            self._deliver()  # the next run: not due yet
        self.assertEqual(len(receiver.requests), 1)
        self.assertEqual(delivery.attempts, 1)

    def test_an_attempt_is_committed_before_it_is_posted(self):
        """A run killed while it posts (the server's time limit) leaves the
        attempt counted and its retry scheduled: no run repeats it at once."""
        committed = []
        delivery_model = type(self.env["okr.webhook.delivery"])

        def record_commit(records):
            records.env.flush_all()
            committed.append(
                records.env.execute_query(
                    SQL(
                        "SELECT attempts, next_attempt_at > now() AT TIME ZONE 'UTC'"
                        " FROM okr_webhook_delivery WHERE webhook_id = %s",
                        webhook.id,
                    )
                )
            )

        def post_then_die(*args, **kwargs):
            raise KeyboardInterrupt  # killed while it posts

        with Receiver() as receiver:
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            self._win()
            with (
                patch.object(delivery_model, "_okr_commit", record_commit),
                patch.object(sender, "post", post_then_die),
                self.assertRaises(KeyboardInterrupt),
            ):
                self._deliver()
        self.assertEqual(committed[-1], [(1, True)], "counted, retried later")

    def test_a_run_stops_within_its_budget_and_wakes_the_next(self):
        cron = self.env.ref("okr_sales.ir_cron_okr_webhook_deliver")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        with (
            Receiver() as first,
            Receiver() as second,
            patch.object(sender, "DEADLINE", 1.0),
            patch.dict(
                config.options, {"limit_time_real_cron": 3, "limit_time_real": 120}
            ),
        ):
            first.trickle = second.trickle = 0.2
            webhooks = self._webhook(first.url, name="A") | self._webhook(
                second.url, name="B"
            )
            self._win()
            run_seconds = self.env["okr.webhook.delivery"]._okr_run_seconds()
            self.assertEqual(run_seconds, 1.5, "half the cron's time limit")
            start = time.monotonic()
            self._deliver()
            elapsed = time.monotonic() - start
        self.assertLess(elapsed, run_seconds + MARGIN)
        attempts = (
            self.env["okr.webhook.delivery"]
            .search([("webhook_id", "in", webhooks.ids)])
            .mapped("attempts")
        )
        self.assertEqual(sorted(attempts)[-1], 1)
        self.assertIn(0, attempts, "left for the next run")
        woken = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertGreater(len(woken - triggers), 0, "the next run is asked for")

    def test_the_run_budget_follows_the_cron_time_limit(self):
        model = self.env["okr.webhook.delivery"]
        for cron_limit, limit, expected in (
            (-1, 120, 60),  # the default: the request's limit
            (300, 120, 150),
            (0, 90, 45),  # no limit of its own: the request's (threaded server)
            (0, 0, 60),  # no limit at all: as if the default
        ):
            with (
                self.subTest(cron_limit=cron_limit, limit=limit),
                patch.dict(
                    config.options,
                    {"limit_time_real_cron": cron_limit, "limit_time_real": limit},
                ),
            ):
                self.assertEqual(model._okr_run_seconds(), expected)

    def test_the_address_checked_is_the_one_connected(self):
        """A name that resolves elsewhere after the check (DNS rebinding) is
        not followed: the delivery connects to the address checked."""
        real_getaddrinfo = socket.getaddrinfo
        answers = []

        def rebinding(host, port, *args, **kwargs):
            if host != "localhost":
                return real_getaddrinfo(host, port, *args, **kwargs)
            # first the receiver's address, then one where nothing listens
            address = "127.0.0.1" if not answers else "127.0.0.2"
            answers.append(address)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        with Receiver() as receiver:
            url = f"http://localhost:{receiver.port}/hook"
            webhook = self._webhook(url, key_result_ids=self.my_revenue.ids)
            self._win()
            with patch("socket.getaddrinfo", rebinding):
                self._deliver()
        self.assertEqual(answers, ["127.0.0.1"], "resolved once, when checked")
        self.assertEqual(self._deliveries(webhook).state, "delivered")
        self.assertEqual(
            receiver.requests[0]["headers"]["Host"], f"localhost:{receiver.port}"
        )

    def test_chat_names_cannot_mention_or_link(self):
        manual = self._new_key_result(
            self.my_objective, name="<!channel> <https://evil.example|Click> & co"
        )
        self.salesperson.name = "Lan <@U123> @here"
        with Receiver() as receiver:
            self._webhook(
                receiver.url,
                payload_format="chat",
                on_progress=False,
                key_result_ids=manual.ids,
            )
            json_webhook = self._webhook(
                receiver.url, on_progress=False, key_result_ids=manual.ids
            )
            self.env["okr.checkin"].with_user(self.salesperson).create(
                {"key_result_id": manual.id, "value": 25.0}
            )
            self._commit_point()
            self._deliver()
        status = dict(manual._fields["status"]._description_selection(self.env))
        chat, signed = sorted(
            receiver.requests, key=lambda r: "schema" in (r["json"] or {})
        )
        self.assertEqual(
            chat["json"]["text"],
            "Lan &lt;@\u200bU123&gt; @\u200bhere checked in 25 - KR &lt;!channel&gt; "
            "&lt;https://evil.example|Click&gt; &amp; co: "
            f"25% ({status[manual.status]})",
        )
        # the signed JSON carries the names as they are, and says which
        self.assertEqual(signed["json"]["key_result"]["name"], manual.name)
        self.assertTrue(json_webhook)

    def test_chat_escape_leaves_words_and_no_markup(self):
        for name, escaped in (
            ("<!here> <!channel> <!everyone>", "&lt;!here&gt; &lt;!channel&gt; "
             "&lt;!everyone&gt;"),
            ("<@U123> <#C42|sales>", "&lt;@\u200bU123&gt; &lt;#C42|sales&gt;"),
            ("@channel @here @everyone", "@\u200bchannel @\u200bhere @\u200beveryone"),
            ("R&D <b>", "R&amp;D &lt;b&gt;"),
            ("lan@example.com, 2 @ 5%", "lan@example.com, 2 @ 5%"),
            ("Doanh thu B2B", "Doanh thu B2B"),
        ):  # fmt: skip
            with self.subTest(name):
                self.assertEqual(payload.chat_escape(name), escaped)

    def test_a_delivery_dies_after_the_readme_s_attempts_and_delays(self):
        """README, "Retried": 15 to 30 s, then twice as long each time, up to a
        day; after 8 attempts the delivery is dead."""
        with Receiver() as receiver:
            receiver.answers = [500] * 8
            webhook = self._webhook(receiver.url, key_result_ids=self.my_revenue.ids)
            self._win()
            delivery = self.env["okr.webhook.delivery"]
            for attempt in range(1, 9):
                self._deliver()
                delivery = self._deliveries(webhook)
                self.assertEqual(delivery.attempts, attempt)
                if attempt == 8:
                    break
                self.assertEqual(delivery.state, "queued")
                waited = (
                    delivery.next_attempt_at - delivery.last_attempt_at
                ).total_seconds()
                # whole seconds in the database: one either side
                self.assertGreaterEqual(waited, 15 * 2 ** (attempt - 1) - 1)
                self.assertLessEqual(waited, 30 * 2 ** (attempt - 1) + 1)
                delivery.sudo().write(
                    {"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)}
                )
        self.assertEqual(delivery.state, "dead")
        self.assertEqual(len(receiver.requests), 8)
