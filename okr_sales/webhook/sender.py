"""Post one delivery, and when to try again.

A short timeout, no redirect followed (a 3xx is a failure: the endpoint
moved, someone must look), TLS verified; only a 2xx marks a delivery as
delivered. Retries back off exponentially with jitter, so that endpoints
coming back up are not hit by every Odoo at the same second.
"""

import random
import time
from dataclasses import dataclass

import requests

# Seconds to connect, and then between bytes of the answer: a slow endpoint
# costs the scheduled action about this much, per delivery.
TIMEOUT = 5
# First retry after about this many seconds, then twice as long each time,
# up to a day.
BACKOFF_BASE = 30
BACKOFF_MAX = 24 * 3600
USER_AGENT = "okr_sales-webhook/1"


@dataclass(frozen=True)
class Outcome:
    """What an attempt gave: ``delivered`` (a 2xx), the HTTP status (0 when
    no answer came), the latency in milliseconds and the error, if any."""

    delivered: bool
    status: int
    latency_ms: int
    error: str = ""


def post(url, body, headers, session=None):
    """POST ``body`` (bytes) to ``url``; never raises."""
    session = session or requests
    start = time.monotonic()
    try:
        response = session.post(
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **headers,
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return Outcome(False, 0, _elapsed(start), f"{type(error).__name__}: {error}")
    latency = _elapsed(start)
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code, latency)
    reason = response.reason or ""
    if 300 <= response.status_code < 400:
        reason = f"redirected to {response.headers.get('Location', '?')}"
    return Outcome(False, response.status_code, latency, reason[:200])


def retry_delay(attempts, rand=random.random):
    """Seconds before the next attempt, after ``attempts`` failed ones:
    exponential, capped, with full jitter over its upper half."""
    ceiling = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return ceiling / 2 + rand() * ceiling / 2


def _elapsed(start):
    return int((time.monotonic() - start) * 1000)
