"""Posting one delivery (``webhook.sender``), without Odoo's models: the
retry schedule the README states, the wall-clock deadline of an attempt,
and the connection to the address that was checked, to a real HTTP server
on localhost (``webhook_receiver``)."""

import shutil
import tempfile
import time
from unittest import skipUnless

from odoo.tests import BaseCase

from ..webhook import sender
from .webhook_receiver import PinnedRequests, Receiver, self_signed_certificate

# What the README promises ("Retried"): 15 to 30 s, then twice as long each
# time, up to a day, with jitter.
FIRST_RETRY = (15, 30)
LONGEST_RETRY = 24 * 3600
# Slack for the test machine: the bound is the deadline, not a benchmark.
MARGIN = 1.0


class TestWebhookSender(PinnedRequests, BaseCase):
    def test_retries_back_off_as_the_readme_says(self):
        low, high = FIRST_RETRY
        for attempts in range(1, 20):
            with self.subTest(attempts=attempts):
                ceiling = min(LONGEST_RETRY, high * 2 ** (attempts - 1))
                floor = min(LONGEST_RETRY / 2, low * 2 ** (attempts - 1))
                self.assertEqual(sender.retry_delay(attempts, rand=lambda: 0.0), floor)
                self.assertEqual(
                    sender.retry_delay(attempts, rand=lambda: 1.0), ceiling
                )
        self.assertEqual(sender.retry_delay(8, rand=lambda: 1.0), 30 * 2**7)
        self.assertEqual(sender.retry_delay(30, rand=lambda: 1.0), LONGEST_RETRY)
        # jitter: two Odoos retrying the same endpoint do not do it together
        delays = {sender.retry_delay(3) for _n in range(20)}
        self.assertGreater(len(delays), 1)
        self.assertTrue(all(60 <= delay <= 120 for delay in delays))

    def test_a_trickling_answer_is_cut_at_the_deadline(self):
        with Receiver() as receiver:
            receiver.trickle = 0.2  # each byte well within a socket timeout
            start = time.monotonic()
            outcome = sender.post(receiver.url, b"{}", {}, ("127.0.0.1",), seconds=1.0)
            elapsed = time.monotonic() - start
        self.assertFalse(outcome.delivered)
        self.assertIn("Timeout", outcome.error)
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertLess(elapsed, 1.0 + MARGIN)
        self.assertEqual(len(receiver.requests), 1)

    def test_an_answer_silent_after_its_headers_is_not_delivered(self):
        with Receiver() as receiver:
            receiver.trickle = 30  # a 200 and its headers, then nothing
            start = time.monotonic()
            outcome = sender.post(receiver.url, b"{}", {}, ("127.0.0.1",), seconds=1.0)
            elapsed = time.monotonic() - start
        self.assertFalse(outcome.delivered)
        self.assertIn("Timeout", outcome.error)
        self.assertLess(elapsed, 1.0 + MARGIN)

    def test_an_answer_within_the_deadline_is_delivered(self):
        with Receiver() as receiver:
            outcome = sender.post(
                receiver.url, b'{"a": 1}', {"X-Test": "1"}, ("127.0.0.1",), seconds=2
            )
        self.assertEqual((outcome.delivered, outcome.status), (True, 200))
        self.assertEqual(receiver.requests[0]["json"], {"a": 1})
        self.assertEqual(receiver.requests[0]["headers"]["X-Test"], "1")

    @skipUnless(shutil.which("openssl"), "makes its certificates with openssl")
    def test_https_is_verified_for_the_name_at_the_checked_address(self):
        with tempfile.TemporaryDirectory() as directory:
            good = self_signed_certificate(directory, "hooks.okr.test")
            other = self_signed_certificate(directory, "other.okr.test")
            with Receiver(tls=good) as receiver:
                url = f"https://hooks.okr.test:{receiver.port}/hook"
                outcome = sender.post(
                    url, b"{}", {}, ("127.0.0.1",), seconds=5, ca_certs=good[0]
                )
                self.assertTrue(outcome.delivered, outcome.error)
                self.assertEqual(
                    receiver.requests[0]["headers"]["Host"],
                    f"hooks.okr.test:{receiver.port}",
                )
                # trusted for another name only: refused
                refused = sender.post(
                    url, b"{}", {}, ("127.0.0.1",), seconds=5, ca_certs=other[0]
                )
                self.assertFalse(refused.delivered)
                self.assertIn("SSLError", refused.error)
                # the machine's trust store does not know it
                unknown = sender.post(url, b"{}", {}, ("127.0.0.1",), seconds=5)
                self.assertFalse(unknown.delivered)
                self.assertEqual(len(receiver.requests), 1)
