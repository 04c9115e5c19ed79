"""Memory between runs: fresh results are not requested again, expired ones are, a damaged cache is
moved aside and a file kb did not write is never overwritten, history counts failed runs, and
.kb/link-status.json is exported for the site."""
from __future__ import annotations

import json
import os
import re
import signal
from dataclasses import replace

import pytest

from kb.links import load_link_status
from kb.links.result import now_iso
from kb.links.store import LinkCache

from test_links_support import FAST, check, configured, kb_with_urls, only, reply

ALLOW = ("--allow-network", "127.0.0.1/32")


def test_second_run_makes_zero_requests(server, empty_kb):
    urls = [server.route(f"/p{i}", reply(200)) for i in range(3)]
    kb_with_urls(empty_kb, *urls)
    check(empty_kb)
    assert server.count() == 3
    report = check(empty_kb)
    assert server.count() == 3
    assert all(r.from_cache and r.status == "ok" for r in report.results)
    assert report.summary()["from_cache"] == 3


def test_expired_results_are_checked_again(server, empty_kb):
    url = server.route("/p", reply(200))
    kb_with_urls(empty_kb, url)
    check(empty_kb)
    cache_file = empty_kb / ".kb" / "links-cache.json"
    data = json.loads(cache_file.read_text())
    data["urls"][url]["checked_at"] = "2020-01-01T00:00:00+00:00"
    cache_file.write_text(json.dumps(data))
    assert not only(check(empty_kb)).from_cache
    assert server.count() == 2


def test_max_age_zero_rechecks_and_no_cache_neither_reads_nor_writes(server, empty_kb):
    url = server.route("/p", reply(200))
    kb_with_urls(empty_kb, url)
    check(empty_kb, configured(max_age={**FAST.max_age, "ok": 0.0}))
    check(empty_kb, configured(max_age={**FAST.max_age, "ok": 0.0}))
    assert server.count() == 2
    check(empty_kb, use_cache=False)
    assert server.count() == 3
    cache_file = empty_kb / ".kb" / "links-cache.json"
    before = cache_file.read_text()
    check(empty_kb, use_cache=False)
    assert cache_file.read_text() == before


def test_a_damaged_cache_is_moved_aside_with_a_warning_and_rewritten(server, empty_kb, cli):
    url = server.route("/p", reply(200))
    kb_with_urls(empty_kb, url)
    assert cli(empty_kb, "check-links", *ALLOW).exit_code == 0
    cache_file = empty_kb / ".kb" / "links-cache.json"
    damaged = cache_file.read_bytes()[:40]  # as a full disk or a killed copy would leave it
    cache_file.write_bytes(damaged)
    result = cli(empty_kb, "check-links", *ALLOW)
    assert result.exit_code == 0, result.output
    (aside,) = cache_file.parent.glob("links-cache.json.corrupt-*")
    assert re.fullmatch(r"links-cache\.json\.corrupt-\d{8}T\d{6}Z", aside.name)
    assert f"kb: warning: the link cache {cache_file} was damaged: moved aside to {aside.name}" in result.stderr
    assert aside.read_bytes() == damaged  # nothing lost
    assert url in json.loads(cache_file.read_text())["urls"] and server.count() == 2
    cache_file.write_bytes(b'{"format": "kb-links-cache", "version": 1, "urls": [')  # damaged again, same second
    assert cli(empty_kb, "check-links", *ALLOW).exit_code == 0
    assert len(list(cache_file.parent.glob("links-cache.json.corrupt-*"))) == 2  # the first one is kept


def test_a_damaged_cache_that_cannot_be_moved_aside_is_left_as_it_is(server, empty_kb, cli):
    kb_with_urls(empty_kb, server.route("/p", reply(200)))
    cache_file = empty_kb / ("c" * 240 + ".json")  # no room in the name for .corrupt-<time>: the rename fails
    damaged = b'{"format": "kb-links-cache", "version": 1, "urls": {"http://'
    cache_file.write_bytes(damaged)
    result = cli(empty_kb, "check-links", *ALLOW, "--cache", str(cache_file))
    assert result.exit_code == 0, result.output
    assert "is damaged and cannot be moved aside (File name too long); it is left as it is" in result.stderr
    assert cache_file.read_bytes() == damaged


@pytest.mark.parametrize("content", [b"[tool.kb.links]\nper_host = 2\n", b"{not json", b'{"version": 2, "urls": {}}',
                                     b'{"urls": {}}', b"", b"\x89PNG\r\n\x1a\n\x00"])
def test_a_file_that_is_not_a_kb_cache_is_refused_and_left_alone(server, empty_kb, cli, content):
    url = server.route("/p", reply(200))
    kb_with_urls(empty_kb, url)
    other = empty_kb / "notes.json"
    other.write_bytes(content)
    result = cli(empty_kb, "check-links", *ALLOW, "--cache", str(other))
    assert result.exit_code == 2, result.output
    assert f"kb: error: {other} exists and is not a kb link cache, so kb will not overwrite it" in result.stderr
    assert other.read_bytes() == content and list(empty_kb.glob("notes.json.*")) == []
    assert server.count() == 0  # refused before any request


def test_pyproject_named_as_the_cache_is_not_destroyed(server, empty_kb, cli, monkeypatch):
    kb_with_urls(empty_kb, server.route("/p", reply(200)))
    pyproject = empty_kb / "pyproject.toml"
    pyproject.write_text("[tool.kb.links]\nper_host = 2\n")
    monkeypatch.chdir(empty_kb)
    result = cli(empty_kb, "check-links", *ALLOW, "--cache", "pyproject.toml")
    assert result.exit_code == 2 and "is not a kb link cache" in result.stderr
    assert pyproject.read_text() == "[tool.kb.links]\nper_host = 2\n"


def test_a_cache_written_before_the_format_key_is_still_read(server, empty_kb, cli):
    url = server.route("/p", reply(200))
    kb_with_urls(empty_kb, url)
    (empty_kb / ".kb").mkdir()
    cache_file = empty_kb / ".kb" / "links-cache.json"
    record = {"url": url, "status": "ok", "http_status": 200, "checked_at": now_iso(), "last_ok": now_iso()}
    cache_file.write_text(json.dumps({"version": 1, "urls": {url: record}}, indent=1))
    result = cli(empty_kb, "check-links", *ALLOW)
    assert result.exit_code == 0 and "1 from cache" in result.stderr and server.count() == 0
    assert json.loads(cache_file.read_text())["format"] == "kb-links-cache"


def test_failures_are_counted_run_after_run_until_ok(server, empty_kb):
    answers = {"code": 404}
    server.route("/p", lambda handler: (answers["code"], {}, b""))
    kb_with_urls(empty_kb, server.url("/p"))
    config = configured(gone_after=2)
    first = only(check(empty_kb, config))
    second_report = check(empty_kb, config)
    second = only(second_report)
    assert (first.consecutive_failures, second.consecutive_failures) == (1, 2)
    assert second.first_failed == first.first_failed
    assert second_report.summary()["gone"] == 1
    assert "probably gone" in second_report.text()
    answers["code"] = 200
    third = only(check(empty_kb, config))
    assert (third.status, third.consecutive_failures, third.first_failed) == ("ok", 0, None)
    assert third.last_ok == third.checked_at


def test_link_status_export_has_the_site_shape(server, empty_kb):
    ok = server.route("/ok", reply(200))
    gone = server.route("/gone", reply(404))
    kb_with_urls(empty_kb, ok, gone)
    check(empty_kb)
    data = json.loads((empty_kb / ".kb" / "link-status.json").read_text())
    assert set(data) == {"generated", "urls"}
    assert set(data["urls"]) == {ok, gone}
    record = data["urls"][gone]
    assert set(record) == {"status", "http_status", "final_url", "checked_at", "last_ok", "first_failed",
                           "consecutive_failures"}
    assert (record["status"], record["http_status"], record["consecutive_failures"]) == ("broken", 404, 1)
    assert data["urls"][ok]["last_ok"] == data["urls"][ok]["checked_at"]
    assert load_link_status(empty_kb) == data["urls"]


def test_load_link_status_is_empty_when_missing_or_corrupt(empty_kb):
    assert load_link_status(empty_kb) == {}
    (empty_kb / ".kb").mkdir()
    (empty_kb / ".kb" / "link-status.json").write_text("[1, 2")
    assert load_link_status(empty_kb) == {}


def test_partial_run_keeps_the_other_urls_in_the_export(server, empty_kb):
    first = server.route("/a", reply(200))
    second = server.route("/b", reply(200))
    path_a = kb_with_urls(empty_kb, first, entry="entry-a")
    kb_with_urls(empty_kb, second, entry="entry-b")
    check(empty_kb)
    check(empty_kb, paths=[path_a])
    assert set(load_link_status(empty_kb)) == {first, second}


def test_cache_records_with_bad_fields_are_ignored(tmp_path):
    path = tmp_path / "cache.json"
    path.write_text(json.dumps({"version": 1, "urls": {"http://x/": {"status": "ok", "checked_at": "yesterday"},
                                                        "http://y/": "nonsense"}}))
    cache = LinkCache.load(path)
    assert cache.notice is None
    assert cache.fresh("http://x/", replace(FAST).max_age) is None
    assert cache.fresh("http://y/", FAST.max_age) is None


def test_interrupted_run_keeps_what_was_checked(server, empty_kb):
    urls = [server.route(f"/p{i}", reply(200, delay=0.2 if i else 0)) for i in range(6)]
    kb_with_urls(empty_kb, *urls)
    interrupted = []

    def progress(done, total):
        if not interrupted:
            interrupted.append(done)
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C would, while the other URLs are in flight

    with pytest.raises(KeyboardInterrupt):
        check(empty_kb, configured(per_host=1), progress=progress)
    saved = json.loads((empty_kb / ".kb" / "links-cache.json").read_text())["urls"]
    assert urls[0] in saved and 1 <= len(saved) < 6


def test_unwritable_state_folder_is_a_warning_not_a_crash(server, empty_kb, cli):
    url = server.route("/p", reply(200))
    kb_with_urls(empty_kb, url)
    (empty_kb / ".kb").write_text("a file where the folder should be")
    result = cli(empty_kb, "check-links", *ALLOW)
    assert result.exit_code == 0
    assert "could not write the cache" in result.stderr and "could not write the link status" in result.stderr


def test_check_links_takes_its_options_by_keyword_only(server, empty_kb):
    from kb.links import check_links

    path = kb_with_urls(empty_kb, server.route("/p", reply(200)))
    with pytest.raises(TypeError, match="positional"):
        check_links(empty_kb, FAST, [path], None, False)  # which of these is use_cache? the call cannot say
    report = check_links(empty_kb, FAST, paths=[path], use_cache=False)
    assert [r.status for r in report.results] == ["ok"] and not (empty_kb / ".kb" / "links-cache.json").exists()
