"""Webhook URLs against server-side request forgery (issue 16): every refused class, at subscription (422 over
HTTP) and at delivery (DNS rebinding: the same name now resolving to a private address is not called)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.storage.models import User, WebhookDelivery, utcnow
from api.usecases import webhook_urls, webhooks
from api.usecases.webhook_urls import UnsafeWebhookUrl, check
from tests.api.helpers import certified
from tests.api.test_webhooks_http import Subscriber


def fixed(*addresses: str) -> webhook_urls.Resolver:
    """A resolver that answers these addresses for any name (a DNS name that resolves there)."""
    return lambda host, port: list(addresses)


REFUSED = [
    # (url, resolver or None for the system's, the class named in the message)
    ("http://127.0.0.1/hook", None, "loopback"),
    ("http://localhost:8080/hook", None, "loopback"),
    ("http://[::1]/hook", None, "loopback"),
    ("http://2130706433/hook", None, "loopback"),  # decimal form of 127.0.0.1
    ("http://0177.0.0.1/hook", None, "loopback"),  # octal form
    ("http://0x7f.1/hook", None, "loopback"),  # hex, short form
    ("http://[::ffff:127.0.0.1]/hook", None, "loopback (IPv4 127.0.0.1 inside IPv6)"),
    ("http://[::ffff:10.0.0.5]/hook", None, "private (IPv4 10.0.0.5 inside IPv6)"),
    ("http://10.1.2.3/hook", None, "private"),
    ("http://172.16.0.1/hook", None, "private"),
    ("http://192.168.1.1/hook", None, "private"),
    ("http://[fd12:3456::1]/hook", None, "private"),
    ("http://100.64.0.1/hook", None, "not globally routable"),  # shared address space (CGNAT)
    ("http://169.254.169.254/latest/meta-data/", None, "metadata"),
    ("http://100.100.100.200/", None, "metadata"),  # Alibaba Cloud metadata
    ("http://[fd00:ec2::254]/", None, "metadata"),  # AWS metadata over IPv6
    ("http://169.254.1.1/hook", None, "link-local"),
    ("http://[fe80::1]/hook", None, "link-local"),
    ("http://224.0.0.1/hook", None, "multicast"),
    ("http://[ff02::1]/hook", None, "multicast"),
    ("http://240.0.0.1/hook", None, "reserved"),
    ("http://0.0.0.0/hook", None, "unspecified"),
    ("http://[::]/hook", None, "unspecified"),
    ("http://[64:ff9b::a00:1]/hook", None, "private (IPv4 10.0.0.1 inside IPv6)"),  # NAT64 of 10.0.0.1
    ("https://hooks.example.test/h", fixed("93.184.216.34", "10.0.0.7"), "private"),  # one bad answer is enough
    ("https://rebind.example.test/h", fixed("192.168.0.10"), "private"),
    ("https://v6.example.test/h", fixed("::1"), "loopback"),
]


@pytest.mark.parametrize("url,resolver,kind", REFUSED, ids=[u for u, _, _ in REFUSED])
def test_non_public_addresses_are_refused(url: str, resolver: webhook_urls.Resolver | None, kind: str) -> None:
    with pytest.raises(UnsafeWebhookUrl) as refused:
        check(url, resolve=resolver or webhook_urls.system_resolver)
    assert f"a {kind} address" in refused.value.message


@pytest.mark.parametrize("url,reason", [
    ("ftp://hooks.example.test/h", "scheme must be http or https"),
    ("file:///etc/passwd", "scheme must be http or https"),
    ("gopher://127.0.0.1:6379/_INFO", "scheme must be http or https"),
    ("https://user:secret@hooks.example.test/h", "credentials in the URL"),
    ("https://token@hooks.example.test/h", "credentials in the URL"),
    ("https:///path-only", "no host"),
    ("http://hooks.example.test:99999/h", "out of range"),
])
def test_schemes_credentials_and_malformed_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeWebhookUrl) as refused:
        check(url, resolve=fixed("93.184.216.34"))
    assert reason in refused.value.message


def test_a_public_address_passes_and_is_the_address_connected_to() -> None:
    target = check("https://Hooks.Example.test:8443/h?x=1", resolve=fixed("93.184.216.34"))
    assert (target.host, target.port, target.address, target.scheme) == ("hooks.example.test", 8443,
                                                                         "93.184.216.34", "https")
    assert check("http://[2606:4700::1111]/h", resolve=fixed("2606:4700::1111")).port == 80


def test_loopback_only_when_the_setting_allows_it_and_never_private_or_metadata() -> None:
    assert check("http://127.0.0.1:9/h", allow_loopback=True).address == "127.0.0.1"
    assert check("http://[::1]:9/h", allow_loopback=True).address == "::1"
    for url in ("http://10.0.0.1/h", "http://169.254.169.254/", "http://[::ffff:192.168.0.1]/h"):
        with pytest.raises(UnsafeWebhookUrl):
            check(url, allow_loopback=True)


def test_an_unresolvable_name_is_refused() -> None:
    with pytest.raises(UnsafeWebhookUrl, match="does not resolve"):
        check("https://no-such-host.invalid/h")


def test_subscription_over_http_is_refused_without_the_loopback_setting(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    for url in ("http://169.254.169.254/latest/meta-data/", "http://user:pw@127.0.0.1/h", "ftp://10.0.0.1/",
                "http://[::ffff:10.0.0.1]/h"):
        refused = client.post("/v1/webhooks", json={"url": url}, headers=exporter)
        assert refused.status_code == 422, (url, refused.text)
    # the test settings allow loopback explicitly; without them the same subscriber is refused
    assert client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/h"}, headers=exporter).status_code == 201
    object.__setattr__(app.state.service.settings, "webhook_allow_loopback", False)
    refused = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/h"}, headers=exporter)
    assert refused.status_code == 422 and "loopback" in refused.text


def test_a_name_rebound_to_a_private_address_is_not_called_at_delivery(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    """Subscribed while the name resolved to the (allowed) loopback subscriber; at delivery it resolves to a
    private address: no request is made, the attempt fails and the event stays queued."""
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    subscriber = Subscriber()
    subscriber.up = True
    try:
        port = subscriber.server.server_port
        name_url = f"http://hooks.example.test:{port}/hook"
        number = certified(client, exporter, certifier)["number"]
        with app.state.service.sessions() as s:
            user = s.query(User).filter_by(client_id=actors.credentials["exporter"][0]).one()
            webhooks.subscribe(s, actor=user, url=name_url, allow_loopback=True, resolve=fixed("127.0.0.1"))
            s.commit()
        assert client.post(f"/v1/certificates/{number}/revoke", json={"reason": "fraud"},
                           headers=certifier).status_code == 200
        with app.state.service.sessions() as s:
            rebound = webhooks.httpx_poster(allow_loopback=True, resolve=fixed("10.0.0.8"))
            assert webhooks.deliver_due(s, post=rebound) == (0, 1)
            s.commit()
            [row] = s.query(WebhookDelivery).all()
            assert row.delivered_at is None and "a private address" in (row.last_error or "")
        assert subscriber.received == []
        with app.state.service.sessions() as s:  # back on the checked address: delivered, with the name as Host
            pinned = webhooks.httpx_poster(allow_loopback=True, resolve=fixed("127.0.0.1"))
            assert webhooks.deliver_due(s, post=pinned, now=utcnow() + timedelta(minutes=2)) == (1, 0)
            s.commit()
        [(_, headers)] = subscriber.received
        assert headers["host"] == f"hooks.example.test:{port}"
    finally:
        subscriber.server.shutdown()
