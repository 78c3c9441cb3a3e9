"""Webhooks, how it is delivered: signed bodies posted by the scheduled
action's method to a real HTTP server on localhost (``webhook_receiver``),
not a mock of ``requests``; retries, failures, redirects, slow and dead
endpoints, deadlines and the run's time budget.
"""

import socket
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL, config

from ..webhook import sender, signature
from .webhook_common import DELIVERY_MODULE, MARGIN, SECRET, WebhookCase
from .webhook_receiver import Receiver, closed_port_url


@tagged("post_install", "-at_install")
class TestWebhookDelivery(WebhookCase):
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
