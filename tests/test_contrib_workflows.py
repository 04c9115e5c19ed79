"""The repository's contribution path: workflow files parse and call kb commands (and options) that
exist, the pre-commit hooks too, the issue form matches the taxonomy, and the weekly broken-links
issue lists exactly the links that failed several runs in a row."""
from __future__ import annotations

import importlib.util
import json
import shlex
from pathlib import Path

import click
import pytest
import yaml

from kb.cli import main
from kb.model import TYPES, load_taxonomy

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def kb_calls(script: str) -> list[list[str]]:
    """The arguments of every `kb ...` command in a shell script."""
    calls = []
    for line in script.splitlines():
        tokens = list(shlex.shlex(line, posix=True, punctuation_chars=True))
        for i, token in enumerate(tokens):
            if token == "kb" and (i == 0 or tokens[i - 1] in ("&&", "||", ";", "|", "(")):
                args = []
                for arg in tokens[i + 1:]:
                    if arg in ("&&", "||", ";", "|", ">", ">>", ")", "<"):
                        break
                    args.append(arg)
                calls.append(args)
    return calls


def resolve(args: list[str]) -> tuple[click.Command, list[str]]:
    """The click command `kb args...` would run (failing if there is none) and the options given to it."""
    command, rest = main, list(args)
    while isinstance(command, click.Group):
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] == "--root" else rest[1:]
        assert rest, f"`kb {' '.join(args)}` names no command"
        name = rest.pop(0)
        assert name in command.commands, f"`kb {' '.join(args)}`: no command `{name}`"
        command = command.commands[name]
    return command, [a.split("=")[0] for a in rest if a.startswith("--")]


def assert_exists(args: list[str]) -> None:
    command, options = resolve(args)
    known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    for option in options:
        assert option in known, f"`kb {' '.join(args)}`: {command.name} has no option {option}"


def workflow_runs(path: Path) -> list[str]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(workflow, dict) and (True in workflow or "on" in workflow), path  # YAML 1.1 reads `on` as True
    runs = []
    for name, job in workflow["jobs"].items():
        assert "runs-on" in job and job.get("steps"), f"{path.name}: job {name}"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{path.name}: job {name}: a step needs uses or run"
            runs += [step["run"]] if "run" in step else []
    return runs


def test_workflows_parse_and_call_existing_commands():
    assert {p.name for p in WORKFLOWS} >= {"pull-request.yml", "weekly-links-and-pages.yml"}
    called = []
    for path in WORKFLOWS:
        for script in workflow_runs(path):
            for args in kb_calls(script):
                assert_exists(args)
                called.append(resolve(args)[0].name)
    assert {"validate", "fmt", "check-links", "build"} <= set(called)


def test_the_command_checker_catches_what_does_not_exist():
    with pytest.raises(AssertionError, match="no command `lint`"):
        assert_exists(kb_calls("kb lint entries")[0])
    with pytest.raises(AssertionError, match="no option --changed"):
        assert_exists(kb_calls('echo x && kb validate --changed "$BASE" > out')[0])


def test_weekly_workflow_keeps_the_link_cache_and_reports_by_issue():
    workflow = yaml.safe_load((REPO / ".github/workflows/weekly-links-and-pages.yml").read_text())
    assert "schedule" in workflow[True]
    steps = workflow["jobs"]["links"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert ".kb/links-cache.json" in cache["with"]["path"] and cache["with"]["restore-keys"] == "kb-links-"
    assert any("gh issue edit" in s.get("run", "") and "gh issue create" in s.get("run", "") for s in steps)
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in workflow["jobs"]["deploy"]["steps"])


def test_pre_commit_hooks_call_existing_commands():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"kb-validate", "kb-fmt"}
    for hook in hooks:
        args = shlex.split(hook["entry"])
        assert args[0] == "kb"
        assert_exists(args[1:])


def test_issue_form_matches_the_taxonomy():
    form = yaml.safe_load((REPO / ".github/ISSUE_TEMPLATE/suggest-a-resource.yml").read_text())
    fields = {item.get("id"): item for item in form["body"]}
    assert fields["type"]["attributes"]["options"] == list(TYPES)
    taxonomy, _ = load_taxonomy(REPO / "entries")
    assert [o["label"] for o in fields["audience"]["attributes"]["options"]] == list(taxonomy.audiences)
    assert fields["why"]["validations"]["required"] and fields["alternatives"]["validations"]["required"]


@pytest.fixture
def issue_script():
    spec = importlib.util.spec_from_file_location("broken_links_issue", REPO / ".github/scripts/broken_links_issue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_broken_links_issue_lists_links_failing_several_runs(issue_script, tmp_path, capsys):
    results = [
        {"url": "https://example.org/gone", "status": "broken", "http_status": 404, "consecutive_failures": 3,
         "first_failed": "2026-11-09T04:17:00+00:00", "locations": ["entries/paper/a.yaml:4"]},
        {"url": "https://example.org/slow", "status": "timeout", "http_status": None, "consecutive_failures": 5,
         "first_failed": "2026-10-26T04:17:00+00:00",
         "locations": ["entries/paper/b.yaml:4", "entries/paper/c.yaml:9"]},
        {"url": "https://example.org/bad-night", "status": "broken", "http_status": 503, "consecutive_failures": 1,
         "first_failed": "2026-11-23T04:17:00+00:00", "locations": ["entries/paper/d.yaml:4"]},
        {"url": "https://example.org/fine", "status": "ok", "http_status": 200, "consecutive_failures": 0,
         "locations": ["entries/paper/e.yaml:4"]},
    ]
    report = tmp_path / "links.json"
    report.write_text(json.dumps({"results": results, "summary": {}, "notices": []}))
    body = tmp_path / "issue.md"
    assert issue_script.main([str(report), "--runs", "3", "--output", str(body)]) == 0
    assert capsys.readouterr().out == "count=2\n"
    rows = [line for line in body.read_text().splitlines() if line.startswith("| https://")]
    assert [r.split(" | ")[0] for r in rows] == ["| https://example.org/gone", "| https://example.org/slow"]
    assert "broken (HTTP 404)" in rows[0] and "entries/paper/b.yaml:4, entries/paper/c.yaml:9" in rows[1]


def test_broken_links_issue_without_a_report_fails(issue_script, tmp_path):
    assert issue_script.main([str(tmp_path / "missing.json"), "--output", str(tmp_path / "issue.md")]) == 2
