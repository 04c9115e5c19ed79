"""The editor experience, tested as VS Code gets it: yaml-language-server (npm, pinned in
tests/editor/package.json, installed by .ci/run) driven over stdio with the Language Server Protocol, on an
entry whose line 1 is the one `kb fmt` writes. Skipped with a reason where Node or the server is missing."""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from kb.model import EDITOR_SCHEMA_DIR, schema_comment

REPO = Path(__file__).resolve().parents[1]
SERVER = Path(os.environ.get("KB_YAML_LANGUAGE_SERVER",
                             REPO / "tests/editor/node_modules/.bin/yaml-language-server"))
SETTINGS = {"yaml": {"validate": True, "completion": True, "hover": True, "format": {"enable": False},
                     "schemaStore": {"enable": False}}}  # no catalogue fetched from the web
TIMEOUT = 60  # seconds for one answer; the server starts in about one on an idle machine

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None,
                       reason="no Node.js: install it (apt-get install nodejs npm) to run the editor test"),
    pytest.mark.skipif(not SERVER.exists(), reason="yaml-language-server is not installed: run "
                                                   "`npm ci --prefix tests/editor` (.ci/run does)"),
]

PAPER = """\
{modeline}
id: a-paper
title: A Paper
url: https://example.org/a-paper
domains: [physics]
audience: [undergrad]
authors: [Ada Example]
year: 2020
lectures: 12

why: A paper that explains one idea well enough for a reader to use it the next day.
for_whom: Graduate students.
added: 2026-01-01
"""
BLANK_LINE, AUDIENCE_LINE, LECTURES_LINE = 9, 5, 8  # 0-based, as the protocol counts


class LanguageServer:
    """A minimal LSP client: JSON-RPC messages framed by Content-Length over the server's stdio; the
    server's own requests (workspace/configuration and the like) are answered as an editor would."""

    def __init__(self, root: Path):
        self.process = subprocess.Popen([str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=root)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {
            "workspace": {"configuration": True},
            "textDocument": {"completion": {"completionItem": {"documentationFormat": ["plaintext", "markdown"]}},
                             "publishDiagnostics": {}}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                self.messages.put(None)
                return
            self.messages.put(json.loads(stream.read(length)))

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict):
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m).get("result")

    def wait(self, wanted) -> dict:
        """The first message `wanted` accepts, answering the server's requests meanwhile."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                message = self.messages.get(timeout=0.5)
            except queue.Empty:
                continue
            assert message is not None, "yaml-language-server exited"
            if "method" in message and "id" in message:
                self._send({"id": message["id"], "result": self._answer(message)})
            elif wanted(message):
                return message
        raise AssertionError(f"no answer from yaml-language-server in {TIMEOUT} s")

    @staticmethod
    def _answer(request: dict):
        if request["method"] == "workspace/configuration":
            return [SETTINGS.get(item.get("section"), {}) for item in request["params"]["items"]]
        return None

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                              "text": path.read_text(encoding="utf-8")}})
        return uri

    def diagnostics(self, uri: str) -> list[dict]:
        """The first non-empty diagnostics for `uri` (an empty list is published before the schema loads)."""
        found = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == uri and m["params"]["diagnostics"])
        return found["params"]["diagnostics"]

    def completion(self, uri: str, line: int, character: int) -> dict[str, str]:
        """label -> documentation of the items offered at a position."""
        result = self.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                          "position": {"line": line, "character": character}})
        items = result["items"] if isinstance(result, dict) else result
        return {item["label"]: str(item.get("documentation", "")) for item in items}

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(10)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.fixture
def kb_for_editor(tmp_path) -> Path:
    """A KB folder with the published schemas where the entries' modelines look for them."""
    shutil.copytree(REPO / EDITOR_SCHEMA_DIR, tmp_path / EDITOR_SCHEMA_DIR)
    shutil.copy(REPO / "kb/schema/entry.schema.json", tmp_path / "kb/schema/entry.schema.json")
    (tmp_path / "entries/paper").mkdir(parents=True)
    return tmp_path


@pytest.fixture
def server(kb_for_editor):
    client = LanguageServer(kb_for_editor)
    yield client
    client.close()


def write_paper(root: Path, modeline: str) -> Path:
    path = root / "entries/paper/a-paper.yaml"
    path.write_text(PAPER.format(modeline=modeline), encoding="utf-8")
    return path


def test_a_paper_is_completed_with_paper_fields_and_taxonomy_ids(server, kb_for_editor):
    uri = server.open(write_paper(kb_for_editor, schema_comment("paper")))
    fields = server.completion(uri, BLANK_LINE, 0)
    assert {"venue", "arxiv", "doi", "tags", "caveats"} <= set(fields)
    assert not {"lecturers", "lectures", "course_code", "term", "institution", "published"} & set(fields)
    assert "title" not in fields  # already in the file
    assert fields["arxiv"].startswith("arXiv identifier without version")
    audiences = server.completion(uri, AUDIENCE_LINE, len("audience: ["))
    assert list(audiences)[:3] == ["general", "beginner", "undergraduate"]
    assert audiences["undergraduate"].startswith("Undergraduate: ")  # the taxonomy's title and description


def test_a_field_of_another_type_and_an_unknown_audience_are_flagged(server, kb_for_editor):
    uri = server.open(write_paper(kb_for_editor, schema_comment("paper")))
    found = {(d["range"]["start"]["line"], d["message"]) for d in server.diagnostics(uri)}
    assert (LECTURES_LINE, "Property lectures is not allowed.") in found
    audience = [message for line, message in found if line == AUDIENCE_LINE]
    assert len(audience) == 1 and audience[0].startswith("Value is not accepted. Valid values: \"general\"")
    assert len(found) == 2


def test_the_one_shared_schema_offered_other_types_fields(server, kb_for_editor):
    """Why each type has its own schema: the anyOf of all three offers a paper a lecture series's fields."""
    uri = server.open(write_paper(kb_for_editor, "# yaml-language-server: $schema=../../kb/schema/entry.schema.json"))
    offered = set(server.completion(uri, BLANK_LINE, 0))
    assert "published" in offered, offered  # a research guide's field
