"""Metadata fetches against local stand-in servers (127.0.0.1) serving hand-written arXiv Atom and
Crossref/CSL JSON: success, 404, 429 with Retry-After, malformed answers, DTDs, timeouts; and
`kb new paper --arxiv/--doi` end to end."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from kb.contrib.metadata import FetchError, FetchSettings, NotFound, fetch_arxiv, fetch_doi
from kb.model import read_entry

DATA = Path(__file__).parent / "data" / "contrib"
ATOM = "application/atom+xml; charset=utf-8"
WHY = "The reference point for latent reasoning; read it before the papers that build on it, " * 2


@pytest.fixture(scope="module")
def running_server():
    with HTTPServer(host="127.0.0.1", port=0) as http:  # one per module: stopping one takes half a second
        yield http


@pytest.fixture
def server(running_server):
    running_server.clear()
    yield running_server
    running_server.clear()


def settings(server, **changes) -> FetchSettings:
    base = server.url_for("").rstrip("/")
    return FetchSettings(**{"arxiv_api": f"{base}/api", "crossref_api": base, "doi_resolver": f"{base}/doi",
                            "timeout": 2.0, "max_wait": 5.0, **changes})


def serve_arxiv(server, name: str, arxiv_id: str = "2412.06769", **kwargs):
    server.expect_request("/api/query", query_string={"id_list": arxiv_id, "max_results": "1"}).respond_with_data(
        (DATA / name).read_bytes(), content_type=ATOM, **kwargs)


def test_arxiv_fields_from_the_atom_feed(server):
    serve_arxiv(server, "arxiv-2412.06769.atom.xml")
    found = fetch_arxiv("https://arxiv.org/abs/2412.06769v1", settings(server, contact="curator@example.org"))
    assert found == {"title": "Training Large Language Models to Reason in a Continuous Latent Space",
                     "authors": ["Shibo Hao", "Sainbayar Sukhbaatar", "DiJia Su", "Xian Li", "Zhiting Hu",
                                 "Jason Weston", "Yuandong Tian"],
                     "url": "https://arxiv.org/abs/2412.06769", "arxiv": "2412.06769", "year": 2024}
    request, _ = server.log[0]
    agent = request.headers["User-Agent"]
    assert agent.startswith("kb/") and "mailto:curator@example.org" in agent


@pytest.mark.parametrize("name, error, message", [
    ("arxiv-empty.atom.xml", NotFound, "arXiv has no paper 2412.06769"),
    ("arxiv-error.atom.xml", FetchError, "arXiv refused the query: incorrect id format"),
    ("arxiv-entities.atom.xml", FetchError, "malformed response from arXiv"),
    ("crossref-work.json", FetchError, "malformed response from arXiv"),
])
def test_arxiv_answers_that_give_no_paper(server, name, error, message):
    serve_arxiv(server, name)
    with pytest.raises(error, match=message):
        fetch_arxiv("2412.06769", settings(server))


def test_arxiv_answer_for_another_paper_is_refused(server):
    serve_arxiv(server, "arxiv-2412.06769.atom.xml", arxiv_id="2412.06770")
    with pytest.raises(FetchError, match="asked for 2412.06770"):
        fetch_arxiv("2412.06770", settings(server))


def test_http_404_is_not_found(server):
    server.expect_request("/api/query").respond_with_data("no", status=404)
    with pytest.raises(NotFound, match="HTTP 404"):
        fetch_arxiv("2412.06769", settings(server))


def test_429_retry_after_is_waited_for_then_the_answer_used(server):
    server.expect_oneshot_request("/api/query").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    serve_arxiv(server, "arxiv-2412.06769.atom.xml")
    started = time.monotonic()
    assert fetch_arxiv("2412.06769", settings(server))["year"] == 2024
    assert time.monotonic() - started >= 1.0 and len(server.log) == 2


def test_429_asking_for_longer_than_the_cap_fails_at_once(server):
    server.expect_request("/api/query").respond_with_data("later", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="rate limiting.*3600 s.*at most 5 s"):
        fetch_arxiv("2412.06769", settings(server))
    assert len(server.log) == 1


def test_retry_after_as_an_http_date_is_read_as_the_link_checker_reads_it(server):
    from email.utils import formatdate

    server.expect_oneshot_request("/api/query").respond_with_data(
        "slow down", status=503, headers={"Retry-After": formatdate(time.time() + 2, usegmt=True)})
    serve_arxiv(server, "arxiv-2412.06769.atom.xml")
    started = time.monotonic()
    assert fetch_arxiv("2412.06769", settings(server))["year"] == 2024
    assert 0.5 <= time.monotonic() - started < 4 and len(server.log) == 2
    server.clear()
    server.expect_request("/api/query").respond_with_data(
        "later", status=429, headers={"Retry-After": formatdate(time.time() + 3600, usegmt=True)})
    with pytest.raises(FetchError, match=r"asked to wait 3[56]\d\d s;"):
        fetch_arxiv("2412.06769", settings(server))


def test_the_retry_after_reader_both_clients_share_does_not_load_requests():
    import subprocess
    import sys

    def python(code: str) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    assert python("import sys, kb.cli, kb.model.http; print('requests' in sys.modules)") == "False"
    shared = python("from kb.links import fetch; from kb.contrib import metadata; from kb.model import http; "
                    "print(fetch.retry_after_seconds is metadata.retry_after_seconds is http.retry_after_seconds)")
    assert shared == "True"


def test_a_server_that_does_not_answer_in_time(server):
    def slow(request):
        time.sleep(1.0)
        return Response("late", status=200)

    server.expect_request("/api/query").respond_with_handler(slow)
    with pytest.raises(FetchError, match="did not answer within 0.2 s"):
        fetch_arxiv("2412.06769", settings(server, timeout=0.2))


def test_nothing_listening_is_a_clear_error():
    closed = FetchSettings(arxiv_api="http://127.0.0.1:9/api", timeout=1.0)
    with pytest.raises(FetchError, match="cannot reach arXiv"):
        fetch_arxiv("2412.06769", closed)


def test_crossref_work(server):
    server.expect_request("/works/10.18653/v1/2024.acl-long.841", headers={"Accept": "application/json"}) \
        .respond_with_data((DATA / "crossref-work.json").read_bytes(), content_type="application/json")
    found = fetch_doi("https://doi.org/10.18653/v1/2024.acl-long.841", settings(server))
    assert found == {"title": "OLMo: Accelerating the Science of Language Models",
                     "authors": ["Dirk Groeneveld", "Iz Beltagy", "Evan Walsh"], "year": 2024,
                     "url": "https://doi.org/10.18653/v1/2024.acl-long.841", "doi": "10.18653/v1/2024.acl-long.841",
                     "venue": "Proceedings of the 62nd Annual Meeting of the Association for Computational "
                              "Linguistics (Volume 1: Long Papers)"}


def test_doi_unknown_to_crossref_comes_from_doi_org_content_negotiation(server):
    server.expect_request("/works/10.5555/kb-test.0001").respond_with_data("Resource not found.", status=404)
    server.expect_request("/doi/10.5555/kb-test.0001",
                          headers={"Accept": "application/vnd.citationstyles.csl+json"}).respond_with_data(
        (DATA / "doi-csl.json").read_bytes(), content_type="application/vnd.citationstyles.csl+json")
    found = fetch_doi("10.5555/kb-test.0001", settings(server))
    assert found["title"] == "A Data Set with Markup & an Accent: Gödel"
    assert found["authors"] == ["Anna Müller", "The KB Test Consortium"] and found["year"] == 2021
    assert found["doi"] == "10.5555/KB-TEST.0001"


def test_doi_unknown_everywhere_is_not_found(server):
    server.expect_request("/works/10.5555/nothing").respond_with_data("Resource not found.", status=404)
    server.expect_request("/doi/10.5555/nothing").respond_with_data("DOI Not Found", status=404)
    with pytest.raises(NotFound, match="doi.org has no record"):
        fetch_doi("10.5555/nothing", settings(server))


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]",
                                  json.dumps({"status": "ok", "message": {"title": []}}).encode()])
def test_malformed_crossref_json(server, body):
    server.expect_request("/works/10.5555/bad").respond_with_data(body, content_type="application/json")
    with pytest.raises(FetchError, match="malformed"):
        fetch_doi("10.5555/bad", settings(server))


def test_arxiv_doi_is_fetched_from_arxiv(server):
    serve_arxiv(server, "arxiv-2412.06769.atom.xml")
    found = fetch_doi("10.48550/arXiv.2412.06769", settings(server))
    assert found["arxiv"] == "2412.06769" and found["doi"] == "10.48550/arXiv.2412.06769"


def _new_paper_flags():
    return ["--domain", "ai-safety/latent-reasoning", "--audience", "researcher", "--why", WHY,
            "--for-whom", "Researchers in language model reasoning."]


def test_kb_new_paper_from_arxiv(empty_kb, cli, server, monkeypatch):
    serve_arxiv(server, "arxiv-2412.06769.atom.xml")
    monkeypatch.setenv("KB_ARXIV_API", settings(server).arxiv_api)
    result = cli(empty_kb, "new", "paper", "--arxiv", "2412.06769", *_new_paper_flags())
    assert result.exit_code == 0, result.output
    entry = read_entry(empty_kb / "entries/paper/training-large-language-models-reason-continuous-2024.yaml", empty_kb)
    assert entry.data["title"] == "Training Large Language Models to Reason in a Continuous Latent Space"
    assert entry.data["authors"][0] == "Shibo Hao" and entry.data["arxiv"] == "2412.06769"
    assert cli(empty_kb, "validate").exit_code == 0


def test_kb_new_paper_when_the_fetch_fails_writes_nothing(empty_kb, cli, server, monkeypatch):
    server.expect_request("/works/10.5555/kb-test.0002").respond_with_data("busy", status=503)
    monkeypatch.setenv("KB_CROSSREF_API", settings(server).crossref_api)
    result = cli(empty_kb, "new", "paper", "--doi", "10.5555/kb-test.0002", *_new_paper_flags())
    assert result.exit_code == 1 and "Crossref is rate limiting requests (HTTP 503" in result.output
    assert not (empty_kb / "entries" / "paper").exists()


@pytest.mark.parametrize("variable, value, message", [
    ("KB_FETCH_TIMEOUT", "abc", "KB_FETCH_TIMEOUT must be a duration like 30s, 10m, 12h or 7d, not 'abc'"),
    ("KB_FETCH_TIMEOUT", "-1", "KB_FETCH_TIMEOUT must be a duration like 30s, 10m, 12h or 7d, not '-1'"),
    ("KB_FETCH_TIMEOUT", "0", "KB_FETCH_TIMEOUT must be more than 0 seconds, not '0'"),
    ("KB_FETCH_MAX_WAIT", "soon", "KB_FETCH_MAX_WAIT must be a duration"),
    ("KB_ARXIV_API", "ftp://arxiv.example.org", "KB_ARXIV_API must be an http(s) URL"),
    ("KB_CONTACT_EMAIL", "me@example.org\r\nX-Evil: 1", "KB_CONTACT_EMAIL has a control character U+000D at column 15"),
])
def test_bad_fetch_settings_are_usage_errors_naming_the_variable(empty_kb, cli, server, monkeypatch, variable, value,
                                                                  message):
    serve_arxiv(server, "arxiv-2412.06769.atom.xml")
    monkeypatch.setenv("KB_ARXIV_API", settings(server).arxiv_api)
    monkeypatch.setenv(variable, value)
    result = cli(empty_kb, "new", "paper", "--arxiv", "2412.06769", *_new_paper_flags())
    assert result.exit_code == 2, result.output
    assert f"kb: error: environment: {message}" in result.stderr
    assert "internal error" not in result.output and not (empty_kb / "entries" / "paper").exists()
    assert not server.log  # refused before any request


def test_fetch_durations_take_the_link_checkers_syntax(empty_kb, cli, server, monkeypatch):
    serve_arxiv(server, "arxiv-2412.06769.atom.xml")
    monkeypatch.setenv("KB_ARXIV_API", settings(server).arxiv_api + "/")  # a trailing slash is fine
    monkeypatch.setenv("KB_FETCH_TIMEOUT", "15s")
    monkeypatch.setenv("KB_FETCH_MAX_WAIT", "1m")
    monkeypatch.setenv("KB_CONTACT_EMAIL", "curator@example.org")
    assert FetchSettings.from_env() == FetchSettings(arxiv_api=settings(server).arxiv_api, timeout=15.0, max_wait=60.0,
                                                     contact="curator@example.org")
    result = cli(empty_kb, "new", "paper", "--arxiv", "2412.06769", *_new_paper_flags())
    assert result.exit_code == 0, result.output
    assert "mailto:curator@example.org" in server.log[0][0].headers["User-Agent"]
