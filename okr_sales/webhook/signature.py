"""The signature of a webhook delivery, as Stripe and GitHub sign theirs.

Header ``X-OKR-Signature: t=<unix time>,v1=<hex>``, where ``<hex>`` is the
HMAC-SHA256, keyed with the webhook's secret, of ``"<t>." + body`` (the raw
bytes of the body). The receiver recomputes it over the body it received,
compares in constant time, and refuses a timestamp older than its
tolerance: a delivery replayed later does not verify.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-OKR-Signature"
# How old a signature a receiver accepts, by default.
DEFAULT_TOLERANCE = 300


def sign(secret, body, timestamp=None):
    """The header value signing ``body`` (bytes) now, or at ``timestamp``."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    digest = _digest(secret, timestamp, body)
    return f"t={timestamp},v1={digest}"


def verify(secret, header, body, tolerance=DEFAULT_TOLERANCE, now=None):
    """Whether ``header`` signs ``body`` with ``secret``, at most
    ``tolerance`` seconds ago."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        expected = parts["v1"]
    except (AttributeError, KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(_digest(secret, timestamp, body), expected)


def _digest(secret, timestamp, body):
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
