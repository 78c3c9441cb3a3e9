"""Which endpoints a webhook may call.

An http(s) URL with a host; plain http only to this machine (a local
receiver, a test); and, unless the setting allows it, no host that
resolves to a private, loopback, link-local or otherwise reserved address:
a webhook must not make Odoo probe its own network. Checked at save, and
again before each delivery (a name may resolve elsewhere later).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class RefusedURL(ValueError):
    """Why a URL is refused; ``code`` tells which reason (see ``check``)."""

    def __init__(self, code, host=""):
        super().__init__(code, host)
        self.code = code
        self.host = host


def check(url, allow_private=False, resolve=socket.getaddrinfo):
    """Raise ``RefusedURL`` if ``url`` may not be called: ``scheme`` (not
    http or https, or no host), ``plain_http`` (http to another machine),
    ``unresolved`` (the host resolves to nothing), ``private`` (it resolves
    to an address of a private network, and ``allow_private`` is off)."""
    try:
        parts = urlsplit(url or "")
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise RefusedURL("scheme") from None
    if parts.scheme not in ("http", "https") or not host:
        raise RefusedURL("scheme")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise RefusedURL("plain_http", host)
    try:
        infos = resolve(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedURL("unresolved", host) from None
    addresses = {info[4][0] for info in infos}
    if not addresses:
        raise RefusedURL("unresolved", host)
    if allow_private:
        return
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise RefusedURL("private", host)
