"""Post one delivery, and when to try again.

The connection goes to an address ``url.check`` returned (checked, not
resolved again: a name cannot point elsewhere in between), keeping the URL's
name for the Host header and, over https, for SNI and the certificate's
verification. No proxy (it would resolve the name itself), no redirect
followed (a 3xx is a failure: the endpoint moved, someone must look), TLS
verified. It posts with ``requests``, through an adapter whose connection
pools connect to the checked address for the URL's name.

An attempt has one wall-clock deadline, all included: connecting, sending,
and the answer to its last byte. A socket timeout bounds each read, not
their sum (an endpoint sending a byte every few seconds never trips it), so
a watchdog shuts the socket down when time is up and the blocked read
returns at once. Only a 2xx received whole marks a delivery as delivered.

Retries back off exponentially with jitter, so that endpoints coming back up
are not hit by every Odoo at the same second.
"""

import contextlib
import random
import socket
import threading
import time
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urlsplit

import certifi
import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError, MaxRetryError
from urllib3.exceptions import ProtocolError as Urllib3ProtocolError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeoutError
from urllib3.exceptions import SSLError as Urllib3SSLError

# Seconds an attempt may take, from connecting to the answer's last byte.
DEADLINE = 5
# Bytes of the answer read: a receiver has nothing more to say to us.
MAX_ANSWER = 64 * 1024
CHUNK = 4096
# First retry after 15 to 30 seconds, then twice as long each time, up to a
# day.
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


def post(url, body, headers, addresses, seconds=DEADLINE, ca_certs=None):
    """POST ``body`` (bytes) to ``url`` at one of ``addresses`` (those
    ``url.check`` returned, tried in turn while none accepts a connection),
    within ``seconds`` in all; never raises. ``ca_certs``: the certificates
    trusted, Mozilla's (certifi, as ``requests``) by default."""
    start = time.monotonic()
    end = start + seconds
    outcome = Outcome(False, 0, 0, "ConnectionError: no address to connect to")
    for address in addresses:
        outcome = _post_to(address, url, body, headers, end, seconds, ca_certs)
        outcome = Outcome(
            outcome.delivered, outcome.status, _elapsed(start), outcome.error
        )
        if outcome.status or time.monotonic() >= end:
            break
        if not outcome.error.startswith("ConnectionError"):
            break  # connected, then failed: another address is no better
    return outcome


def retry_delay(attempts, rand=random.random):
    """Seconds before the next attempt, after ``attempts`` failed ones:
    exponential, capped, with full jitter over its upper half."""
    ceiling = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return ceiling / 2 + rand() * ceiling / 2


# ----------------------------------------------------------------------
# One address
# ----------------------------------------------------------------------


def _post_to(address, url, body, headers, end, seconds, ca_certs):
    parts = urlsplit(url)
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    request_headers = {
        # http.client would name the pool's host, the address, instead
        "Host": f"{name}:{parts.port}" if parts.port else name,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **headers,
    }
    watchdog = _Watchdog(end)
    session = requests.Session()
    session.trust_env = False  # no proxy nor CA bundle from the environment
    adapter = PinnedAdapter(address, watchdog)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    status = 0
    response = None
    try:
        left = max(end - time.monotonic(), 0.001)
        response = session.post(
            url,
            data=body,
            headers=request_headers,
            timeout=left,  # to connect, and for each read
            allow_redirects=False,
            stream=True,
            verify=ca_certs or certifi.where(),
        )
        status = response.status_code
        _drain(response.raw, end, watchdog)
    except (requests.RequestException, HTTPError, HTTPException, OSError) as error:
        return Outcome(False, status, 0, _describe(error, watchdog, seconds))
    finally:
        watchdog.stop()
        if response is not None:
            response.close()
        session.close()
    if 200 <= status < 300:
        return Outcome(True, status, 0)
    reason = response.reason or ""
    if 300 <= status < 400:
        reason = f"redirected to {response.headers.get('Location', '?')}"
    return Outcome(False, status, 0, reason[:200])


def _drain(raw, end, watchdog):
    """Read the answer to its end, or MAX_ANSWER bytes, before ``end``.
    Raw bytes, not decoded: their content does not matter, and a small
    compressed answer cannot inflate in memory. An answer that ends when
    the watchdog has fired, or shorter than it said, was cut."""
    received = 0
    while received < MAX_ANSWER:
        chunk = raw.read(CHUNK, decode_content=False)
        if not chunk:
            break
        received += len(chunk)
        if time.monotonic() >= end:
            raise TimeoutError
    if watchdog.fired:
        raise TimeoutError  # its end may be the watchdog's cut
    if received < MAX_ANSWER and raw.length_remaining:
        raise Urllib3ProtocolError(f"answer cut {raw.length_remaining} bytes short")


def _describe(error, watchdog, seconds):
    """The error as the delivery log shows it: ``<kind>: <detail>``. The
    detail is that of the urllib3 error ``requests`` wraps, without its
    "Max retries exceeded" (none are made)."""
    if watchdog.fired or isinstance(error, TimeoutError):
        return f"Timeout: no whole answer within {seconds:g} s"
    cause = _cause(error)
    if isinstance(error, requests.exceptions.SSLError | Urllib3SSLError):
        kind = "SSLError"
    elif isinstance(error, requests.Timeout | Urllib3ReadTimeoutError):
        kind = "Timeout"
    elif isinstance(cause, Urllib3ProtocolError | HTTPException):
        # connected, then dropped or garbled: another address is no better
        kind = "ProtocolError"
    elif isinstance(error, requests.ConnectionError | OSError):
        kind = "ConnectionError"
    else:
        kind = "ProtocolError"
    return f"{kind}: {cause}"[:200]


def _cause(error):
    """The error under a ``requests`` one: its first argument, and the
    reason of a urllib3 ``MaxRetryError``."""
    cause = error
    if isinstance(error, requests.RequestException) and error.args:
        if isinstance(error.args[0], Exception):
            cause = error.args[0]
    if isinstance(cause, MaxRetryError) and cause.reason is not None:
        cause = cause.reason
    return cause


def _elapsed(start):
    return int((time.monotonic() - start) * 1000)


class _Watchdog:
    """Shuts the connection's socket down at ``end`` (monotonic): a read
    blocked on it returns at once, whatever the socket's timeout.

    It holds a duplicate of the socket (its own file descriptor, closed by
    ``stop``): shutting down acts on the connection both share, and never on
    a descriptor the process has closed and reused meanwhile."""

    def __init__(self, end):
        self.fired = False
        self._socket = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(end - time.monotonic(), 0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock):
        with self._lock:
            self._socket = sock.dup()
            if self.fired:
                self._shutdown()

    def stop(self):
        self._timer.cancel()
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None

    def _fire(self):
        with self._lock:
            self.fired = True
            if self._socket is not None:
                self._shutdown()

    def _shutdown(self):
        with contextlib.suppress(OSError):  # already closed by its side
            self._socket.shutdown(socket.SHUT_RDWR)


class _WatchedConnection:
    """A urllib3 connection whose socket its watchdog can cut (mixin)."""

    def __init__(self, *args, watchdog, **kwargs):
        self.watchdog = watchdog
        super().__init__(*args, **kwargs)

    def _new_conn(self):
        sock = super()._new_conn()
        self.watchdog.watch(sock)  # before TLS: a trickled handshake is cut too
        return sock


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class PinnedAdapter(HTTPAdapter):
    """A ``requests`` adapter whose pool connects to ``address`` for any
    URL, named as the URL's host for SNI and the certificate's check, its
    socket watched by ``watchdog``. ``requests`` sets the certificates
    trusted on it (``cert_verify``, from ``verify``). For one request: a
    session never follows a redirect here."""

    def __init__(self, address, watchdog):
        super().__init__()
        self.address = address
        self.watchdog = watchdog
        self._pool = None

    def get_connection(self, url, proxies=None):
        # requests < 2.32; proxies: none, the session ignores the environment
        if self._pool is None:
            self._pool = self._new_pool(url)
        return self._pool

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        # requests >= 2.32
        return self.get_connection(request.url, proxies)

    def close(self):
        if self._pool is not None:
            self._pool.close()
        return super().close()

    def _new_pool(self, url):
        parts = urlsplit(url)
        options = {"watchdog": self.watchdog, "maxsize": 1, "retries": False}
        if parts.scheme == "https":
            return _WatchedHTTPSPool(
                self.address,
                parts.port or 443,
                server_hostname=parts.hostname,
                assert_hostname=parts.hostname,
                **options,
            )
        return _WatchedHTTPPool(self.address, parts.port or 80, **options)
