"""`kb new`: flags only, prompts through a pseudo-terminal, duplicates refused, nothing overwritten."""
from __future__ import annotations

import datetime
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.contrib.scaffold import EntryExists, MissingFields, new_entry, slug_id, wrap_prose
from kb.model import read_entry
from kb.validate import validate

KB = str(Path(sys.executable).parent / "kb")
WHY = ("The clearest first course on the topic: it builds every idea from examples before the formalism, "
       "and the problem sets are excellent.")
GUIDE_FLAGS = ["--title", "How to Read a Paper Twice", "--url", "https://example.org/how-to-read-a-paper-twice",
               "--author", "A. Reader", "--published", "2003", "--domain", "research-skills/doing-research",
               "--audience", "graduate", "--why", WHY, "--for-whom", "New graduate students in any field."]


def test_flags_only_writes_a_valid_entry_in_canonical_order(kb_copy, cli):
    result = cli(kb_copy, "new", "research-guide", *GUIDE_FLAGS)
    assert result.exit_code == 0, result.output
    path = kb_copy / "entries/research-guide/how-read-paper-twice-2003.yaml"
    assert result.output.strip() == "wrote entries/research-guide/how-read-paper-twice-2003.yaml"
    text = path.read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../kb/schema/editor/research-guide.schema.json"
    keys = [line.split(":")[0] for line in text.splitlines()[1:] if line[:1].isalpha()]
    assert keys == ["id", "title", "url", "domains", "audience", "authors", "published", "why", "for_whom", "added"]
    entry = read_entry(path, kb_copy)
    assert entry.data["added"] == datetime.date.today().isoformat() and entry.data["published"] == 2003
    assert entry.data["why"] == wrap_prose(WHY) and "why: |\n" in text
    assert validate(kb_copy, [path]).ok
    assert cli(kb_copy, "validate").exit_code == 0


def test_missing_fields_without_a_terminal_are_listed_and_nothing_is_written(kb_copy, cli):
    before = sorted((kb_copy / "entries").rglob("*.yaml"))
    result = cli(kb_copy, "new", "paper", "--title", "Some Paper")
    assert result.exit_code == 2
    for option in ("--url", "--domain", "--audience", "--why", "--for-whom", "--author", "--year"):
        assert option in result.output
    assert sorted((kb_copy / "entries").rglob("*.yaml")) == before


@pytest.mark.parametrize("flags, existing", [
    (["--id", "you-and-your-research-hamming"], "an entry with id `you-and-your-research-hamming`"),
    (["--url", "https://www.cs.virginia.edu/~robins/YouAndYourResearch.html/"],
     "`you-and-your-research-hamming` (same URL)"),
])
def test_duplicate_id_or_url_is_refused_naming_the_entry(kb_copy, cli, flags, existing):
    args = [a for a in GUIDE_FLAGS]
    if flags[0] == "--url":
        args[args.index("--url") + 1] = flags[1]
    else:
        args += flags
    result = cli(kb_copy, "new", "research-guide", *args)
    assert result.exit_code == 1 and existing in result.output


def test_duplicate_arxiv_and_doi_are_refused(kb_copy):
    base = {"title": "A New Title", "url": "https://example.org/new", "authors": ["A. Author"], "year": 2024,
            "domains": ["machine-learning"], "audience": ["researcher"], "why": WHY, "for_whom": "Researchers."}
    with pytest.raises(EntryExists, match="coconut-latent-reasoning.*arXiv id"):
        new_entry(kb_copy, "paper", {**base, "arxiv": "https://arxiv.org/abs/2412.06769v3"})
    with pytest.raises(EntryExists, match="olmo-accelerating-science-of-language-models.*DOI"):
        new_entry(kb_copy, "paper", {**base, "doi": "https://doi.org/10.18653/V1/2024.ACL-LONG.841"})


def test_never_overwrites_an_existing_file(kb_copy, cli):
    assert cli(kb_copy, "new", "research-guide", *GUIDE_FLAGS).exit_code == 0
    path = kb_copy / "entries/research-guide/how-read-paper-twice-2003.yaml"
    path.write_text(path.read_text() + "# edited\n")
    again = cli(kb_copy, "new", "research-guide", *GUIDE_FLAGS, "--url", "https://example.org/other")
    assert again.exit_code == 1 and "how-read-paper-twice-2003" in again.output
    assert path.read_text().endswith("# edited\n")


def test_an_invalid_value_is_reported_and_nothing_written(kb_copy, cli):
    args = [("research-skill" if a == "research-skills/doing-research" else a) for a in GUIDE_FLAGS]
    result = cli(kb_copy, "new", "research-guide", *args)
    # an unknown --domain is a bad option value: a usage error, with the hint validate, list and search give
    assert result.exit_code == 2 and "unknown domain `research-skill`; did you mean `research-skills`?" in result.output
    assert not (kb_copy / "entries/research-guide/how-read-paper-twice-2003.yaml").exists()


def test_a_field_of_another_type_is_a_usage_error(kb_copy, cli):
    result = cli(kb_copy, "new", "research-guide", *GUIDE_FLAGS, "--lecturer", "Someone")
    assert result.exit_code == 2 and "--lecturer: not a field of research-guide entries" in result.output


def test_missing_fields_error_from_library():
    with pytest.raises(MissingFields) as caught:
        new_entry(Path("/nonexistent"), "lecture-series", {"title": "T"})
    assert "lecturers" in caught.value.names and "why" in caught.value.names


def test_slug_id():
    assert slug_id("Gödel's Proof: An Introduction to the Theory", 1958) == "godels-proof-introduction-theory-1958"
    assert slug_id("The") == "the" and slug_id("CS 101 (2020)", 2020) == "cs-101-2020"


def run_in_terminal(argv: list[str], answers: list[tuple[str, str]], timeout: float = 30.0) -> tuple[int, str]:
    """Run argv with a pseudo-terminal as stdin/stdout, answering each prompt (matched by its label)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    seen, pending, deadline = "", list(answers), time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 4096).decode()
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if pending and seen.rstrip().endswith(":") and pending[0][0] in seen.rsplit("\n", 1)[-1]:
                os.write(controller, (pending.pop(0)[1] + "\n").encode())
            if process.poll() is not None and not ready:
                break
        try:
            return process.wait(timeout=max(1.0, deadline - time.monotonic())), seen
        except subprocess.TimeoutExpired:
            return -1, seen + "\n[still running: no prompt matched the next answer]"
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()


def test_prompts_for_missing_fields_on_a_terminal(kb_copy):
    code, seen = run_in_terminal(
        [KB, "--root", str(kb_copy), "new", "lecture-series", "--title", "Introduction to Topology (2020)",
         "--year", "2020"],
        [("url", "https://example.org/topology"), ("domains", "mathematics"),
         ("audience", "undergraduate, graduate"), ("why", WHY), ("for whom", "Mathematics undergraduates."),
         ("lecturers", "Jane Doe, John Roe")])
    assert code == 0, seen
    entry = read_entry(kb_copy / "entries/lecture-series/introduction-topology-2020.yaml", kb_copy)
    assert entry.data["lecturers"] == ["Jane Doe", "John Roe"]
    assert entry.data["audience"] == ["undergraduate", "graduate"]
    assert validate(kb_copy, [kb_copy / entry.path]).ok
