"""A real HTTP endpoint for the webhook tests: a server thread on localhost
that records what it receives and answers with the statuses it is told.
"""

import contextlib
import json
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests.common import _super_send  # requests' own Session.send

from ..webhook.sender import PinnedAdapter


class PinnedRequests:
    """Test case mixin: a webhook's request is sent as it is. Odoo's test
    harness lets requests reach localhost only, and lengthens their timeouts
    to 10 s; a webhook's goes to the address it was given (a receiver here)
    whatever its URL's name, and its deadline is under test."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if isinstance(s.get_adapter(r.url), PinnedAdapter):
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


class Receiver:
    """``with Receiver() as receiver``: ``receiver.url``; ``receiver.answers``
    the statuses of the next requests (200 once they run out, or a
    ``(status, headers)`` pair); ``receiver.delay`` seconds before each
    answer; ``receiver.trickle`` seconds before each byte of the answer
    (200, ``Content-Length: 1000``, one byte at a time: an endpoint that
    never quite finishes, or is silent after its headers when the seconds
    exceed the deadline); ``receiver.requests`` what came:
    ``{"path", "headers", "body" (bytes), "json"}``. ``Receiver(tls=(cert,
    key))`` serves https with that certificate."""

    def __init__(self, tls=None):
        self.answers = []
        self.requests = []
        self.delay = 0.0  # seconds before each answer: a slow endpoint
        self.trickle = 0.0  # seconds before each byte of the body: a trickling one
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    answer = receiver.answers.pop(0) if receiver.answers else 200
                    try:
                        data = json.loads(body)
                    except ValueError:
                        data = None
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": body,
                            "json": data,
                        }
                    )
                time.sleep(receiver.delay)
                if receiver.trickle:
                    self._trickle(receiver.trickle)
                    return
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _trickle(self, seconds):
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                # until the client gives up: what is under test
                with contextlib.suppress(OSError):
                    for _n in range(1000):
                        time.sleep(seconds)
                        self.wfile.write(b"x")
                        self.wfile.flush()

            def log_message(self, *args):
                pass  # quiet test output

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(
                self.server.socket, server_side=True
            )
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.port}/hook"
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="okr-webhook-receiver", daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)


def closed_port_url():
    """The URL of a port nothing listens on: an endpoint that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"


def self_signed_certificate(directory, hostname):
    """``(cert, key)`` paths of a certificate for ``hostname`` alone, made
    with the ``openssl`` command in ``directory``."""
    cert = f"{directory}/{hostname}.pem"
    key = f"{directory}/{hostname}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", f"/CN={hostname}",
         "-addext", f"subjectAltName=DNS:{hostname}"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key
