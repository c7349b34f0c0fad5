"""The address a request came from, for rate limits (public objections [A2.6.2]).

Behind a reverse proxy every request arrives from the proxy's address, and one limit would then
throttle the whole public at once. The proxies named in ``DTE_TRUSTED_PROXIES`` are trusted to
append the address they received the request from to ``X-Forwarded-For``: the client is the
rightmost address in that header that is not itself a trusted proxy. Anything the client wrote in
the header is to the left of what the proxies appended and is never taken. Without trusted proxies
(the default: the platform serves clients directly) the header is ignored."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(values: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"DTE_TRUSTED_PROXIES: {exc}") from exc


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(addr, networks: tuple[Network, ...]) -> bool:
    return addr is not None and any(addr in n for n in networks)


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    networks = trusted_networks(getattr(settings, "DTE_TRUSTED_PROXIES", ()))
    if not _trusted(_address(remote), networks):
        return remote
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    for part in reversed(forwarded):
        addr = _address(part)
        if addr is None:  # garbage where a proxy should have written an address: stop trusting
            return remote
        if not _trusted(addr, networks):
            return str(addr)
    return remote  # only proxies on the way: the request started at one of them
