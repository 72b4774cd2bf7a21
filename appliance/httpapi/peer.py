"""Who is calling: the socket's peer, or the client a trusted reverse proxy names.

``X-Forwarded-For`` is any caller's text. It is read only when the connection comes from an
address of ``[http] trusted_proxies``, and then only as an address: the rightmost entry that is
not itself a trusted proxy (the one the nearest trusted proxy saw), parsed with ``ipaddress``
and bounded in length. A value that is no address is never recorded anywhere (it may be
personal data, or 60 KB meant to bloat the audit log): the peer is then the proxy's own, and
the log says only that the header was refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

import structlog

log = structlog.get_logger("appliance.http")

#: Longest X-Forwarded-For read (a few hops of IPv6 addresses fit many times over).
MAX_FORWARDED_CHARS = 1024
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def format_peer(host: str, port: int | None) -> str:
    """The peer in gRPC's notation (``ipv4:10.0.0.7:5123``, ``ipv6:[::1]:5123``)."""
    suffix = "" if port is None else f":{port}"
    return f"ipv6:[{host}]{suffix}" if ":" in host else f"ipv4:{host}{suffix}"


def _address(text: str) -> Address | None:
    text = text.strip()
    if len(text) > 45:  # longer than any textual IPv6 address
        return None
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address | None, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in net for net in proxies)


def peer(client: tuple[str, int] | None, headers: Mapping[str, str],
         proxies: tuple[Network, ...]) -> str:
    """The caller of a request that came from socket peer ``client``."""
    if not client:
        return "unknown"
    host, port = str(client[0]), int(client[1])
    own = format_peer(host, port)
    if not proxies or not _trusted(_address(host), proxies):
        return own
    forwarded = headers.get("x-forwarded-for")
    return own if forwarded is None else _forwarded(forwarded, proxies, own)


def _forwarded(forwarded: str, proxies: tuple[Network, ...], own: str) -> str:
    """The client the header names, or the proxy itself (``own``) when it names none."""
    if len(forwarded) > MAX_FORWARDED_CHARS:
        log.warning("forwarded_for_refused", why="too long", proxy=own)
        return own
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:
            log.warning("forwarded_for_refused", why="not an address", proxy=own)
            return own
        if not _trusted(address, proxies):
            return format_peer(str(address), None)
    return own  # every hop is a trusted proxy: the nearest one is the peer
