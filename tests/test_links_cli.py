"""`kb check-links` end to end through the CLI: which URLs and where, formats, exit codes, the
configuration table and its validation, and the pull-request mode on a temporary git repository."""
from __future__ import annotations

import json
import re
import subprocess
import tomllib
from dataclasses import fields

import pytest

from kb.links import SETTINGS, ConfigError, LinkConfig, Status, load_config
from kb.links.config import read_table
from kb.model.settings import markdown_table
from kb.site.linkstatus import read_link_status

from conftest import write_entry
from test_links_support import kb_with_urls, reply

ALLOW = ("--allow-network", "127.0.0.1/32")


def run(cli, root, *args):
    return cli(root, "check-links", *ALLOW, *args)


def test_one_url_in_three_entries_is_requested_once_with_three_locations(server, empty_kb, cli):
    url = server.route("/shared", reply(200))
    write_entry(empty_kb, "paper", "first", f"title: First\nurl: {url}\n")
    write_entry(empty_kb, "lecture-series", "second", f"title: Second\nlinks:\n  - label: notes\n    url: {url}\n")
    write_entry(empty_kb, "research-guide", "third",
                f"title: Third\nrecommended_by:\n  - name: Someone\n    source: {url}\n")
    result = run(cli, empty_kb, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (record,) = data["results"]
    assert sorted(record["locations"]) == ["entries/lecture-series/second.yaml:4",
                                           "entries/paper/first.yaml:2", "entries/research-guide/third.yaml:4"]
    assert server.count() == 1


def test_every_url_field_is_found_even_in_an_invalid_entry(server, empty_kb, cli):
    fields = {name: server.route(f"/{name}", reply(200)) for name in ("url", "archive", "link", "source", "other")}
    write_entry(empty_kb, "paper", "Not-A-Valid-Id", f"""
        title: 1
        url: {fields['url']}
        archive_url: {fields['archive']}
        links:
          - url: {fields['link']}
        recommended_by:
          - source: {fields['source']}
        unknown_field:
          nested: {fields['other']}
        note: mailto:someone@example.org
        """)
    data = json.loads(run(cli, empty_kb, "--format", "json").stdout)
    assert {r["url"] for r in data["results"]} == set(fields.values())
    assert server.count() == 5


def test_unparseable_entry_is_skipped_with_a_warning(server, empty_kb, cli):
    url = server.route("/fine", reply(200))
    kb_with_urls(empty_kb, url)
    (empty_kb / "entries" / "paper" / "broken.yaml").write_text("title: [unclosed\n")
    result = run(cli, empty_kb)
    assert result.exit_code == 0
    assert "skipped entries/paper/broken.yaml:" in result.stderr


def test_json_report_fields_and_exit_code(server, empty_kb, cli):
    ok, gone = server.route("/ok", reply(200)), server.route("/gone", reply(404))
    kb_with_urls(empty_kb, ok, gone)
    result = run(cli, empty_kb, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data["results"][0]) >= {"url", "status", "http_status", "final_url", "redirects", "method",
                                       "elapsed", "checked_at", "locations", "message"}
    assert data["summary"]["ok"] == 1 and data["summary"]["broken"] == 1 and data["summary"]["urls"] == 2


def test_markdown_report_to_a_file(server, empty_kb, cli, tmp_path):
    gone = server.route("/gone", reply(404))
    kb_with_urls(empty_kb, gone)
    out = tmp_path / "report.md"
    result = run(cli, empty_kb, "--format", "markdown", "--output", str(out))
    assert result.exit_code == 1
    text = out.read_text()
    assert text.startswith("## Link check")
    assert f"| broken | {gone} | entries/paper/example-paper.yaml:2 | HTTP 404" in text


def test_text_report_lists_problems_and_summary(server, empty_kb, cli):
    new = server.route("/new", reply(200))
    old = server.route("/old", reply(308, {"Location": new}))
    kb_with_urls(empty_kb, old)
    result = run(cli, empty_kb)
    assert result.exit_code == 0  # moved is a warning
    assert "MOVED" in result.stdout and new in result.stdout
    assert "1 URLs in 1 files: 1 moved" in result.stderr
    assert "[" not in result.stderr  # no progress bar when stderr is not a terminal
    assert run(cli, empty_kb, "--strict", "--no-cache").exit_code == 1


def test_config_table_sets_defaults_and_flags_override(server, empty_kb, cli):
    urls = [server.route(f"/p{i}", reply(200, delay=0.05)) for i in range(8)]
    kb_with_urls(empty_kb, *urls)
    (empty_kb / "pyproject.toml").write_text('[tool.kb.links]\nper_host = 1\ncache = "my-cache.json"\n'
                                             'max_age = { ok = "1h" }\n')
    assert run(cli, empty_kb).exit_code == 0
    assert server.peak == 1
    assert (empty_kb / "my-cache.json").is_file()
    server.peak = 0
    assert run(cli, empty_kb, "--per-host", "2", "--no-cache").exit_code == 0
    assert server.peak == 2
    config = load_config(empty_kb, {"max_age": {"broken": "2h"}})
    assert (config.max_age["ok"], config.max_age["broken"], config.max_age["moved"]) == (3600, 7200, 7 * 86400)


@pytest.mark.parametrize("table, message", [
    ("per_host = 0", "`per_host` must be a whole number >= 1, not 0"),
    ('timeout = "soon"', "`timeout` must be a duration"),
    ("concurrent = 3", "unknown setting `concurrent`"),
    ('allow_networks = ["10.0.0.0/33"]', "not a network"),
    ('exclude = ["(unclosed"]', "invalid regular expression"),
    ('doi_api = "ftp://x"', "`doi_api` must be an http(s) URL"),
    ('max_age = { fine = "1d" }', "unknown status 'fine'"),
    ('hosts = { "x.org" = { method = "POST" } }', "method must be HEAD or GET"),
])
def test_bad_config_values_are_usage_errors_naming_the_setting(empty_kb, cli, table, message):
    (empty_kb / "pyproject.toml").write_text(f"[tool.kb.links]\n{table}\n")
    result = cli(empty_kb, "check-links")
    assert result.exit_code == 2
    assert "pyproject.toml [tool.kb.links]" in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("table, message", [
    ('user_agent = "kb\\r\\nEvil: 1"', "`user_agent` has a control character U+000D at column 3"),
    ('user_agent = "kb\\u0000"', "`user_agent` has a control character U+0000 at column 3"),
    ('user_agent = "kb \\u20ac"', "`user_agent` has the non-ASCII character '\u20ac' (U+20AC) at column 4"),
    ('hosts = { "x.org" = { headers = { Accept = "a\\nX-Evil: 1" } } }',
     "`hosts` for 'x.org': header 'Accept' has a control character U+000A at column 2"),
    ('hosts = { "x.org" = { headers = { "Bad Name" = "en" } } }',
     "`hosts` for 'x.org': header 'Bad Name' is not an HTTP header name"),
    ('hosts = { "x.org" = { headers = { "X-A\\r\\nEvil" = "1" } } }',
     "`hosts` for 'x.org': header 'X-A\\r\\nEvil' is not an HTTP header name"),
])
def test_control_characters_in_headers_are_configuration_errors(server, empty_kb, cli, table, message):
    url = server.route("/page", reply(200))
    kb_with_urls(empty_kb, url)
    (empty_kb / "pyproject.toml").write_text(f"[tool.kb.links]\n{table}\n")
    result = run(cli, empty_kb)
    assert result.exit_code == 2, result.output
    assert "kb: error: pyproject.toml [tool.kb.links]: " + message in result.stderr
    assert "HTTP header" in result.stderr and server.count() == 0  # refused as read, before any request


def test_environment_values_are_checked_and_name_the_variable(empty_kb, cli, monkeypatch):
    monkeypatch.setenv("KB_LINKS_DOI_API", "ftp://doi.example.org")
    result = cli(empty_kb, "check-links")
    assert result.exit_code == 2
    assert ("kb: error: environment: KB_LINKS_DOI_API must be an http(s) URL, not 'ftp://doi.example.org'"
            in result.stderr)
    monkeypatch.setenv("KB_LINKS_DOI_API", "http://127.0.0.1:9/api\r\n")
    assert "without spaces or control characters" in cli(empty_kb, "check-links").stderr


def test_bad_flag_values_name_the_flag(empty_kb, cli):
    result = cli(empty_kb, "check-links", "--max-age", "soon")
    assert result.exit_code == 2 and "--max-age" in result.stderr
    result = cli(empty_kb, "check-links", "--allow-network", "nonsense")
    assert result.exit_code == 2 and "--allow-network has 'nonsense'" in result.stderr
    with pytest.raises(ConfigError, match="--concurrency"):
        load_config(empty_kb, {"concurrency": 0})


def test_broken_toml_is_a_usage_error(empty_kb, cli):
    (empty_kb / "pyproject.toml").write_text("[tool.kb.links\n")
    result = cli(empty_kb, "check-links")
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_repository_pyproject_table_keeps_only_what_it_overrides(repo_root):
    assert "links" in tomllib.loads((repo_root / "pyproject.toml").read_text())["tool"]["kb"]  # where to look
    table, defaults = read_table(repo_root / "pyproject.toml"), LinkConfig()
    config = load_config(repo_root, environ={})
    same = [key for key in table if getattr(config, key.replace("-", "_")) == getattr(defaults, key.replace("-", "_"))]
    assert not same, f"[tool.kb.links] repeats defaults, which would hide a change of default in kb: {same}"
    changed = [s.name for s in SETTINGS if s.name not in table and getattr(config, s.name) != getattr(defaults, s.name)]
    assert not changed  # what the table does not set is the code's default


def test_every_default_is_valid_and_is_the_dataclass_default():
    defaults = LinkConfig()
    for setting in SETTINGS:
        assert getattr(defaults, setting.name) == setting.check(setting.default), setting.name
    assert (defaults.timeout, defaults.max_age["ok"], defaults.max_age["broken"]) == (10.0, 7 * 86400, 0)
    assert [f.name for f in fields(LinkConfig)] == [s.name for s in SETTINGS]


def test_docs_settings_table_is_generated_from_the_settings(repo_root):
    text = (repo_root / "docs/links.md").read_text()
    table = re.search(r"^<!-- generated from SETTINGS in kb/links/config.py[^\n]*-->\n(.*?)^<!-- end of the generated",
                      text, re.M | re.S)
    expected = markdown_table(SETTINGS)
    assert table and table.group(1) == expected, f"docs/links.md's settings table is stale; it should be:\n{expected}"


def test_flag_help_comes_from_the_settings_table(cli, empty_kb):
    help_text = " ".join(cli(empty_kb, "check-links", "--help").stdout.split())
    flagged = [s for s in SETTINGS if s.flag]
    assert len(flagged) >= 5
    for setting in flagged:
        assert f"{setting.flag} {setting.metavar} {setting.help}" in help_text, setting.name
        assert f"(setting `{setting.name}`: {setting.default_text()})" in help_text, setting.name


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_changed_since_checks_only_changed_entries(server, empty_kb, cli):
    old, new, untracked = (server.route(f"/{n}", reply(200)) for n in ("old", "new", "untracked"))
    git(empty_kb, "init", "-q")
    git(empty_kb, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "0")
    kb_with_urls(empty_kb, old, entry="old-entry")
    git(empty_kb, "add", ".")
    git(empty_kb, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", "first")
    kb_with_urls(empty_kb, new, entry="new-entry")
    git(empty_kb, "add", ".")
    git(empty_kb, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", "second")
    kb_with_urls(empty_kb, untracked, entry="untracked-entry")
    result = run(cli, empty_kb, "--changed-since", "HEAD~1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert {r["url"] for r in json.loads(result.stdout)["results"]} == {new, untracked}
    assert server.count("/old") == 0
    bad = run(cli, empty_kb, "--changed-since", "no-such-ref")
    assert bad.exit_code == 2 and "git" in bad.stderr


def test_missing_path_is_a_usage_error(empty_kb, cli):
    result = cli(empty_kb, "check-links", "entries/paper/nothing.yaml")
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_progress_bar_draws_on_stderr(capsys):
    from kb.cli.links import progress_bar

    show = progress_bar()
    show(1, 4)
    show(4, 4)
    err = capsys.readouterr().err
    assert "\r[" + "#" * 7 + "." * 23 + "] 1/4" in err
    assert err.endswith("[" + "#" * 30 + "] 4/4\n")


def test_unwritable_output_is_a_usage_error(empty_kb, cli, tmp_path):
    (tmp_path / "blocker").write_text("a file, not a folder")
    result = cli(empty_kb, "check-links", "--output", str(tmp_path / "blocker" / "report.md"))
    assert result.exit_code == 2 and f"--output {tmp_path / 'blocker' / 'report.md'}: " in result.stderr
    assert (tmp_path / "blocker").read_text() == "a file, not a folder"


@pytest.mark.parametrize("option", ["--output", "--cache"])
def test_output_and_cache_in_a_missing_folder_are_usage_errors_before_any_request(server, empty_kb, cli, tmp_path,
                                                                                  option):
    kb_with_urls(empty_kb, server.route("/p", reply(200)))
    missing = tmp_path / "no-such-folder" / "file.json"
    result = run(cli, empty_kb, option, str(missing))
    assert result.exit_code == 2, result.output
    assert f"kb: error: {option} {missing}: the folder {missing.parent} does not exist" in result.stderr
    assert not missing.parent.exists() and server.count() == 0


def test_cache_setting_in_a_missing_folder_is_a_usage_error(server, empty_kb, cli):
    kb_with_urls(empty_kb, server.route("/p", reply(200)))
    (empty_kb / "pyproject.toml").write_text('[tool.kb.links]\ncache = "state/links.json"\n')
    result = run(cli, empty_kb)
    assert result.exit_code == 2 and "the `cache` setting" in result.stderr and "does not exist" in result.stderr
    assert not (empty_kb / "state").exists() and server.count() == 0


def test_kbs_own_state_folder_is_made_for_the_cache(server, empty_kb, cli, monkeypatch):
    kb_with_urls(empty_kb, server.route("/p", reply(200)))
    monkeypatch.chdir(empty_kb)  # as the weekly workflow runs it, on a fresh clone without .kb/
    result = run(cli, empty_kb, "--cache", ".kb/links-cache.json")
    assert result.exit_code == 0, result.output
    assert (empty_kb / ".kb" / "links-cache.json").is_file()


def status_url(server, status: Status) -> str:
    """A URL the checker reports as `status` (with --timeout 0.3s and the exclude pattern `/excluded`)."""
    if status == Status.MOVED:
        return server.route("/old", reply(308, {"Location": server.route("/new", reply(200))}))
    if status == Status.BLOCKED:
        return f"http://127.0.0.2:{server.port}/blocked"  # outside the allowed 127.0.0.1/32
    answers = {Status.OK: reply(200), Status.BROKEN: reply(404), Status.TIMEOUT: reply(200, delay=1.0),
               Status.RATE_LIMITED: reply(429, {"Retry-After": "3600"}), Status.UNVERIFIABLE: reply(403),
               Status.EXCLUDED: reply(200)}
    return server.route(f"/{status.value}", answers[status])


@pytest.mark.parametrize("status", list(Status))
def test_each_status_sets_the_exit_code_the_cache_and_the_site_as_its_traits_say(server, empty_kb, cli, status):
    kb_with_urls(empty_kb, status_url(server, status))
    (empty_kb / "pyproject.toml").write_text('[tool.kb.links]\nexclude = ["/excluded$"]\ndeadline = "2s"\n')
    result = run(cli, empty_kb, "--timeout", "0.3s", "--format", "json")
    data = json.loads(result.stdout)
    assert [r["status"] for r in data["results"]] == [status.value]
    assert set(data["summary"]) >= {s.value for s in Status} and data["summary"][status.value] == 1
    assert result.exit_code == (1 if status.fails_run else 0)
    cache = json.loads((empty_kb / ".kb" / "links-cache.json").read_text())["urls"]
    assert bool(cache) == status.cached
    (shown,) = read_link_status(empty_kb).values()
    assert (shown.working, shown.broken) == (status.working, status.counts_toward_gone)
    strict = run(cli, empty_kb, "--timeout", "0.3s", "--strict", "--no-cache")
    assert strict.exit_code == (1 if status.fails_run or status.warns else 0)
    assert (status.upper() in strict.stdout) == (status.fails_run or status.warns)  # the text report lists problems


def test_the_documented_results_table_matches_the_status_vocabulary(repo_root):
    rows = re.findall(r"^\| `([a-z-]+)` \| .* \| (0|1|0 \(1 with `--strict`\)) \|$",
                      (repo_root / "docs/links.md").read_text(), re.M)
    assert [name for name, _ in rows] == [s.value for s in Status]
    for name, exit_code in rows:
        status = Status(name)
        assert exit_code == ("1" if status.fails_run else "0 (1 with `--strict`)" if status.warns else "0"), name
