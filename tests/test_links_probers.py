"""Content-aware probers against local stand-ins: YouTube oEmbed, the doi.org handle API, the arXiv
abstract page, and the Wayback Machine lookup of --suggest-archive. The real services are never asked:
their base URLs point at a server on 127.0.0.1, which must receive every request."""
from __future__ import annotations

import json
import socket
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import write_entry
from test_links_support import check, configured, kb_with_urls, only, reply

VIDEO = "https://www.youtube.com/watch?v=AAAAAAAAAAA"
REMOVED = "https://www.youtube.com/watch?v=BBBBBBBBBBB"
PLAYLIST = "https://www.youtube.com/playlist?list=PLxxxxxxxxxxxxxxxx"
PRIVATE = "https://youtu.be/CCCCCCCCCCC"


@pytest.fixture(autouse=True)
def no_live_web(monkeypatch):
    """A safety net: the names of the real services never resolve here, so a prober that stopped
    matching would fail its test instead of reaching the live web."""
    real = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost"):
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not resolved in tests")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


def oembed(handler):
    asked = parse_qs(urlsplit(handler.path).query)["url"][0]
    if asked in (VIDEO, PLAYLIST):
        return 200, {"Content-Type": "application/json"}, json.dumps({"title": "A lecture"}).encode()
    if asked == PRIVATE:
        return 401, {}, b"Unauthorized"
    return 404, {}, b"Not Found"


def stand_in(server):
    return configured(youtube_oembed=server.url("/oembed"), doi_api=server.url("/api/handles"),
                      arxiv_abs=server.url("/abs"), wayback=server.url("/web"))


def test_youtube_through_oembed(server, empty_kb):
    server.route("/oembed", oembed)
    kb_with_urls(empty_kb, VIDEO, REMOVED, PLAYLIST, PRIVATE)
    report = check(empty_kb, stand_in(server))
    statuses = {r.url: r.status for r in report.results}
    assert statuses == {VIDEO: "ok", REMOVED: "broken", PLAYLIST: "ok", PRIVATE: "unverifiable"}
    assert "removed" in only(report, REMOVED).message
    assert only(report, VIDEO).method == "GET (YouTube oEmbed)"
    assert server.count("/oembed", "GET") == 4 and server.count() == 4


def doi_api(handler):
    handle = handler.path.removeprefix("/api/handles/")
    if handle == "10.1234/real.5":
        return 200, {}, json.dumps({"responseCode": 1, "handle": handle}).encode()
    return 404, {}, json.dumps({"responseCode": 100, "handle": handle}).encode()


def test_dois_through_the_handle_api(server, empty_kb):
    server.route("/api/handles/*", doi_api)
    write_entry(empty_kb, "paper", "real", "title: Real\ndoi: 10.1234/REAL.5\n")
    write_entry(empty_kb, "paper", "fake", "title: Fake\nurl: https://doi.org/10.1234/missing\n")
    report = check(empty_kb, stand_in(server))
    real, fake = only(report, "https://doi.org/10.1234/real.5"), only(report, "https://doi.org/10.1234/missing")
    assert (real.status, fake.status) == ("ok", "broken")
    assert "not registered" in fake.message
    assert real.locations == ["entries/paper/real.yaml:2"]
    assert server.count() == 2


def test_arxiv_ids_through_the_abstract_page(server, empty_kb):
    server.route("/abs/2101.00001", reply(200, body=b"<html>abstract</html>"))
    write_entry(empty_kb, "paper", "known", 'title: Known\narxiv: "2101.00001"\n'
                "url: https://arxiv.org/pdf/2101.00001v2\n")
    write_entry(empty_kb, "paper", "unknown", 'title: Unknown\narxiv: "2101.99999"\n')
    report = check(empty_kb, stand_in(server))
    assert only(report, "https://arxiv.org/abs/2101.00001").status == "ok"
    assert only(report, "https://arxiv.org/pdf/2101.00001v2").status == "ok"
    assert only(report, "https://arxiv.org/abs/2101.99999").status == "broken"
    assert {p for _, p, _ in server.requests} == {"/abs/2101.00001", "/abs/2101.99999"}


def test_suggest_archive_reads_the_wayback_redirect_without_following_it(server, empty_kb, cli, monkeypatch):
    gone = server.route("/gone", reply(404))
    snapshot = f"/web/20200101000000/{gone}"
    server.route("/web/*", lambda handler: (302, {"Location": snapshot}, b"")
                 if not handler.path.startswith("/web/2020") else (200, {}, b"snapshot"))
    kb_with_urls(empty_kb, gone)
    monkeypatch.setenv("KB_LINKS_WAYBACK", server.url("/web"))
    result = cli(empty_kb, "check-links", "--no-cache", "--allow-network", "127.0.0.1/32", "--suggest-archive",
                 "--retries", "0")
    assert result.exit_code == 1
    assert f"archive_url: {server.url(snapshot)}" in result.output
    assert server.count(f"/web/{gone}") == 1
    assert server.count(snapshot) == 0  # the snapshot itself is never fetched


def test_no_snapshot_means_no_suggestion(server, empty_kb):
    gone = server.route("/gone", reply(404))
    kb_with_urls(empty_kb, gone)
    result = only(check(empty_kb, stand_in(server), suggest_archive=True))
    assert result.status == "broken" and result.archive_url is None
    assert server.count("/web/" + gone) == 1
