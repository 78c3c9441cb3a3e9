"""Which endpoints a webhook may call.

An http(s) URL with a host; plain http only to this machine (a local
receiver, a test); and, unless the setting allows it, no host that
resolves to a private, loopback, link-local or otherwise reserved address,
nor to an IPv6 address that carries an IPv4 one (NAT64, 6to4, Teredo,
IPv4-mapped...: the network hands it to that IPv4 address, which may be
private): a webhook must not make Odoo probe its own network. Checked at
save, and again before each delivery, which connects to the addresses
checked then (``check`` returns them), not to what the name resolves to a
moment later.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# IPv6 ranges that carry an IPv4 address. Refused whole rather than judged
# by the IPv4 address inside: a translator or relay decides where it goes.
IPV4_IN_IPV6 = tuple(
    ipaddress.ip_network(network)
    for network in (
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "2001::/32",  # Teredo
        "2002::/16",  # 6to4
    )
)


class RefusedURL(ValueError):
    """Why a URL is refused; ``code`` tells which reason (see ``check``)."""

    def __init__(self, code, host=""):
        super().__init__(code, host)
        self.code = code
        self.host = host


def check(url, allow_private=False, resolve=None):
    """Raise ``RefusedURL`` if ``url`` may not be called: ``scheme`` (not
    http or https, or no host), ``plain_http`` (http to another machine),
    ``unresolved`` (the host resolves to nothing), ``private`` (it resolves
    to an address of a private network), ``tunnel`` (to an IPv6 address
    carrying an IPv4 one), the last two unless ``allow_private``.

    Returns the addresses the host resolved to, all checked: the ones to
    connect to."""
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
    resolve = resolve or socket.getaddrinfo
    try:
        infos = resolve(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedURL("unresolved", host) from None
    # in the resolver's order of preference, each once
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise RefusedURL("unresolved", host)
    if not allow_private:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not ip.is_global:
                raise RefusedURL("private", host)
            if ip.version == 6 and any(ip in net for net in IPV4_IN_IPV6):
                raise RefusedURL("tunnel", host)
    return addresses
