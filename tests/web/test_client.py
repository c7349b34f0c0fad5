"""The client address for rate limits: the connecting address, unless it is a trusted reverse proxy;
then the rightmost address in X-Forwarded-For that is not a proxy. What a client writes in the
header itself is never believed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from dte.core.client import client_address


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(DTE_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_forwarded_client_counts():
    assert client_address(request("10.0.0.2", "198.51.100.1")) == "198.51.100.1"


@override_settings(DTE_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_an_address_the_client_wrote_itself_is_not_believed():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw.
    assert client_address(request("10.0.0.2", "1.2.3.4, 198.51.100.1")) == "198.51.100.1"


@override_settings(DTE_TRUSTED_PROXIES=["10.0.0.0/8", "192.168.1.1"])
def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    assert client_address(request("10.0.0.2", "198.51.100.1, 192.168.1.1, 10.1.1.1")) == "198.51.100.1"


@override_settings(DTE_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_direct_client_cannot_pretend_to_be_forwarded():
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(DTE_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_garbage_or_no_header_from_a_proxy_falls_back_to_the_proxy():
    assert client_address(request("10.0.0.2", "not-an-address")) == "10.0.0.2"
    assert client_address(request("10.0.0.2")) == "10.0.0.2"
    assert client_address(request("10.0.0.2", "10.0.0.3")) == "10.0.0.2"


@override_settings(DTE_TRUSTED_PROXIES=["10.0.0.300"])
def test_a_malformed_proxy_setting_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        client_address(request("10.0.0.2"))
