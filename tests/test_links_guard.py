"""The network guard: private and special addresses are refused before any request, on every redirect
hop and at connect time; --allow-network opens a range. Only loopback servers are ever used."""
from __future__ import annotations

import pytest

from kb.links.guard import Blocked, GuardedAdapter, NetworkGuard

from test_links_support import check, configured, kb_with_urls, only, reply


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255",
                                     "::1", "fe80::1", "fc00::1", "fd12::1", "::ffff:127.0.0.1",
                                     "::ffff:10.0.0.1", "2002:c0a8:0101::1", "64:ff9b::a00:1", "ff02::1", "::"])
def test_special_addresses_are_refused(address):
    assert NetworkGuard().refusal(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert NetworkGuard().refusal(address) is None


def test_allowed_range_opens_only_that_range():
    guard = NetworkGuard(("127.0.0.1/32", "10.0.0.0/8"))
    assert guard.refusal("127.0.0.1") is None
    assert guard.refusal("10.200.0.1") is None
    assert guard.refusal("127.0.0.2")
    assert guard.refusal("192.168.0.1")


def test_hostname_is_checked_through_every_dns_answer():
    with pytest.raises(Blocked, match="localhost resolves to"):
        NetworkGuard().check_host("localhost")


def test_loopback_url_is_blocked_without_a_request(server, empty_kb):
    url = server.route("/page", reply(200))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb, configured(allow_networks=())))
    assert result.status == "blocked"
    assert server.count() == 0
    assert check(empty_kb, configured(allow_networks=())).exit_code() == 1


def test_redirect_to_a_private_address_is_blocked_and_never_reached(server, other_server, empty_kb):
    other_server.route("/secret", reply(200))
    url = server.route("/jump", reply(302, {"Location": other_server.url("/secret")}))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))  # allows 127.0.0.1/32 only
    assert result.status == "blocked"
    assert "127.0.0.2" in result.message
    assert server.count("/jump") >= 1
    assert other_server.requests == []


def test_connect_time_check_catches_a_changed_dns_answer(other_server):
    """The name passed the DNS check, then the connection lands on a refused address: the adapter's
    peer check stops it before a byte is sent."""
    import requests

    other_server.route("/secret", reply(200))
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", GuardedAdapter(NetworkGuard(("127.0.0.1/32",))))
    with pytest.raises(Blocked, match="127.0.0.2"):
        session.get(other_server.url("/secret"), timeout=2)
    assert other_server.requests == []


def test_allow_network_flag_lets_the_range_in(other_server, empty_kb, cli):
    url = other_server.route("/page", reply(200))
    kb_with_urls(empty_kb, url)
    blocked = cli(empty_kb, "check-links", "--no-cache", "--allow-network", "127.0.0.1/32")
    assert blocked.exit_code == 1 and "BLOCKED" in blocked.output
    allowed = cli(empty_kb, "check-links", "--no-cache", "--allow-network", "127.0.0.1/32",
                  "--allow-network", "127.0.0.2/32")
    assert allowed.exit_code == 0, allowed.output
    assert other_server.count() == 1
