"""A real HTTP endpoint for the webhook tests: a server thread on localhost
that records what it receives and answers with the statuses it is told.
"""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """``with Receiver() as receiver``: ``receiver.url``; ``receiver.answers``
    the statuses of the next requests (200 once they run out, or a
    ``(status, headers)`` pair); ``receiver.delay`` seconds before each
    answer; ``receiver.requests`` what came:
    ``{"path", "headers", "body" (bytes), "json"}``."""

    def __init__(self):
        self.answers = []
        self.requests = []
        self.delay = 0.0  # seconds before each answer: a slow endpoint
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
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass  # quiet test output

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
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
