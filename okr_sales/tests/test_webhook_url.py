"""Which endpoints a webhook may call (``webhook.url``), without Odoo."""

import socket

from odoo.tests import BaseCase

from ..webhook import url as webhook_url

# IPv6 addresses that carry an IPv4 one (169.254.169.254, a cloud's metadata
# service, or a public one): the network translates or tunnels them to it.
EMBEDDING_IPV4 = {
    "NAT64": "64:ff9b::a9fe:a9fe",
    "NAT64, local use": "64:ff9b:1::a9fe:a9fe",
    "6to4": "2002:a9fe:a9fe::",
    "6to4 of a public address": "2002:808:808::1",
    "Teredo": "2001:0:4136:e378:8000:63bf:5601:5656",
    "IPv4-mapped": "::ffff:a9fe:a9fe",
    "IPv4-mapped, public": "::ffff:808:808",
    "IPv4-compatible": "::a9fe:a9fe",
    "IPv4-translated": "::ffff:0:a9fe:a9fe",
}
PRIVATE = ("10.1.2.3", "127.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
           "192.168.1.10", "::1", "fe80::1", "fc00::1")  # fmt: skip


def resolving_to(address):
    """A resolver that answers ``address`` for every name."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def resolve(host, port, **_kwargs):
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


class TestWebhookURL(BaseCase):
    def test_ipv6_addresses_embedding_ipv4_are_refused(self):
        for name, address in EMBEDDING_IPV4.items():
            with self.subTest(name):
                with self.assertRaises(webhook_url.RefusedURL) as refused:
                    webhook_url.check(f"https://[{address}]/hook")
                self.assertIn(refused.exception.code, ("private", "tunnel"))
                # a public name resolving to it, the same
                with self.assertRaises(webhook_url.RefusedURL):
                    webhook_url.check(
                        "https://hooks.example.com/x", resolve=resolving_to(address)
                    )
                # the setting lets a private network's endpoints be called
                webhook_url.check(f"https://[{address}]/hook", allow_private=True)

    def test_public_addresses_are_called_and_returned(self):
        for address in ("8.8.8.8", "2606:4700:4700::1111"):
            with self.subTest(address):
                self.assertEqual(
                    webhook_url.check(
                        "https://hooks.example.com/x", resolve=resolving_to(address)
                    ),
                    (address,),
                    "the addresses checked: the ones to connect to",
                )

    def test_private_ipv4_addresses_are_refused(self):
        for address in PRIVATE:
            with self.subTest(address), self.assertRaises(webhook_url.RefusedURL):
                webhook_url.check(
                    "https://hooks.example.com/x", resolve=resolving_to(address)
                )
