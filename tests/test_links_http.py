"""The HTTP behaviour of `kb check-links` against real servers on 127.0.0.1: methods, retries,
rate limits, redirects, timeouts, bounded bodies, refused ports and per-host politeness."""
from __future__ import annotations

import time
import tracemalloc
from email.utils import formatdate

from kb.links.config import HostRule

from test_links_support import (
    by_method,
    check,
    configured,
    drop,
    endless,
    kb_with_urls,
    only,
    refused_url,
    reply,
    sequence,
)


def test_head_refused_then_get(server, empty_kb):
    url = server.route("/page", by_method(HEAD=reply(405), GET=reply(200)))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert (result.status, result.method, result.http_status) == ("ok", "GET", 200)
    assert [m for m, _, _ in server.requests] == ["HEAD", "GET"]


def test_plain_ok_uses_one_head(server, empty_kb):
    url = server.route("/fine", reply(200))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert (result.status, result.method) == ("ok", "HEAD")
    assert server.count() == 1


def test_503_then_200_is_retried_once(server, empty_kb):
    url = server.route("/flaky", sequence(reply(503), reply(200)))
    kb_with_urls(empty_kb, url)
    assert only(check(empty_kb)).status == "ok"
    assert server.count("/flaky") == 2


def test_404_is_never_retried(server, empty_kb):
    url = server.route("/gone", reply(404))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert (result.status, result.http_status) == ("broken", 404)
    # HEAD's 404 is asked once more as GET (some servers answer HEAD wrongly); neither is retried
    assert [m for m, _, _ in server.requests] == ["HEAD", "GET"]


def test_404_with_get_first_host_makes_exactly_one_request(server, empty_kb):
    url = server.route("/gone", reply(404))
    kb_with_urls(empty_kb, url)
    config = configured(hosts={"127.0.0.1": HostRule(method="GET")})
    assert only(check(empty_kb, config)).status == "broken"
    assert server.count() == 1


def test_410_is_broken_without_retry(server, empty_kb):
    url = server.route("/removed", by_method(HEAD=reply(410), GET=reply(410)))
    kb_with_urls(empty_kb, url)
    assert only(check(empty_kb)).status == "broken"
    assert server.count() == 1  # 410 is not one of the answers that make HEAD worth repeating as GET


def test_500_after_retries_is_broken(server, empty_kb):
    url = server.route("/down", reply(500))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb, configured(retries=2)))
    assert (result.status, result.http_status) == ("broken", 500)
    assert server.count() == 3


def test_429_waits_for_retry_after_then_ok(server, empty_kb):
    url = server.route("/busy", sequence(reply(429, {"Retry-After": "1"}), reply(200)))
    kb_with_urls(empty_kb, url)
    start = time.monotonic()
    result = only(check(empty_kb))
    assert time.monotonic() - start >= 1.0
    assert result.status == "ok"
    assert server.count("/busy") == 2


def test_retry_after_as_http_date(server, empty_kb):
    url = server.route("/busy", sequence(reply(503, {"Retry-After": formatdate(time.time() + 1, usegmt=True)}),
                                         reply(200)))
    kb_with_urls(empty_kb, url)
    assert only(check(empty_kb)).status == "ok"
    assert server.count("/busy") == 2


def test_huge_retry_after_is_rate_limited_without_waiting(server, empty_kb):
    url = server.route("/busy", reply(429, {"Retry-After": "86400"}))
    kb_with_urls(empty_kb, url)
    start = time.monotonic()
    result = only(check(empty_kb))
    assert time.monotonic() - start < 1.0
    assert result.status == "rate-limited"
    assert "86400" in result.message
    assert server.count("/busy") == 1


def test_permanent_redirect_is_moved_and_names_the_new_url(server, empty_kb):
    new = server.route("/new", reply(200))
    url = server.route("/old", reply(301, {"Location": "/new"}))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert result.status == "moved"
    assert new in result.message
    assert result.final_url == new
    assert result.redirects == [{"status": 301, "url": new}]


def test_temporary_redirect_is_ok(server, empty_kb):
    target = server.route("/today", reply(200))
    url = server.route("/latest", reply(302, {"Location": target}))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert (result.status, result.final_url) == ("ok", target)


def test_redirect_loop_is_broken(server, empty_kb):
    server.route("/a", reply(302, {"Location": "/b"}))
    url = server.route("/b", reply(302, {"Location": "/a"}))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert result.status == "broken"
    assert "loop" in result.message
    assert server.count() <= 4  # HEAD /b, /a, then found: no endless walk


def test_more_than_max_redirects_is_broken(server, empty_kb):
    for i in range(12):
        server.route(f"/hop{i}", reply(307, {"Location": f"/hop{i + 1}"}))
    kb_with_urls(empty_kb, server.url("/hop0"))
    result = only(check(empty_kb, configured(max_redirects=5)))
    assert result.status == "broken"
    assert "more than 5 redirects" in result.message


def test_slow_server_times_out_within_the_bound(server, empty_kb):
    url = server.route("/slow", reply(200, delay=3))
    kb_with_urls(empty_kb, url)
    start = time.monotonic()
    result = only(check(empty_kb, configured(timeout=0.3, deadline=1.0, retries=5)))
    elapsed = time.monotonic() - start
    assert result.status == "timeout"
    assert elapsed < 1.8  # the per-URL deadline holds however many retries are allowed


def test_endless_body_costs_little_time_and_memory(server, empty_kb):
    url = server.route("/stream", by_method(HEAD=reply(405), GET=endless))
    kb_with_urls(empty_kb, url)
    tracemalloc.start()
    start = time.monotonic()
    result = only(check(empty_kb))
    elapsed = time.monotonic() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.status == "ok"
    assert elapsed < 2
    assert peak < 5 * 2**20  # the body is not read: a few MB would mean it was


def test_refused_port_is_broken(empty_kb):
    kb_with_urls(empty_kb, refused_url())
    result = only(check(empty_kb))
    assert result.status == "broken"
    assert "refused" in result.message


def test_bot_wall_is_unverifiable(server, empty_kb):
    walled = server.route("/walled", reply(403, {"cf-mitigated": "challenge"}))
    linkedin = server.route("/li", reply(999))
    kb_with_urls(empty_kb, walled, linkedin)
    report = check(empty_kb)
    assert {r.status for r in report.results} == {"unverifiable"}
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1


def test_in_flight_per_host_never_above_the_limit(server, empty_kb):
    urls = [server.route(f"/p{i}", reply(200, delay=0.1)) for i in range(24)]
    kb_with_urls(empty_kb, *urls)
    report = check(empty_kb, configured(per_host=3, concurrency=16))
    assert {r.status for r in report.results} == {"ok"}
    assert server.count() == 24
    assert server.peak == 3  # reached, never passed
    assert report.peak_in_flight == {"127.0.0.1": 3}


def test_user_agent_and_per_host_headers_are_sent_without_credentials(server, empty_kb):
    url = server.route("/page", reply(200))
    kb_with_urls(empty_kb, url.replace("http://", "http://user:secret@"))
    config = configured(user_agent="kb-test-agent/1", hosts={"127.0.0.1": HostRule(headers={"X-Extra": "yes"})})
    assert only(check(empty_kb, config)).status == "ok"
    (_, _, headers), = server.requests
    assert headers["User-Agent"] == "kb-test-agent/1"
    assert headers["X-Extra"] == "yes"
    assert "Authorization" not in headers


def test_accepted_code_per_host(server, empty_kb):
    url = server.route("/members", reply(401))
    kb_with_urls(empty_kb, url)
    config = configured(hosts={"127.0.0.1": HostRule(accept=(401,))})
    assert only(check(empty_kb, config)).status == "ok"


def test_excluded_url_is_not_requested(server, empty_kb):
    url = server.route("/private", reply(200))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb, configured(exclude=("/private$",))))
    assert result.status == "excluded"
    assert server.count() == 0


def test_retry_after_pauses_the_whole_host(server, empty_kb):
    busy = server.route("/busy", sequence(reply(429, {"Retry-After": "1"}), reply(200)))
    others = [server.route(f"/other{i}", reply(200, delay=0.2)) for i in range(3)]
    kb_with_urls(empty_kb, busy, *others)
    report = check(empty_kb, configured(per_host=2))
    assert {r.status for r in report.results} == {"ok"}
    told_to_wait = next(t for p, t in server.arrivals if p == "/busy")
    late = [t - told_to_wait for p, t in server.arrivals if p in ("/other1", "/other2")]
    assert len(late) == 2 and min(late) >= 0.95  # queued behind the pause, though they never got a 429


def test_malformed_urls_and_redirects_are_broken_not_crashes(server, empty_kb):
    bad_hop = server.route("/bad-hop", reply(302, {"Location": "http://[not-an-address/"}))
    kb_with_urls(empty_kb, "http://[bad/", bad_hop)
    report = check(empty_kb)
    assert {r.url: r.status for r in report.results} == {"http://[bad/": "broken", bad_hop: "broken"}


def test_dropped_head_falls_back_to_get(server, empty_kb):
    url = server.route("/page", by_method(HEAD=drop, GET=reply(200)))
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert (result.status, result.method) == ("ok", "GET")
    assert [m for m, _, _ in server.requests] == ["HEAD", "GET"]


def test_dropped_get_and_408_are_retried(server, empty_kb):
    reset = server.route("/reset", sequence(drop, reply(200)))
    slow_client = server.route("/408", sequence(reply(408), reply(200)))
    config = configured(hosts={"127.0.0.1": HostRule(method="GET")})
    kb_with_urls(empty_kb, reset, slow_client)
    assert {r.status for r in check(empty_kb, config).results} == {"ok"}
    assert server.count("/reset") == 2 and server.count("/408") == 2


def test_tls_error_is_broken(server, empty_kb):
    server.route("/page", reply(200))
    url = server.url("/page").replace("http://", "https://")  # TLS spoken to a plain HTTP server
    kb_with_urls(empty_kb, url)
    result = only(check(empty_kb))
    assert result.status == "broken"
    assert result.message.startswith("TLS error")


def test_global_cap_holds_across_the_pool(server, empty_kb):
    urls = [server.route(f"/p{i}", reply(200, delay=0.1)) for i in range(8)]
    kb_with_urls(empty_kb, *urls)
    assert {r.status for r in check(empty_kb, configured(per_host=8, concurrency=2)).results} == {"ok"}
    assert server.peak == 2


def test_per_host_override_lowers_the_limit(server, empty_kb):
    urls = [server.route(f"/p{i}", reply(200, delay=0.05)) for i in range(6)]
    kb_with_urls(empty_kb, *urls)
    config = configured(per_host=4, hosts={"127.0.0.1": HostRule(per_host=1)})
    assert {r.status for r in check(empty_kb, config).results} == {"ok"}
    assert server.peak == 1


def test_a_host_asking_for_a_huge_pause_is_left_alone_for_the_run(server, empty_kb):
    first = server.route("/first", reply(429, {"Retry-After": "86400"}))
    second = server.route("/second", reply(200))
    kb_with_urls(empty_kb, first, second)
    report = check(empty_kb, configured(per_host=1))
    assert {r.url: r.status for r in report.results} == {first: "rate-limited", second: "rate-limited"}
    assert server.count() == 1
    assert "not asked again" in only(report, second).message
