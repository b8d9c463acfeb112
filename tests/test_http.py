"""The client address that rate limits count under."""

from django.test import RequestFactory, override_settings

from mapapp.http import client_ip


def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_rightmost_forwarded_address_counts():
    # The client wrote "1.2.3.4" itself; the proxy appended what it saw.
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_and_a_short_header_falls_back_to_remote_addr():
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.3")) == "198.51.100.7"
    assert client_ip(request_from("10.0.0.2", "198.51.100.7")) == "10.0.0.2"
