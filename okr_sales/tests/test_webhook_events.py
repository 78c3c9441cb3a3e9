"""Webhooks, what is told: the outbox written as the transaction commits
(coalesced, nothing from a rolled-back one, filtered), the events and their
chat sentences in the recipient's language, the purge, and who may manage
webhooks and which addresses they may have.
"""

import json
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..webhook import payload, sender
from ..webhook.events import ALLOW_PRIVATE_PARAM
from .webhook_common import SECRET, WebhookCase
from .webhook_receiver import Receiver


@tagged("post_install", "-at_install")
class TestWebhookEvents(WebhookCase):
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
                "text": f"Lan đạt một cơ hội {amount} - KR Won revenue: 20% "
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
        # a first status (the key result had none before any data) is no change
        if before and status_after_first != before:
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
