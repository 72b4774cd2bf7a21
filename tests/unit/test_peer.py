"""Who an HTTP caller is: the socket's peer, or the client a trusted proxy names (#32)."""

from __future__ import annotations

from appliance.httpapi.peer import networks, peer

PROXY = ("10.0.0.5", 40000)


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    """Any local process could send X-Forwarded-For: by default it names nobody."""
    assert "ipv4:127.0.0.1:5000" == peer(("127.0.0.1", 5000),
                                         {"x-forwarded-for": "203.0.113.9"}, ())


def test_a_trusted_proxy_names_the_client_as_an_address() -> None:
    """The rightmost hop that is not a trusted proxy is the client (without a port)."""
    proxies = networks(["10.0.0.0/24", "192.168.1.1"])
    headers = {"x-forwarded-for": "198.51.100.1, 203.0.113.9, 192.168.1.1"}
    assert "ipv4:203.0.113.9" == peer(PROXY, headers, proxies)
    assert "ipv6:[2001:db8::1]" == peer(PROXY, {"x-forwarded-for": "[2001:db8::1]"}, proxies)
    assert "ipv4:10.0.0.5:40000" == peer(PROXY, {}, proxies)


def test_a_value_that_is_no_address_is_never_the_peer() -> None:
    """Text (personal data, say) or 60 KB from a trusted proxy: the proxy is the peer."""
    proxies = networks(["10.0.0.0/24"])
    for forged in ("ann.lee@example.com", "1.2.3.4, not-an-ip", "9" * 60_000, "1.2.3.4.5"):
        assert "ipv4:10.0.0.5:40000" == peer(PROXY, {"x-forwarded-for": forged}, proxies)


def test_an_untrusted_socket_peer_is_never_overridden() -> None:
    proxies = networks(["10.0.0.0/24"])
    assert "ipv4:172.16.0.1:1" == peer(("172.16.0.1", 1), {"x-forwarded-for": "1.1.1.1"},
                                       proxies)
